/**
 * The application metrics of services/telemetry.ts, and only those: names, kinds, units and
 * dimensions come from its `METRICS`, so what a service emits is what the dashboards and alarms
 * read. The `Service` dimension is added here (the catalog name of the running service).
 *
 * Before `startTelemetry` (tests in process, OTEL_SDK_DISABLED=true) every call is a no-op.
 */
import { context, type Attributes, type Histogram, type Meter, type ObservableGauge } from '@opentelemetry/api';
import { Dimension, METRICS, type MetricKey, type MetricKind } from '../../telemetry';
import { untraced } from './trace-context';

type Catalog = typeof METRICS;
type KeyOfKind<K extends MetricKind> = { [M in MetricKey]: Catalog[M]['kind'] extends K ? M : never }[MetricKey];
export type CounterKey = KeyOfKind<'counter'>;
export type HistogramKey = KeyOfKind<'histogram'>;
export type GaugeKey = KeyOfKind<'gauge'>;

/** The dimensions a metric's data points carry besides `Service`, each a string value. */
export type DimensionsOf<M extends MetricKey> = { readonly [D in Exclude<Catalog[M]['dimensions'][number], typeof Dimension.service>]: string };

export interface AppMetrics {
  /** False before telemetry starts: callers may skip work that only feeds metrics. */
  readonly enabled: boolean;
  add<M extends CounterKey>(metric: M, dimensions: DimensionsOf<M>, value?: number): void;
  record<M extends HistogramKey>(metric: M, value: number, dimensions: DimensionsOf<M>): void;
  /**
   * Reports `read()` at every collection (untraced: a gauge's query is not part of any request).
   * A failing or `undefined` read reports nothing for that interval. Returns the unregistration.
   */
  observe<M extends GaugeKey>(metric: M, dimensions: DimensionsOf<M>, read: () => Promise<number | undefined>): () => void;
}

const NOOP: AppMetrics = { enabled: false, add: () => undefined, record: () => undefined, observe: () => () => undefined };

/**
 * One data point's series: its attributes (built once) and, for a counter, its running total.
 * Keyed by the dimension values in catalog order, so building the key costs a join, not the SDK's
 * sort-and-stringify of the attributes.
 */
interface Series {
  readonly attributes: Attributes;
  total: number;
}

const meterMetrics = (meter: Meter, service: string): AppMetrics => {
  const counters = new Map<MetricKey, Map<string, Series>>();
  const histograms = new Map<MetricKey, { readonly histogram: Histogram; readonly series: Map<string, Series> }>();
  const gauges = new Map<MetricKey, ObservableGauge>();
  // The catalog's CloudWatch unit is the instrument's unit: the EMF exporter writes it as given.
  const options = (metric: MetricKey) => ({ unit: METRICS[metric].unit, description: METRICS[metric].description });
  const attributes = (dimensions: object): Attributes => ({ [Dimension.service]: service, ...dimensions });
  const seriesOf = (metric: MetricKey, all: Map<string, Series>, dimensions: object): Series => {
    const values = dimensions as Record<string, string>;
    let key = '';
    for (const dimension of METRICS[metric].dimensions) if (dimension !== Dimension.service) key += `${values[dimension]}\u0000`;
    let series = all.get(key);
    if (!series) all.set(key, (series = { attributes: attributes(dimensions), total: 0 }));
    return series;
  };

  return {
    enabled: true,
    add(metric, dimensions, value = 1) {
      let series = counters.get(metric);
      if (!series) {
        // Counted in plain numbers and reported at collection: a request adds to a number instead
        // of going through the SDK's per-`add` attribute hashing and accumulation lookup, which
        // cost a few µs per data point on the cached read (docs/decisions/0020). An observable
        // counter reports totals; the reader's delta temporality turns them into each interval's count.
        const all = (series = new Map<string, Series>());
        counters.set(metric, all);
        meter.createObservableCounter(METRICS[metric].name, options(metric)).addCallback((result) => {
          for (const { total, attributes: point } of all.values()) result.observe(total, point);
        });
      }
      seriesOf(metric, series, dimensions).total += value;
    },
    record(metric, value, dimensions) {
      let instrument = histograms.get(metric);
      // Aggregated as base-2 exponential histograms (the meter provider's view in sdk.ts).
      if (!instrument) histograms.set(metric, (instrument = { histogram: meter.createHistogram(METRICS[metric].name, options(metric)), series: new Map() }));
      instrument.histogram.record(value, seriesOf(metric, instrument.series, dimensions).attributes);
    },
    observe(metric, dimensions, read) {
      let gauge = gauges.get(metric);
      if (!gauge) gauges.set(metric, (gauge = meter.createObservableGauge(METRICS[metric].name, options(metric))));
      const point = attributes(dimensions);
      const callback = async (result: { observe(value: number, attributes: Attributes): void }): Promise<void> => {
        const value = await context.with(untraced(), read).catch(() => undefined);
        if (value !== undefined) result.observe(value, point);
      };
      gauge.addCallback(callback);
      return () => gauge.removeCallback(callback);
    },
  };
};

let current: AppMetrics = NOOP;

/** Called by `startTelemetry`. */
export const bindAppMetrics = (meter: Meter, service: string): void => {
  current = meterMetrics(meter, service);
};

/** The process's metrics (read it when recording: telemetry may start after a module loaded). */
export const appMetrics = (): AppMetrics => current;
