import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DEFAULT_PERIOD_SECONDS, isExpression, isPercentile, type MathExpression, type Metric, type MetricOrExpression } from './metric';

export type AlarmComparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export interface MetricAlarmOptions {
  readonly alarmName: string;
  readonly description: string;
  /** A metric, or metric math (e.g. an error ratio) whose result is compared. */
  readonly metric: MetricOrExpression;
  readonly threshold: number;
  /** Default `GreaterThanThreshold`. */
  readonly comparison?: AlarmComparison;
  /** Default 5 periods, all of which must breach (`datapointsToAlarm` defaults to the same). */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** Default `notBreaching`: an idle resource (no datapoints) is healthy. */
  readonly treatMissingData?: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

/**
 * Who hears of the alarm: the alarm topic directly, or only the composite alarm that watches it
 * (composite-alarm.ts), so one incident sends one notification. The policy pack (MON-05) checks
 * that a quiet alarm really is watched by a composite alarm that notifies.
 */
export type AlarmNotification =
  | { readonly alarmTopicArn: string; readonly notifiedBy?: never }
  | { readonly alarmTopicArn?: never; readonly notifiedBy: 'composite' };

export type MetricAlarmProps = MetricAlarmOptions & AlarmNotification;

/** The id of the metric math result among an alarm's queries. */
const RESULT_ID = 'result';

/** What the alarm watches: one metric's fields, or the `metric_query` list of metric math. */
function watched(m: MetricOrExpression): Partial<CloudwatchMetricAlarmConfig> {
  return isExpression(m) ? { metricQuery: metricQueries(m) } : singleMetric(m);
}

const singleMetric = (m: Metric): Partial<CloudwatchMetricAlarmConfig> => ({
  namespace: m.namespace,
  metricName: m.metricName,
  dimensions: { ...m.dimensions },
  ...(isPercentile(m.statistic) ? { extendedStatistic: m.statistic } : { statistic: m.statistic }),
  period: m.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
});

function metricQueries(e: MathExpression): NonNullable<CloudwatchMetricAlarmConfig['metricQuery']> {
  if (RESULT_ID in e.usingMetrics) throw new Error(`metric math "${e.label}": the id "${RESULT_ID}" is reserved`);
  const period = e.periodSeconds ?? DEFAULT_PERIOD_SECONDS;
  return [
    { id: RESULT_ID, expression: e.expression, label: e.label, returnData: true },
    ...Object.entries(e.usingMetrics).map(([id, m]) => ({
      id,
      returnData: false,
      metric: { namespace: m.namespace, metricName: m.metricName, dimensions: { ...m.dimensions }, stat: m.statistic, period: m.periodSeconds ?? period },
    })),
  ];
}

/** One CloudWatch alarm with the platform's defaults: alarm and OK notifications to the alarm topic (or through a composite alarm). */
export function metricAlarm(scope: Construct, id: string, props: MetricAlarmProps): CloudwatchMetricAlarm {
  const evaluationPeriods = props.evaluationPeriods ?? 5;
  const actions = props.alarmTopicArn ? [props.alarmTopicArn] : [];
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    ...watched(props.metric),
    evaluationPeriods,
    datapointsToAlarm: props.datapointsToAlarm ?? evaluationPeriods,
    threshold: props.threshold,
    comparisonOperator: props.comparison ?? 'GreaterThanThreshold',
    treatMissingData: props.treatMissingData ?? 'notBreaching',
    alarmActions: actions,
    okActions: actions,
  });
}
