import { Construct } from 'constructs';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration';
import { LogGroup } from '../observability/log-group';
import { metric, type Metric } from '../observability/metric';
import type { IKey } from '../security/kms-key';

/** AWS managed rule groups, in evaluation order: common exploits, known bad inputs, IP reputation. */
export const WAF_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
] as const;

/** Request headers never written to the WAF log (credentials and sessions). */
export const WAF_REDACTED_HEADERS = ['authorization', 'cookie'] as const;

export interface EdgeFirewallProps {
  /** Name prefix, e.g. `platform-prod`. */
  readonly name: string;
  /** Requests per client IP per 5 minutes before the IP is blocked. */
  readonly rateLimitPer5Minutes: number;
  readonly logRetentionDays: number;
  /** Encrypts the log group: must be in the web ACL's region (us-east-1) and admit CloudWatch Logs. */
  readonly kmsKey: IKey;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

/**
 * The CloudFront-scope web ACL (create it under a us-east-1 provider: CLOUDFRONT scope exists only
 * there): the AWS managed rule groups above, a rate limit per client IP (behind CloudFront the
 * viewer's address, which a regional ACL on the ALB could not see), and logging to a KMS-encrypted
 * `aws-waf-logs-…` group with credentials redacted.
 */
export class EdgeFirewall extends Construct {
  readonly arn: string;
  readonly logGroupArn: string;
  private readonly metricName: string;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    this.metricName = `${props.name}-edge`;
    const acl = new Wafv2WebAcl(this, 'acl', {
      name: `${props.name}-edge`,
      description: 'AWS managed common, known-bad-inputs and IP-reputation rules and a per-IP rate limit',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      rule: [
        ...WAF_MANAGED_RULE_GROUPS.map((groupName, i) => ({
          name: groupName,
          priority: (i + 1) * 10,
          overrideAction: { none: {} },
          // `statement` is untyped in the provider bindings: Terraform (snake_case) shape.
          statement: { managed_rule_group_statement: { name: groupName, vendor_name: 'AWS' } },
          visibilityConfig: visibility(groupName),
        })),
        {
          name: 'RateLimitPerIp',
          priority: 100,
          action: { block: {} },
          statement: { rate_based_statement: { limit: props.rateLimitPer5Minutes, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
      ],
    });
    this.arn = acl.arn;

    // WAF only delivers to log groups whose name starts with `aws-waf-logs-`.
    const logs = new LogGroup(this, 'logs', { name: `aws-waf-logs-${props.name}-edge`, retentionDays: props.logRetentionDays, kmsKey: props.kmsKey });
    this.logGroupArn = logs.arn;
    new Wafv2WebAclLoggingConfiguration(this, 'logging', {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
      redactedFields: WAF_REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
    });
  }

  /** A web-ACL-wide metric (`AWS/WAFV2`; CloudFront-scope ACLs have no Region dimension; in us-east-1). */
  metric(metricName: 'AllowedRequests' | 'BlockedRequests' | 'CountedRequests', statistic: Metric['statistic'] = 'Sum'): Metric {
    return metric('AWS/WAFV2', metricName, { WebACL: this.metricName, Rule: 'ALL' }, statistic, { label: metricName });
  }
}
