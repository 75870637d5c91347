/**
 * The one client for service-to-service calls (docs/decisions/0014, "Degradation"). Per upstream:
 * a bulkhead (concurrency limit with a short queue), a circuit breaker, retries of idempotent calls
 * only (exponential backoff, full jitter), a timeout per attempt and an overall deadline, all from
 * cockatiel. Calls go through the global `fetch` (undici), so the OpenTelemetry undici
 * instrumentation propagates the trace context; the request id travels as `X-Request-Id`.
 *
 * A call never throws for an unavailable upstream: it resolves to an answer (any status below 500)
 * or to `unavailable` with the outcome and a `Retry-After` hint, and the call site applies what it
 * declared (degrade, defer or fail). Every call logs one line and counts one `UpstreamCalls` outcome.
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { CIRCUIT_STATE, Dimension, type UpstreamOutcome } from '../../telemetry';
import type { Logger } from '../logger';
import { appMetrics } from '../telemetry/metrics';
import { REQUEST_ID_HEADER } from '../request-id';
import type { ServiceTokens } from '../tokens/service-token';
import { resolveLocally, type LocalAddresses } from './local-addresses';

export interface CallSettings {
  /** One attempt (connect, answer, body) is abandoned after this. */
  readonly attemptTimeoutMs: number;
  /** The whole call, queueing, retries and backoff included, ends by then: nothing waits longer. */
  readonly deadlineMs: number;
  /** Attempts of an idempotent call (non-idempotent calls get one). */
  readonly maxAttempts: number;
  /** Backoff before retry n: uniform in [0, min(maxMs, initialMs · 2^(n-1))) (full jitter). */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Opens after this many failed attempts in a row; one trial call after `halfOpenAfterMs`. */
  readonly breaker: { readonly consecutiveFailures: number; readonly halfOpenAfterMs: number };
  /** Calls in flight to the upstream, and calls allowed to wait for a slot (the rest: `bulkhead_full`). */
  readonly bulkhead: { readonly concurrency: number; readonly queue: number };
}

/**
 * Defaults for an in-VPC call answered from a cache or one primary-key read (the callee's
 * `internal` SLO is p99 100 ms): three attempts fit the deadline, which stays well inside the
 * caller's own request budget.
 */
export const DEFAULT_CALL_SETTINGS: CallSettings = {
  attemptTimeoutMs: 500,
  deadlineMs: 1500,
  maxAttempts: 3,
  backoff: { initialMs: 50, maxMs: 400 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 5000 },
  bulkhead: { concurrency: 32, queue: 64 },
};

export type CallResult =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'unavailable'; readonly outcome: Exclude<UpstreamOutcome, 'success' | 'client_error'>; readonly retryAfterSeconds: number };

export interface CallOptions {
  /** The request id of the work this call is part of. */
  readonly requestId?: string;
  /** GET is idempotent; a POST must say so to be retried. */
  readonly idempotent?: boolean;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
}

export type Circuit = 'closed' | 'open' | 'half-open';

export interface ServiceClient {
  readonly upstream: string;
  call(path: string, options?: CallOptions): Promise<CallResult>;
  circuit(): Circuit;
}

export interface ServiceClientOptions {
  /** The callee's catalog name (metric `Upstream`, token audience). */
  readonly upstream: string;
  /** `http://<upstream>:<port>` (Service Connect in AWS). */
  readonly baseUrl: string;
  readonly tokens: ServiceTokens;
  readonly logger: Logger;
  readonly settings?: Partial<CallSettings>;
  /** Local runs only (see local-addresses.ts). */
  readonly localAddresses?: LocalAddresses;
}

/** A failed attempt that counts against the breaker and may be retried. */
class AttemptFailed extends Error {
  constructor(readonly outcome: 'server_error' | 'unreachable', message: string) {
    super(message);
    this.name = 'AttemptFailed';
  }
}

const outcomeOf = (err: unknown): Exclude<UpstreamOutcome, 'success' | 'client_error'> => {
  if (err instanceof AttemptFailed) return err.outcome;
  if (err instanceof TaskCancelledError) return 'timeout';
  if (err instanceof BrokenCircuitError) return 'breaker_open';
  if (err instanceof BulkheadRejectedError) return 'bulkhead_full';
  return 'unreachable';
};

const CIRCUIT: Record<CircuitState, Circuit> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

