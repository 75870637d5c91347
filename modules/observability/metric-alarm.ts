import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

export type AlarmComparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export interface MetricAlarmProps {
  readonly alarmName: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly threshold: number;
  readonly alarmTopicArn: string;
  /** Default `GreaterThanThreshold`. */
  readonly comparison?: AlarmComparison;
  /** `Average` | `Sum` | `Maximum` | `Minimum` | `SampleCount`; default `Average`. Ignored with `percentile`. */
  readonly statistic?: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';
  /** e.g. `p99`; replaces `statistic`. */
  readonly percentile?: string;
  /** Seconds per datapoint; default 60. */
  readonly periodSeconds?: number;
  /** Default 5 periods, all of which must breach (`datapointsToAlarm` defaults to the same). */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** Default `notBreaching`: an idle resource (no datapoints) is healthy. */
  readonly treatMissingData?: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

/** One CloudWatch alarm with the platform's defaults: alarm and OK notifications to the alarm topic. */
export function metricAlarm(scope: Construct, id: string, props: MetricAlarmProps): CloudwatchMetricAlarm {
  const evaluationPeriods = props.evaluationPeriods ?? 5;
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: props.namespace,
    metricName: props.metricName,
    dimensions: { ...props.dimensions },
    ...(props.percentile ? { extendedStatistic: props.percentile } : { statistic: props.statistic ?? 'Average' }),
    period: props.periodSeconds ?? 60,
    evaluationPeriods,
    datapointsToAlarm: props.datapointsToAlarm ?? evaluationPeriods,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? 'GreaterThanThreshold',
    treatMissingData: props.treatMissingData ?? 'notBreaching',
    alarmActions: [props.alarmTopicArn],
    okActions: [props.alarmTopicArn],
  });
}
