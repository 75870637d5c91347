import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Connections } from '../security/connections';
import { metric, withStatistic, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';
import { AccessLogBucket } from './access-log-bucket';

export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** Body of the listener's default action: same error shape as the services' JSON 404. */
export const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'not_found', message: 'No route matches this path' } });

export interface LoadBalancerProps {
  /** Name prefix, e.g. `platform-prod` (ALB names are limited to 32 characters). */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly vpcId: string;
  /** Private subnets: the ALB is internal, reached only through CloudFront's VPC origin. */
  readonly privateSubnetIds: readonly string[];
  /** Presented to CloudFront: must cover the origin name CloudFront uses (modules/edge). */
  readonly certificateArn: string;
  /**
   * The AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` in this region:
   * the only source admitted on 443.
   */
  readonly originFacingPrefixListId: string;
  readonly deletionProtection: boolean;
  readonly idleTimeoutSeconds: number;
  /** Access logs to a dedicated bucket; undefined = off. */
  readonly accessLogs?: { readonly expirationDays: number };
  /** ALB 5xx and p99 latency alarms notify this topic. */
  readonly alarmTopicArn: string;
}

/** The load balancer as service stacks see it: they add their target group and listener rules. */
export interface ILoadBalancer {
  readonly arnSuffix: string;
  readonly httpsListenerArn: string;
  readonly vpcId: string;
  /** The ALB's security group; services admit it with `service.connections.allowFrom(scope, alb.connections)`. */
  readonly connections: Connections;
  /** A load-balancer-wide metric (`AWS/ApplicationELB`, dimension LoadBalancer). */
  metric(metricName: string, statistic?: Metric['statistic']): Metric;
}

export interface LoadBalancerAttributes {
  readonly arnSuffix: string;
  readonly httpsListenerArn: string;
  readonly vpcId: string;
  readonly securityGroupId: string;
}

const albMetric = (arnSuffix: string, metricName: string, statistic: Metric['statistic'] = 'Sum'): Metric =>
  metric('AWS/ApplicationELB', metricName, { LoadBalancer: arnSuffix }, statistic, { label: metricName });

/**
 * The internal ALB in the private subnets, CloudFront's VPC origin: HTTPS only (TLS 1.3 policy)
 * with a JSON 404 default, ingress on 443 from CloudFront's origin-facing prefix list only,
 * invalid header dropping, optional access logs. The web ACL is CloudFront's (modules/edge): here
 * a per-IP rule would only see CloudFront's addresses. Service stacks attach with `ServiceTargetGroup`.
 */
export class LoadBalancer extends Construct implements ILoadBalancer {
  readonly securityGroupId: string;
  readonly connections: Connections;
  readonly httpsListenerArn: string;
  readonly vpcId: string;
  readonly arn: string;
  readonly arnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;
  readonly accessLogBucketName?: string;

  static fromAttributes(attrs: LoadBalancerAttributes): ILoadBalancer {
    return {
      arnSuffix: attrs.arnSuffix,
      httpsListenerArn: attrs.httpsListenerArn,
      vpcId: attrs.vpcId,
      connections: new Connections('alb', attrs.securityGroupId),
      metric: (metricName, statistic) => albMetric(attrs.arnSuffix, metricName, statistic),
    };
  }

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.vpcId = props.vpcId;
    if (`${props.name}-alb`.length > 32) throw new Error(`LoadBalancer ${props.name}: name must be at most 28 characters`);

    const group = new SecurityGroup(this, 'sg', {
      name: `${props.name}-alb`,
      description: 'Internal ALB: HTTPS from CloudFront (origin-facing prefix list) only',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    this.securityGroupId = group.id;
    this.connections = new Connections('alb', group.id);
    new VpcSecurityGroupIngressRule(this, 'ingress-cloudfront-443', {
      securityGroupId: group.id,
      prefixListId: props.originFacingPrefixListId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from CloudFront origin-facing addresses',
    });

    const logs = props.accessLogs
      ? new AccessLogBucket(this, 'access-logs', {
          name: `${props.name}-alb-logs-${props.accountId}`,
          accountId: props.accountId,
          region: props.region,
          prefix: 'alb',
          expirationDays: props.accessLogs.expirationDays,
        })
      : undefined;
    this.accessLogBucketName = logs?.bucketName;

    const alb = new Lb(this, 'alb', {
      name: `${props.name}-alb`,
      loadBalancerType: 'application',
      internal: true,
      securityGroups: [group.id],
      subnets: [...props.privateSubnetIds],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection,
      idleTimeout: props.idleTimeoutSeconds,
      ...(logs
        ? { accessLogs: { bucket: logs.bucketName, prefix: 'alb', enabled: true }, dependsOn: [logs.policy] }
        : {}),
    });
    this.arn = alb.arn;
    this.arnSuffix = alb.arnSuffix;
    this.dnsName = alb.dnsName;
    this.zoneId = alb.zoneId;

    const https = new LbListener(this, 'https', {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [
        {
          type: 'fixed-response',
          fixedResponse: { statusCode: '404', contentType: 'application/json', messageBody: NOT_FOUND_BODY },
        },
      ],
    });
    this.httpsListenerArn = https.arn;

    metricAlarm(this, 'alarm-5xx', {
      alarmName: `${props.name}-alb-5xx`,
      description: 'ALB answered 5xx (its own or the targets\') more than 10 times a minute',
      metric: this.metric('HTTPCode_ELB_5XX_Count'),
      threshold: 10,
      evaluationPeriods: 3,
      alarmTopicArn: props.alarmTopicArn,
    });
    metricAlarm(this, 'alarm-target-5xx', {
      alarmName: `${props.name}-alb-target-5xx`,
      description: 'Targets answered 5xx more than 10 times a minute',
      metric: this.metric('HTTPCode_Target_5XX_Count'),
      threshold: 10,
      evaluationPeriods: 3,
      alarmTopicArn: props.alarmTopicArn,
    });
    metricAlarm(this, 'alarm-p99', {
      alarmName: `${props.name}-alb-p99-latency`,
      description: 'p99 target response time above 1 s',
      metric: withStatistic(this.metric('TargetResponseTime'), 'p99'),
      threshold: 1,
      alarmTopicArn: props.alarmTopicArn,
    });
  }

  metric(metricName: string, statistic?: Metric['statistic']): Metric {
    return albMetric(this.arnSuffix, metricName, statistic);
  }
}