export const createServiceClient = (options: ServiceClientOptions): ServiceClient => {
  const { upstream, tokens, logger, localAddresses } = options;
  const settings: CallSettings = { ...DEFAULT_CALL_SETTINGS, ...options.settings };
  const base = new URL(options.baseUrl);

  const failures = handleWhen((err) => err instanceof AttemptFailed || err instanceof TaskCancelledError);
  const breaker = circuitBreaker(failures, {
    halfOpenAfter: settings.breaker.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(settings.breaker.consecutiveFailures),
  });
  const attempt = timeout(settings.attemptTimeoutMs, TimeoutStrategy.Aggressive);
  const backoff = new ExponentialBackoff({
    generator: fullJitterGenerator,
    initialDelay: settings.backoff.initialMs,
    maxDelay: settings.backoff.maxMs,
  });
  // Shared by both paths: the breaker and the bulkhead are per upstream, not per kind of call.
  const limit = bulkhead(settings.bulkhead.concurrency, settings.bulkhead.queue);
  const deadline = timeout(settings.deadlineMs, TimeoutStrategy.Aggressive);
  const retrying = retry(failures, { maxAttempts: settings.maxAttempts - 1, backoff });
  const idempotentPolicy: IPolicy = wrap(deadline, limit, retrying, breaker, attempt);
  const oncePolicy: IPolicy = wrap(deadline, limit, breaker, attempt);

  const circuit = (): Circuit => CIRCUIT[breaker.state];
  const CIRCUIT_VALUE = { closed: CIRCUIT_STATE.closed, 'half-open': CIRCUIT_STATE.halfOpen, open: CIRCUIT_STATE.open } as const;
  appMetrics().observe('circuitState', { [Dimension.upstream]: upstream }, async () => CIRCUIT_VALUE[circuit()]);
  breaker.onStateChange((state) => logger.warn({ upstream, circuit: CIRCUIT[state] }, 'upstream circuit changed'));

  // UpstreamCalls dimensions per outcome, built once per client rather than on every call.
  const outcomeDimensions = new Map<UpstreamOutcome, { readonly [Dimension.upstream]: string; readonly [Dimension.outcome]: string }>();
  const dimensionsOf = (outcome: UpstreamOutcome) => {
    let dimensions = outcomeDimensions.get(outcome);
    if (!dimensions) outcomeDimensions.set(outcome, (dimensions = { [Dimension.upstream]: upstream, [Dimension.outcome]: outcome }));
    return dimensions;
  };

  const send = async (path: string, opts: CallOptions, signal: AbortSignal): Promise<{ status: number; body: unknown }> => {
    const url = resolveLocally(new URL(path, base), localAddresses);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${await tokens.tokenFor(upstream)}`,
      ...(opts.requestId ? { [REQUEST_ID_HEADER]: opts.requestId } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new AttemptFailed('unreachable', err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err));
    }
    const text = await response.text();
    if (response.status >= 500) throw new AttemptFailed('server_error', `status ${response.status}`);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the call site's schema check turns it away.
    }
    return { status: response.status, body };
  };

  return {
    upstream,
    circuit,
    async call(path, opts = {}) {
      const started = performance.now();
      const idempotent = opts.idempotent ?? (opts.method ?? 'GET') === 'GET';
      const policy = idempotent ? idempotentPolicy : oncePolicy;
      let result: CallResult;
      let outcome: UpstreamOutcome;
      let reason: string | undefined;
      try {
        const answer = await policy.execute(({ signal }) => send(path, opts, signal));
        result = { kind: 'answer', ...answer };
        outcome = answer.status >= 400 ? 'client_error' : 'success';
      } catch (err) {
        const failed = outcomeOf(err);
        outcome = failed;
        reason = err instanceof Error ? err.message : String(err);
        // An open breaker lets a trial call through after halfOpenAfter: that is when to come back.
        const retryAfterSeconds = circuit() === 'closed' ? 1 : Math.ceil(settings.breaker.halfOpenAfterMs / 1000);
        result = { kind: 'unavailable', outcome: failed, retryAfterSeconds };
      }
      appMetrics().add('upstreamCalls', dimensionsOf(outcome));
      // A successful call's line is at debug: not built at all unless debug is on (one call per message or payment).
      const level = result.kind === 'answer' ? 'debug' : 'warn';
      if (logger.isLevelEnabled(level)) {
        const durationMs = Math.round(performance.now() - started);
        const line = { upstream, path, outcome, durationMs, circuit: circuit(), requestId: opts.requestId, ...(reason ? { reason } : {}) };
        logger[level](line, result.kind === 'answer' ? 'upstream call' : 'upstream call failed');
      }
      return result;
    },
  };
};
