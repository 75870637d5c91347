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

/**
 * CloudWatch metric math over named metrics (e.g. a ratio): `expression` refers to the keys of
 * `usingMetrics` (ids: a lower-case letter, then letters, digits, `_`). Alarms and dashboards
 * accept it wherever they accept a `Metric`.
 */
export interface MathExpression {
  readonly expression: string;
  readonly usingMetrics: Readonly<Record<string, Metric>>;
  readonly label: string;
  /** Seconds per datapoint of the result; default 60. */
  readonly periodSeconds?: number;
}

/** What a graph draws or an alarm watches. */
export type MetricOrExpression = Metric | MathExpression;

const METRIC_ID = /^[a-z][A-Za-z0-9_]*$/;

export function mathExpression(
  expression: string,
  usingMetrics: Readonly<Record<string, Metric>>,
  label: string,
  periodSeconds?: number,
): MathExpression {
  for (const id of Object.keys(usingMetrics)) {
    if (!METRIC_ID.test(id)) throw new Error(`metric math "${label}": id "${id}" must match ${METRIC_ID}`);
    if (!new RegExp(`\\b${id}\\b`).test(expression)) throw new Error(`metric math "${label}": "${expression}" does not use "${id}"`);
  }
  return { expression, usingMetrics, label, ...(periodSeconds ? { periodSeconds } : {}) };
}

export const isExpression = (m: MetricOrExpression): m is MathExpression => 'expression' in m;

/** A metric id from free text (a route family, a queue name): `users-v2` → `users_v2`. */
export const metricId = (...parts: string[]): string => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');

type RowOptions = { stat?: string; label?: string; period?: number; id?: string; visible?: boolean; expression?: string };

const metricRow = (m: Metric, extra: RowOptions = {}): (string | RowOptions)[] => [
  m.namespace,
  m.metricName,
  ...Object.entries(m.dimensions).flat(),
  { stat: m.statistic, ...(m.label ? { label: m.label } : {}), ...(m.periodSeconds ? { period: m.periodSeconds } : {}), ...extra },
];

/**
 * A dashboard widget's metric rows: `[namespace, name, dim, value, …, { stat, label }]` for a
 * metric; for metric math, the expression row then its metrics as hidden rows with their ids.
 */
export const dashboardRows = (m: MetricOrExpression): (string | RowOptions)[][] =>
  isExpression(m)
    ? [
        [{ expression: m.expression, label: m.label, ...(m.periodSeconds ? { period: m.periodSeconds } : {}) }],
        ...Object.entries(m.usingMetrics).map(([id, used]) => metricRow(used, { id, visible: false })),
      ]
    : [metricRow(m)];

/** `metric_stat.metric` of a target-tracking customized metric specification. */
export const scalingMetricStat = (m: Metric) => ({
  stat: m.statistic,
  metric: {
    namespace: m.namespace,
    metricName: m.metricName,
    dimensions: Object.entries(m.dimensions).map(([name, value]) => ({ name, value })),
  },
});
