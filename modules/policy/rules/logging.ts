import { containerDefinitions } from './containers-support';
import { isOn, isReference, list, literal, num, one } from '../stack-view';
import type { Rule } from '../types';
import { PROD_ERROR, controls, eachResource } from './define';

export const loggingRules: readonly Rule[] = [
  {
    id: 'LOG-01',
    area: 'logging',
    title: 'CloudWatch log groups have a retention period',
    fix: 'Set `retention_in_days` (the platform LogGroup construct requires one)',
    severity: 'error',
    controls: controls('CKV_AWS_66', 'NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod'),
    resourceTypes: ['aws_cloudwatch_log_group'],
    check: eachResource(['aws_cloudwatch_log_group'], (r) => {
      if (isReference(r.attrs.retention_in_days)) return undefined;
      const days = num(r.attrs.retention_in_days) ?? 0;
      return days <= 0 && 'logs never expire (no retention_in_days)';
    }),
  },
  {
    id: 'LOG-02',
    area: 'logging',
    title: 'Production log groups keep logs for at least 365 days',
    fix: 'Set `retention_in_days` to 365 or more (envs/ observability.logRetentionDays)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_338', 'CT.CLOUDWATCH.PR.2'),
    resourceTypes: ['aws_cloudwatch_log_group'],
    check: eachResource(['aws_cloudwatch_log_group'], (r) => {
      const days = num(r.attrs.retention_in_days);
      return days !== undefined && days > 0 && days < 365 && `retention is ${days} days`;
    }),
  },
  {
    id: 'LOG-03',
    area: 'logging',
    title: 'Application load balancers write access logs',
    fix: 'Set `access_logs { bucket, enabled = true }` (envs/ loadBalancer.accessLogs)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_91', 'ELB.5', 'AwsSolutions-ELB2', 'NIST.800.53.R5-ELBLoggingEnabled'),
    resourceTypes: ['aws_lb', 'aws_alb'],
    check: eachResource(['aws_lb', 'aws_alb'], (r) => {
      if ((literal(r.attrs.load_balancer_type) ?? 'application') !== 'application') return undefined;
      const logs = one(r.attrs.access_logs);
      return (!logs || !logs.bucket || (logs.enabled !== undefined && !isOn(logs.enabled))) && 'access logs are off';
    }),
  },
  {
    id: 'LOG-04',
    area: 'logging',
    title: 'CloudFront distributions log requests',
    fix: 'Set `logging_config`, or deliver standard logs v2 with aws_cloudwatch_log_delivery_source for the distribution',
    severity: 'error',
    controls: controls('CKV_AWS_86', 'CloudFront.5', 'AwsSolutions-CFR3'),
    resourceTypes: ['aws_cloudfront_distribution', 'aws_cloudwatch_log_delivery_source'],
    check: eachResource(['aws_cloudfront_distribution'], (r, view) =>
      !one(r.attrs.logging_config) &&
      view.referencing('aws_cloudwatch_log_delivery_source', r, 'resource_arn').length === 0 &&
      'no logging_config and no log delivery source',
    ),
  },
  {
    id: 'LOG-05',
    area: 'logging',
    title: 'WAF web ACLs have a logging configuration',
    fix: 'Add `aws_wafv2_web_acl_logging_configuration` for the ACL (with redacted fields for credentials)',
    severity: 'error',
    controls: controls('CKV2_AWS_31', 'WAF.11', 'NIST.800.53.R5-WAFv2LoggingEnabled'),
    resourceTypes: ['aws_wafv2_web_acl', 'aws_wafv2_web_acl_logging_configuration'],
    check: eachResource(['aws_wafv2_web_acl'], (r, view) =>
      view.referencing('aws_wafv2_web_acl_logging_configuration', r, 'resource_arn').length === 0 && 'no logging configuration references this ACL',
    ),
  },
  {
    id: 'LOG-06',
    area: 'logging',
    title: 'Aurora PostgreSQL exports its log to CloudWatch Logs',
    fix: 'Set `enabled_cloudwatch_logs_exports = ["postgresql"]` and own the log group (retention, KMS)',
    severity: 'error',
    controls: controls('CKV_AWS_324', 'RDS.37', 'NIST.800.53.R5-RDSLoggingEnabled'),
    resourceTypes: ['aws_rds_cluster'],
    check: eachResource(['aws_rds_cluster'], (r) =>
      String(r.attrs.engine ?? '').includes('postgres') &&
      !isReference(r.attrs.enabled_cloudwatch_logs_exports) &&
      !list(r.attrs.enabled_cloudwatch_logs_exports).includes('postgresql') &&
      'enabled_cloudwatch_logs_exports lacks "postgresql"',
    ),
  },
  {
    id: 'LOG-07',
    area: 'logging',
    title: 'Every ECS container has a log configuration',
    fix: 'Set `logConfiguration` (awslogs to the service\'s encrypted log group) on every container',
    severity: 'error',
    controls: controls('ECS.9', 'AwsSolutions-ECS7', 'CT.ECS.PR.5'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachResource(['aws_ecs_task_definition'], (r) =>
      (containerDefinitions(r) ?? []).filter((c) => !c.logConfiguration).map((c) => `container ${String(c.name)} has no logConfiguration`),
    ),
  },
];
