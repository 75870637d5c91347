import { Construct } from 'constructs';
import { CloudwatchLogDelivery } from '@cdktf/provider-aws/lib/cloudwatch-log-delivery';
import { CloudwatchLogDeliveryDestination } from '@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination';
import { CloudwatchLogDeliverySource } from '@cdktf/provider-aws/lib/cloudwatch-log-delivery-source';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { LogGroup } from '../observability/log-group';
import type { IKey } from '../security/kms-key';

export interface DistributionAccessLogsProps {
  /** Name prefix, e.g. `platform-prod`. */
  readonly name: string;
  readonly distributionArn: string;
  readonly retentionDays: number;
  /** Encrypts the log group: in us-east-1, admitting CloudWatch Logs. */
  readonly kmsKey: IKey;
}

/**
 * CloudFront standard logging v2: the distribution's access logs delivered by CloudWatch Logs
 * (delivery source → destination → delivery) into a KMS-encrypted log group. CloudFront's
 * delivery source exists only in us-east-1, and a CloudWatch Logs destination must be in the
 * source's region: create this under the us-east-1 provider.
 */
export class DistributionAccessLogs extends Construct {
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: DistributionAccessLogsProps) {
    super(scope, id);
    // `/aws/vendedlogs/` keeps log delivery's resource policy short (AWS's advice for vended logs).
    const group = new LogGroup(this, 'logs', {
      name: `/aws/vendedlogs/cloudfront/${props.name}`,
      retentionDays: props.retentionDays,
      kmsKey: props.kmsKey,
    });
    this.logGroupArn = group.arn;
    const source = new CloudwatchLogDeliverySource(this, 'source', {
      name: `${props.name}-cloudfront`,
      logType: 'ACCESS_LOGS',
      resourceArn: props.distributionArn,
    });
    const destination = new CloudwatchLogDeliveryDestination(this, 'destination', {
      name: `${props.name}-cloudfront-logs`,
      outputFormat: 'json',
      deliveryDestinationConfiguration: [{ destinationResourceArn: group.arn }],
    });
    new CloudwatchLogDelivery(this, 'delivery', { deliverySourceName: source.name, deliveryDestinationArn: destination.arn });
  }
}

export interface LogDeliveryPolicyProps {
  readonly name: string;
  readonly accountId: string;
  /** The region of the policy and of the log groups. */
  readonly region: string;
  readonly logGroupArns: readonly string[];
}

/**
 * The CloudWatch Logs resource policy that lets AWS log delivery (WAF logs, CloudFront standard
 * logs) write to exactly these groups, on behalf of this account only. Declared, not left to the
 * services to add on first use, so it is reviewed and removed with the stack.
 */
export class LogDeliveryPolicy extends Construct {
  constructor(scope: Construct, id: string, props: LogDeliveryPolicyProps) {
    super(scope, id);
    new CloudwatchLogResourcePolicy(this, 'policy', {
      policyName: `${props.name}-log-delivery`,
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AwsLogDeliveryWrites',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: props.logGroupArns.map((arn) => `${arn}:log-stream:*`),
            Condition: {
              StringEquals: { 'aws:SourceAccount': props.accountId },
              ArnLike: { 'aws:SourceArn': `arn:aws:logs:${props.region}:${props.accountId}:*` },
            },
          },
        ],
      }),
    });
  }
}
