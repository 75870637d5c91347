/**
 * `metricX()` helpers for one service's application metrics (services/telemetry.ts), as CloudWatch
 * sees them: namespace `<project>/<env>`, names from `METRICS`, and exactly the dimensions each
 * metric carries. The collector writes EMF without dimension rollup (docs/decisions/0015), so a
 * query with a dimension missing or extra finds nothing: `metric()` refuses one.
 */
import { Dimension, METRICS, type DimensionName, type MetricKey } from '../../services/telemetry';
import { mathExpression, metric, metricId, type MathExpression, type Metric, type Statistic } from './metric';

/** A period when one is asked for; otherwise the metric keeps the default. */
const period = (periodSeconds: number | undefined): Pick<Metric, 'periodSeconds'> => (periodSeconds ? { periodSeconds } : {});

/** Values of the dimensions besides `Service`, which is always this service. */
export type OtherDimensions = Partial<Record<Exclude<DimensionName, typeof Dimension.service>, string>>;

export class ApplicationMetrics {
  constructor(
    readonly namespace: string,
    /** The catalog name, which is the service's `OTEL_SERVICE_NAME` and its `Service` dimension. */
    readonly service: string,
  ) {}

  /** Any metric of the list, with its dimensions in the list's order. */
  metric(key: MetricKey, dimensions: OtherDimensions, statistic: Statistic, extra: Pick<Metric, 'periodSeconds' | 'label'> = {}): Metric {
    const { name, dimensions: expected } = METRICS[key];
    const values: Partial<Record<DimensionName, string>> = { ...dimensions, [Dimension.service]: this.service };
    const given = Object.keys(values).sort();
    if (given.join() !== [...expected].sort().join()) {
      throw new Error(`${name} carries the dimensions ${expected.join(', ')}; asked with ${given.join(', ')}`);
    }
    return metric(this.namespace, name, Object.fromEntries(expected.map((d) => [d, values[d]!])), statistic, extra);
  }

  /** A per-service counter (payments, notifications, cache), summed. */
  count(key: MetricKey, periodSeconds?: number): Metric {
    return this.metric(key, {}, 'Sum', { label: METRICS[key].name, ...period(periodSeconds) });
  }

  httpRequests(routeFamily: string, periodSeconds?: number): Metric {
    return this.metric('httpRequests', { RouteFamily: routeFamily }, 'Sum', { label: `${routeFamily} requests`, ...period(periodSeconds) });
  }

  httpServerErrors(routeFamily: string, periodSeconds?: number): Metric {
    return this.metric('httpServerErrors', { RouteFamily: routeFamily }, 'Sum', { label: `${routeFamily} 5xx`, ...period(periodSeconds) });
  }

  httpDuration(routeFamily: string, statistic: Statistic = 'p99', periodSeconds?: number): Metric {
    return this.metric('httpDuration', { RouteFamily: routeFamily }, statistic, { label: `${routeFamily} ${statistic}`, ...period(periodSeconds) });
  }

  /** Percentage of a route family's requests answered 5xx (no 5xx datapoint counts as none). */
  httpServerErrorPercent(routeFamily: string, periodSeconds?: number): MathExpression {
    const id = metricId(routeFamily);
    return mathExpression(
      `100 * FILL(errors_${id}, 0) / requests_${id}`,
      { [`errors_${id}`]: this.httpServerErrors(routeFamily, periodSeconds), [`requests_${id}`]: this.httpRequests(routeFamily, periodSeconds) },
      `${routeFamily} 5xx %`,
      periodSeconds,
    );
  }

  outboxLag(outbox: string, periodSeconds?: number): Metric {
    return this.metric('outboxLag', { Outbox: outbox }, 'Maximum', { label: `${outbox} lag`, ...period(periodSeconds) });
  }

  consumerLag(queue: string, statistic: Statistic = 'p99', periodSeconds?: number): Metric {
    return this.metric('consumerLag', { Queue: queue }, statistic, { label: `${queue} lag ${statistic}`, ...period(periodSeconds) });
  }

  consumerProcessingTime(queue: string, statistic: Statistic = 'p99'): Metric {
    return this.metric('consumerProcessingTime', { Queue: queue }, statistic, { label: `${queue} ${statistic}` });
  }

  /** hits / (hits + misses), in percent. */
  cacheHitPercent(): MathExpression {
    return mathExpression('100 * hits / (hits + misses)', { hits: this.count('cacheHits'), misses: this.count('cacheMisses') }, 'cache hit %');
  }

  upstreamCalls(upstream: string, outcome: string): Metric {
    return this.metric('upstreamCalls', { Upstream: upstream, Outcome: outcome }, 'Sum', { label: `${upstream} ${outcome}` });
  }

  /** 0 closed, 1 half-open, 2 open (`CIRCUIT_STATE`); the worst task's state. */
  circuitState(upstream: string): Metric {
    return this.metric('circuitState', { Upstream: upstream }, 'Maximum', { label: `${upstream} circuit` });
  }
}
