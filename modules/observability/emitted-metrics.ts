/**
 * Which application metrics (services/telemetry.ts) a catalog service emits, and with which
 * dimension values: derived from the catalog (`needs`) and the telemetry lists, so a new consumer,
 * cache user or caller gets its graphs and alarms without another list to keep.
 */
import type { ServiceSpec } from '../../services/catalog';
import { OUTBOXES, ROUTE_FAMILY_SLOS, type MetricKey, type RouteFamilySlo } from '../../services/telemetry';

/** The business counters of one service's own domain, drawn in one graph. */
export interface DomainMetrics {
  readonly title: string;
  readonly metrics: readonly MetricKey[];
}

/** Domain counters by service: the only part the catalog cannot tell. */
export const DOMAIN_METRICS: Readonly<Record<string, DomainMetrics>> = {
  payment: { title: 'Payments', metrics: ['paymentsCreated', 'paymentsFailed', 'idempotentReplays'] },
  notification: { title: 'Notifications', metrics: ['notificationsSent', 'notificationsFailed'] },
};

export interface EmittedMetrics {
  /** `RouteFamily` values with their objectives (the kit's HTTP metrics). */
  readonly routeFamilies: Readonly<Record<string, RouteFamilySlo>>;
  /** `Outbox` values (`OutboxLag`). */
  readonly outboxes: readonly string[];
  /** `Queue` values: the catalog names of the queues it consumes (consumer metrics). */
  readonly queues: readonly string[];
  /** Cache hits and misses (`needs.cache`). */
  readonly cache: boolean;
  /** `Upstream` values: the catalog names of the services it calls (`needs.calls`). */
  readonly upstreams: readonly string[];
  readonly domain?: DomainMetrics;
}

export function emittedMetrics(spec: ServiceSpec): EmittedMetrics {
  const domain = DOMAIN_METRICS[spec.name];
  return {
    routeFamilies: ROUTE_FAMILY_SLOS[spec.name] ?? {},
    outboxes: OUTBOXES[spec.name] ?? [],
    queues: spec.needs.consumes ?? [],
    cache: spec.needs.cache === true,
    upstreams: spec.needs.calls ?? [],
    ...(domain ? { domain } : {}),
  };
}

/** The metric keys a service emits. */
export function emittedKeys(emitted: EmittedMetrics): MetricKey[] {
  return [
    ...(Object.keys(emitted.routeFamilies).length > 0 ? (['httpRequests', 'httpServerErrors', 'httpDuration'] as const) : []),
    ...(emitted.outboxes.length > 0 ? (['outboxLag'] as const) : []),
    ...(emitted.queues.length > 0 ? (['consumerLag', 'consumerProcessingTime'] as const) : []),
    ...(emitted.cache ? (['cacheHits', 'cacheMisses'] as const) : []),
    ...(emitted.upstreams.length > 0 ? (['upstreamCalls', 'circuitState'] as const) : []),
    ...(emitted.domain?.metrics ?? []),
  ];
}
