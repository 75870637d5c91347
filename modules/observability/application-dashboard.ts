/**
 * The graphs of a service's application metrics, for its own dashboard beside the infrastructure
 * graphs: one graph per concern, each drawn only when the service emits it (emitted-metrics.ts).
 */
import { CIRCUIT_STATE, UPSTREAM_OUTCOMES } from '../../services/telemetry';
import type { ApplicationMetrics } from './application-metrics';
import type { GraphWidget } from './dashboard';
import type { EmittedMetrics } from './emitted-metrics';

const CIRCUIT_LEGEND = Object.entries(CIRCUIT_STATE)
  .map(([state, value]) => `${value} ${state}`)
  .join(', ');

export function applicationWidgets(metrics: ApplicationMetrics, emitted: EmittedMetrics): GraphWidget[] {
  const families = Object.keys(emitted.routeFamilies);
  return [
    { title: 'Requests by route family', metrics: families.map((f) => metrics.httpRequests(f)) },
    { title: '5xx % by route family', metrics: families.map((f) => metrics.httpServerErrorPercent(f)) },
    { title: 'Response time p99 by route family (ms)', metrics: families.map((f) => metrics.httpDuration(f, 'p99')) },
    ...(emitted.domain ? [{ title: emitted.domain.title, metrics: emitted.domain.metrics.map((key) => metrics.count(key)) }] : []),
    { title: 'Outbox lag: oldest unsent event (s)', metrics: emitted.outboxes.map((o) => metrics.outboxLag(o)) },
    { title: 'Consumer lag p50 / p99 (s)', metrics: emitted.queues.flatMap((q) => [metrics.consumerLag(q, 'p50'), metrics.consumerLag(q, 'p99')]) },
    {
      title: 'Message processing time p50 / p99 (ms)',
      metrics: emitted.queues.flatMap((q) => [metrics.consumerProcessingTime(q, 'p50'), metrics.consumerProcessingTime(q, 'p99')]),
    },
    { title: 'Cache hit ratio (%)', metrics: emitted.cache ? [metrics.cacheHitPercent()] : [] },
    ...emitted.upstreams.map((u) => ({ title: `Calls to ${u} by outcome`, metrics: UPSTREAM_OUTCOMES.map((o) => metrics.upstreamCalls(u, o)) })),
    { title: `Circuit state (${CIRCUIT_LEGEND})`, metrics: emitted.upstreams.map((u) => metrics.circuitState(u)) },
  ].filter((w) => w.metrics.length > 0);
}
