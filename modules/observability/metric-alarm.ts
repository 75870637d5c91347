import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DEFAULT_PERIOD_SECONDS, isPercentile, type Metric } from './metric';

export type AlarmComparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export interface MetricAlarmProps {
  readonly alarmName: string;
  readonly description: string;
  readonly metric: Metric;
  readonly threshold: number;
  readonly alarmTopicArn: string;
  /** Default `GreaterThanThreshold`. */
  readonly comparison?: AlarmComparison;
  /** Default 5 periods, all of which must breach (`datapointsToAlarm` defaults to the same). */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** Default `notBreaching`: an idle resource (no datapoints) is healthy. */
  readonly treatMissingData?: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

/** One CloudWatch alarm with the platform's defaults: alarm and OK notifications to the alarm topic. */
export function metricAlarm(scope: Construct, id: string, props: MetricAlarmProps): CloudwatchMetricAlarm {
  const evaluationPeriods = props.evaluationPeriods ?? 5;
  const { metric } = props;
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { ...metric.dimensions },
    ...(isPercentile(metric.statistic) ? { extendedStatistic: metric.statistic } : { statistic: metric.statistic }),
    period: metric.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
    evaluationPeriods,
    datapointsToAlarm: props.datapointsToAlarm ?? evaluationPeriods,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? 'GreaterThanThreshold',
    treatMissingData: props.treatMissingData ?? 'notBreaching',
    alarmActions: [props.alarmTopicArn],
    okActions: [props.alarmTopicArn],
  });
}
