import { type StackView, type SynthesizedResource, isReference, list, literal, one, refersTo } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

interface AlarmMetric {
  readonly alarm: SynthesizedResource;
  readonly namespace: unknown;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

/** Every metric an alarm watches: its own metric and those of metric-math queries. */
function alarmMetrics(view: StackView): AlarmMetric[] {
  return view.ofType('aws_cloudwatch_metric_alarm').flatMap((alarm) => [
    { alarm, namespace: alarm.attrs.namespace, dimensions: (alarm.attrs.dimensions ?? {}) as Record<string, unknown> },
    ...list(alarm.attrs.metric_query).flatMap((q) => {
      const metric = one((q as Record<string, unknown>).metric);
      return metric ? [{ alarm, namespace: metric.namespace, dimensions: (metric.dimensions ?? {}) as Record<string, unknown> }] : [];
    }),
  ]);
}

/**
 * A rule that every resource of `type` has an alarm: a metric of `namespace` whose dimension
 * `dimension` names the resource (its literal identifier, or a reference to the resource).
 */
function alarmed(type: string, namespace: string, dimensions: readonly string[], identifier: (r: SynthesizedResource) => string | undefined) {
  return eachResource([type], (resource, view) => {
    const id = identifier(resource);
    const watched = alarmMetrics(view).some(
      (m) =>
        m.namespace === namespace &&
        dimensions.some((d) => {
          const value = m.dimensions[d];
          if (refersTo(value, resource)) return true;
          const text = literal(value);
          return id !== undefined && text !== undefined && (text === id || text.startsWith(`${id}-`));
        }),
    );
    return !watched && `no CloudWatch alarm watches ${namespace} ${dimensions.join('/')} = ${id ?? resource.address}`;
  });
}

const ALARM_PRESENT = controls('cloudwatch-alarm-resource-check~');

const notifies = (alarm: SynthesizedResource): boolean => alarm.attrs.actions_enabled !== false && list(alarm.attrs.alarm_actions).length > 0;

/** `ALARM(<name, ARN or a reference>)` in a composite alarm's rule, quotes optional. */
const ALARM_FUNCTION = /ALARM\(\s*"?([^")]+?)"?\s*\)/g;

/** Is the alarm one whose ALARM state the composite alarm's rule reads (by reference, name or ARN)? */
function watches(composite: SynthesizedResource, alarm: SynthesizedResource): boolean {
  const rule = composite.attrs.alarm_rule;
  if (typeof rule !== 'string') return false;
  const name = literal(alarm.attrs.alarm_name);
  return [...rule.matchAll(ALARM_FUNCTION)].some(
    ([, argument]) => refersTo(argument, alarm) || (name !== undefined && (argument === name || argument!.endsWith(`:alarm:${name}`))),
  );
}

export const monitoringRules: readonly Rule[] = [
  {
    id: 'MON-01',
    area: 'monitoring',
    title: 'Every Aurora/RDS cluster has a CloudWatch alarm',
    fix: 'Add alarms on CPUUtilization and DatabaseConnections (the AuroraPostgres construct does, given alarmTopicArn)',
    severity: 'error',
    controls: controls('cloudwatch-alarm-resource-check'),
    resourceTypes: ['aws_rds_cluster', 'aws_cloudwatch_metric_alarm'],
    check: alarmed('aws_rds_cluster', 'AWS/RDS', ['DBClusterIdentifier'], (r) => literal(r.attrs.cluster_identifier)),
  },
  {
    id: 'MON-02',
    area: 'monitoring',
    title: 'Every DynamoDB table has a CloudWatch alarm',
    fix: 'Add throttle alarms (ReadThrottleEvents, WriteThrottleEvents) with TableName = the table',
    severity: 'error',
    controls: ALARM_PRESENT,
    resourceTypes: ['aws_dynamodb_table', 'aws_cloudwatch_metric_alarm'],
    check: alarmed('aws_dynamodb_table', 'AWS/DynamoDB', ['TableName'], (r) => literal(r.attrs.name)),
  },
  {
    id: 'MON-03',
    area: 'monitoring',
    title: 'Every ElastiCache replication group has a CloudWatch alarm',
    fix: 'Add memory and engine-CPU alarms per node (CacheClusterId = <group>-00N) or per group',
    severity: 'error',
    controls: ALARM_PRESENT,
    resourceTypes: ['aws_elasticache_replication_group', 'aws_cloudwatch_metric_alarm'],
    check: alarmed('aws_elasticache_replication_group', 'AWS/ElastiCache', ['CacheClusterId', 'ReplicationGroupId'], (r) => literal(r.attrs.replication_group_id)),
  },
  {
    id: 'MON-04',
    area: 'monitoring',
    title: 'Every SQS queue has a CloudWatch alarm (age of oldest message, or depth for a DLQ)',
    fix: 'Add an ApproximateAgeOfOldestMessage alarm (queues) or ApproximateNumberOfMessagesVisible > 0 (DLQs)',
    severity: 'error',
    controls: ALARM_PRESENT,
    resourceTypes: ['aws_sqs_queue', 'aws_cloudwatch_metric_alarm'],
    check: alarmed('aws_sqs_queue', 'AWS/SQS', ['QueueName'], (r) => literal(r.attrs.name)),
  },
  {
    id: 'MON-05',
    area: 'monitoring',
    title: 'CloudWatch alarms notify someone (alarm actions set and enabled, or through a composite alarm that notifies)',
    fix: 'Set `alarm_actions` to the alarm topic (metricAlarm() does), or make the alarm a child of a composite alarm with actions (anyAlarm()); leave actions_enabled on',
    severity: 'error',
    controls: controls('CKV_AWS_319', 'NIST.800.53.R5-CloudWatchAlarmAction', 'CT.CLOUDWATCH.PR.1'),
    resourceTypes: ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'],
    check: eachResource(['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'], (r, view) => {
      if (r.attrs.actions_enabled === false) return 'actions_enabled is false';
      if (notifies(r)) return false;
      if (r.type === 'aws_cloudwatch_composite_alarm') return 'no alarm_actions';
      return !view.ofType('aws_cloudwatch_composite_alarm').some((c) => notifies(c) && watches(c, r)) && 'no alarm_actions, and no composite alarm with actions watches it';
    }),
  },
  {
    id: 'MON-06',
    area: 'monitoring',
    title: 'ECS clusters have Container Insights',
    fix: 'Set `setting { name = "containerInsights", value = "enabled" }` (or "enhanced")',
    severity: 'error',
    controls: controls('CKV_AWS_65', 'ECS.12', 'AwsSolutions-ECS4', 'CT.ECS.PR.2'),
    resourceTypes: ['aws_ecs_cluster'],
    check: eachResource(['aws_ecs_cluster'], (r) => {
      const setting = list(r.attrs.setting).find((s) => (s as Record<string, unknown>).name === 'containerInsights') as Record<string, unknown> | undefined;
      const value = setting?.value;
      return !(value === 'enabled' || value === 'enhanced' || isReference(value)) && 'Container Insights is off';
    }),
  },
];
