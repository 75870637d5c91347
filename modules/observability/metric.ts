/**
 * One description of a CloudWatch metric, used alike by alarms (metric-alarm.ts), dashboards
 * (dashboard.ts) and target-tracking scaling (custom metric specifications). Constructs expose
 * `metricX()` helpers returning it, as AWS CDK constructs do.
 */

/** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile such as `p99`. */
export type Statistic = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`;

export interface Metric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
  /** Seconds per datapoint; default 60. */
  readonly periodSeconds?: number;
  /** Legend label on dashboards. */
  readonly label?: string;
}

export const DEFAULT_PERIOD_SECONDS = 60;

export const metric = (
  namespace: string,
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  statistic: Statistic = 'Average',
  extra: Pick<Metric, 'periodSeconds' | 'label'> = {},
): Metric => ({ namespace, metricName, dimensions, statistic, ...extra });

/** The same metric with another statistic or label (e.g. p99 of a latency metric). */
export const withStatistic = (m: Metric, statistic: Statistic, label?: string): Metric => ({
  ...m,
  statistic,
  ...(label ? { label } : {}),
});

export const isPercentile = (statistic: Statistic): boolean => /^p\d+(\.\d+)?$/.test(statistic);

/** A dashboard widget's metric row: `[namespace, name, dim, value, …, { stat, label }]`. */
export const dashboardRow = (m: Metric): (string | { stat: string; label?: string; period?: number })[] => [
  m.namespace,
  m.metricName,
  ...Object.entries(m.dimensions).flat(),
  { stat: m.statistic, ...(m.label ? { label: m.label } : {}), ...(m.periodSeconds ? { period: m.periodSeconds } : {}) },
];

/** `metric_stat.metric` of a target-tracking customized metric specification. */
export const scalingMetricStat = (m: Metric) => ({
  stat: m.statistic,
  metric: {
    namespace: m.namespace,
    metricName: m.metricName,
    dimensions: Object.entries(m.dimensions).map(([name, value]) => ({ name, value })),
  },
});
