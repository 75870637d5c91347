/**
 * The one list of application metrics: what the services emit (through the kit's OpenTelemetry
 * meter, exported as OTLP to the collector sidecar, which writes CloudWatch EMF into the service's
 * log group: docs/decisions/0015) and what the infrastructure draws and alarms on. Both sides read
 * names, units and dimensions from here, so a renamed metric cannot leave an alarm watching nothing.
 *
 * The collector maps each data point's attributes to CloudWatch dimensions one to one
 * (`NoDimensionRollup`), so the attribute names below are the dimension names.
 */

/** Dimension (and OpenTelemetry attribute) names. */
export const Dimension = {
  service: 'Service',
  routeFamily: 'RouteFamily',
  outbox: 'Outbox',
  queue: 'Queue',
  upstream: 'Upstream',
  outcome: 'Outcome',
} as const;
export type DimensionName = (typeof Dimension)[keyof typeof Dimension];

export type MetricKind = 'counter' | 'histogram' | 'gauge';
/** CloudWatch units the EMF exporter writes. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'None';

export interface ApplicationMetric {
  /** The OpenTelemetry instrument name, which is also the CloudWatch metric name. */
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit: MetricUnit;
  readonly description: string;
  /** Attributes every data point carries (and nothing else: each one is a dimension). */
  readonly dimensions: readonly DimensionName[];
}

const define = <T extends Record<string, ApplicationMetric>>(metrics: T): T => metrics;

export const METRICS = define({
  httpRequests: {
    name: 'HttpRequests',
    kind: 'counter',
    unit: 'Count',
    description: 'Requests answered, per route family.',
    dimensions: [Dimension.service, Dimension.routeFamily],
  },
  httpServerErrors: {
    name: 'HttpServerErrors',
    kind: 'counter',
    unit: 'Count',
    description: 'Requests answered with a 5xx status, per route family (availability SLO).',
    dimensions: [Dimension.service, Dimension.routeFamily],
  },
  httpDuration: {
    name: 'HttpDuration',
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'Time from request to the end of the response, per route family (latency SLO on p99).',
    dimensions: [Dimension.service, Dimension.routeFamily],
  },
  paymentsCreated: {
    name: 'PaymentsCreated',
    kind: 'counter',
    unit: 'Count',
    description: 'Payments recorded (first attempt of an idempotency key).',
    dimensions: [Dimension.service],
  },
  paymentsFailed: {
    name: 'PaymentsFailed',
    kind: 'counter',
    unit: 'Count',
    description: 'Payment attempts that did not record a payment (rejected, conflict, or an engine failure).',
    dimensions: [Dimension.service],
  },
  idempotentReplays: {
    name: 'IdempotentReplays',
    kind: 'counter',
    unit: 'Count',
    description: 'Requests answered from a stored response of the same idempotency key.',
    dimensions: [Dimension.service],
  },
  outboxLag: {
    name: 'OutboxLag',
    kind: 'gauge',
    unit: 'Seconds',
    description: 'Age of the oldest unsent event in an outbox (0 when empty).',
    dimensions: [Dimension.service, Dimension.outbox],
  },
  consumerLag: {
    name: 'ConsumerLag',
    kind: 'histogram',
    unit: 'Seconds',
    description: 'Time from sending a message to its receipt by the consumer.',
    dimensions: [Dimension.service, Dimension.queue],
  },
  consumerProcessingTime: {
    name: 'ConsumerProcessingTime',
    kind: 'histogram',
    unit: 'Milliseconds',
    description: 'Time to process one message, receipt to delete.',
    dimensions: [Dimension.service, Dimension.queue],
  },
  notificationsSent: {
    name: 'NotificationsSent',
    kind: 'counter',
    unit: 'Count',
    description: 'Notifications recorded and delivered.',
    dimensions: [Dimension.service],
  },
  notificationsFailed: {
    name: 'NotificationsFailed',
    kind: 'counter',
    unit: 'Count',
    description: 'Notification attempts that failed (the message is retried, then dead-lettered).',
    dimensions: [Dimension.service],
  },
  cacheHits: {
    name: 'CacheHits',
    kind: 'counter',
    unit: 'Count',
    description: 'Cache lookups answered from the cache.',
    dimensions: [Dimension.service],
  },
  cacheMisses: {
    name: 'CacheMisses',
    kind: 'counter',
    unit: 'Count',
    description: 'Cache lookups that went to the database (hit ratio = hits / (hits + misses)).',
    dimensions: [Dimension.service],
  },
  upstreamCalls: {
    name: 'UpstreamCalls',
    kind: 'counter',
    unit: 'Count',
    description: 'Service-to-service calls by outcome (see UPSTREAM_OUTCOMES).',
    dimensions: [Dimension.service, Dimension.upstream, Dimension.outcome],
  },
  circuitState: {
    name: 'CircuitState',
    kind: 'gauge',
    unit: 'None',
    description: 'Circuit breaker of an upstream: 0 closed, 1 half-open, 2 open.',
    dimensions: [Dimension.service, Dimension.upstream],
  },
});
export type MetricKey = keyof typeof METRICS;

/** Values of the `Outcome` dimension of `UpstreamCalls`. */
export const UPSTREAM_OUTCOMES = ['success', 'client_error', 'server_error', 'timeout', 'unreachable', 'breaker_open', 'bulkhead_full'] as const;
export type UpstreamOutcome = (typeof UPSTREAM_OUTCOMES)[number];

/** `CircuitState` values. */
export const CIRCUIT_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

/** The names of the outboxes (`Outbox` dimension) each service keeps. */
export const OUTBOXES: Readonly<Record<string, readonly string[]>> = {
  user: ['user-outbox'],
  payment: ['payment-outbox'],
};

/**
 * A request's route family: the first segment of its matched route pattern (`/users/{id}` →
 * `users`, `/auth/login` → `auth`); `other` for unmatched paths. Low cardinality by construction.
 */
export const routeFamilyOf = (routePattern: string | undefined): string => {
  const first = routePattern?.split('/').find((segment) => segment.length > 0);
  return first && /^[a-z][a-z0-9-]*$/.test(first) ? first : 'other';
};

/** Service-level objectives of one route family, the thresholds of its SLO alarms. */
export interface RouteFamilySlo {
  /** Share of requests answered without a 5xx, in percent. */
  readonly availabilityPercent: number;
  /** p99 of `HttpDuration` over five minutes. */
  readonly p99Ms: number;
}

/** The route families each service serves (public and internal), with their objectives. */
export const ROUTE_FAMILY_SLOS: Readonly<Record<string, Readonly<Record<string, RouteFamilySlo>>>> = {
  user: {
    users: { availabilityPercent: 99.9, p99Ms: 300 },
    // Login verifies a scrypt hash on purpose: slower by design.
    auth: { availabilityPercent: 99.9, p99Ms: 800 },
    internal: { availabilityPercent: 99.95, p99Ms: 100 },
  },
  payment: { payments: { availabilityPercent: 99.95, p99Ms: 500 } },
  notification: { notifications: { availabilityPercent: 99.9, p99Ms: 300 } },
};

/** Thresholds of the pipeline alarms: events waiting too long to leave an outbox or a queue. */
export const EVENT_SLOS = {
  outboxLagSeconds: 60,
  consumerLagSeconds: 120,
} as const;
