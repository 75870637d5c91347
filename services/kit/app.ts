/**
 * The app factory every service starts from: request id, request-scoped logger and access log,
 * `traceresponse` and the request metrics (when telemetry is on), secure headers, health endpoints, JSON 404 and 414, the shared error handler, `/openapi.json`,
 * and `Connection: close` for answers sent before the request body arrived in full.
 */
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import { context, type Span } from '@opentelemetry/api';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { timeout } from 'hono/timeout';
import { HTTPException } from 'hono/http-exception';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from './auth';
import { closeAfterResponse, isUrlTooLong } from './connection';
import { errorBody, errorResponse, handleError, HttpError, validationFailed } from './errors';
import { runChecks, type HealthCheck } from './health';
import { MAX_URL_BYTES } from './limits';
import type { Logger } from './logger';
import { mountOpenApi } from './openapi';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id';
import { finishRequestTelemetry, startRequestTrace } from './telemetry/http';
import { TRACERESPONSE_HEADER, traceresponseOf } from './telemetry/trace-context';

export type { HealthCheck } from './health';

/** `caller`: the calling service on `/internal/*` routes (service-auth.ts). */
export type AppEnv = { Variables: { requestId: string; logger: Logger; auth?: AuthContext; caller?: string } };

export interface CreateAppOptions {
  serviceName: string;
  logger: Logger;
  checks?: readonly HealthCheck[];
  /** True once shutdown began: readiness answers 503 so the load balancer stops routing here. */
  isShuttingDown?: () => boolean;
  /** Version shown in the OpenAPI document. */
  version?: string;
  /** Successful reads at least this slow are logged at info; default `SLOW_REQUEST_MS`. */
  slowRequestMs?: number;
}

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';
const isHealthPath = (path: string): boolean => path === LIVE_PATH || path === READY_PATH;

/** Successful reads slower than this still get an info access-log line (ADR 0005). */
export const SLOW_REQUEST_MS = 500;

/**
 * The headers Hono's `secureHeaders()` sets by default (no CSP: the services answer JSON only),
 * as one fixed list. Applied by `createApp` to every response: 404s, errors and health included.
 */
export const SECURITY_HEADERS: readonly (readonly [name: string, value: string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];


/** Path and query of an absolute URL (what Node reports as `IncomingMessage.url`). */
const requestTarget = (url: string): string => {
  const { pathname, search } = new URL(url);
  return pathname + search;
};

/** What @hono/node-server passes as `c.env`; absent under `app.request()` and other adapters. */
interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/** What the request middleware settled before the request runs (in its span, when traced). */
interface RequestState extends NodeBindings {
  started: number;
  /** Both bindings present: headers go straight onto the ServerResponse. */
  onNode: boolean;
  path: string;
  /** A health probe: not logged at info, not counted, not traced. */
  probe: boolean;
  span?: Span;
}

/** `defaultHook` for OpenAPIHono routes: zod failures → 400 `validation_failed` with `[{path, message}]`. */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) =>
  result.success ? undefined : errorResponse(c, validationFailed(result.error));

export interface WriteGuardOptions {
  /** Default 16 KiB. */
  maxBodyBytes?: number;
  /** Default 5000 ms; the handler's response after that is discarded. */
  timeoutMs?: number;
}

/**
 * Body limit (413 `payload_too_large`) + request timeout (504 `timeout`) for write routes.
 * Pass it as a route's `middleware` so it runs before body validation:
 * `createRoute({ method: 'post', middleware: [writeGuard()] as const, ... })`.
 * The timeout covers reading the body too (slow uploads count against it).
 */
export const writeGuard = ({ maxBodyBytes = 16 * 1024, timeoutMs = 5000 }: WriteGuardOptions = {}): MiddlewareHandler<AppEnv> => {
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', `Request body exceeds ${maxBodyBytes} bytes`);
    },
  });
  const deadline = timeout(timeoutMs, () => new HTTPException(504, { message: `Request timed out after ${timeoutMs} ms` }));
  return async function writeGuard(c, next) {
    await deadline(c, async () => {
      await limit(c, next);
    });
  };
};

/**
 * `logger.child(bindings)`, built on first use. Creating a pino child (bindings serialized,
 * redaction set up) on every request cost a few percent of a cached read that never logs.
 */
export const lazyChild = (logger: Logger, bindings: Record<string, unknown>): Logger => {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= logger.child(bindings));
  return new Proxy(logger, {
    get(_target, prop) {
      const target = real();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set: (_target, prop, value) => Reflect.set(real(), prop, value),
    has: (_target, prop) => Reflect.has(real(), prop),
  });
};

export const createApp = ({
  serviceName,
  logger,
  checks = [],
  isShuttingDown = () => false,
  version = '1.0.0',
  slowRequestMs = SLOW_REQUEST_MS,
}: CreateAppOptions): OpenAPIHono<AppEnv> => {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // Request id, security headers, request logger and access log in one middleware. On Node the
  // headers go straight onto the ServerResponse (`writeHead` merges them with Hono's own): setting
  // them through the fetch Response's `Headers` (what hono's requestId()/secureHeaders() do) cost
  // about a third of the throughput of a cached read (ADR 0005). Elsewhere (`app.request()` in
  // tests, other adapters) they are set on the Response after the handler.
  app.use(function requestContext(c, next) {
    const started = performance.now();
    const { incoming, outgoing } = (c.env ?? {}) as NodeBindings;
    const onNode = incoming !== undefined && outgoing !== undefined && typeof outgoing.setHeader === 'function';
    const path = c.req.path;
    const probe = isHealthPath(path);
    // The request's server span when tracing is on (telemetry/http.ts); the rest runs in it.
    const traced = startRequestTrace(
      c.req.method,
      path,
      onNode ? incoming.headers : { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') },
      probe,
    );
    const handle = () => serve(c, next, { started, incoming, outgoing, onNode, path, probe, span: traced?.span });
    return traced ? context.with(traced.context, handle) : handle();
  });

  const serve = async (
    c: Context<AppEnv>,
    next: Next,
    { started, incoming, outgoing, onNode, path, probe, span }: RequestState,
  ): Promise<void> => {
    const given = onNode ? incoming!.headers['x-request-id'] : c.req.header(REQUEST_ID_HEADER);
    const requestId = resolveRequestId(typeof given === 'string' ? given : undefined);
    c.set('requestId', requestId);
    // The server span's id goes back as `traceresponse`, on every answer (404s and errors too).
    const traceresponse = traceresponseOf(span);
    if (onNode && !outgoing!.headersSent) {
      for (const [name, value] of SECURITY_HEADERS) outgoing!.setHeader(name, value);
      outgoing!.setHeader(REQUEST_ID_HEADER, requestId);
      if (traceresponse) outgoing!.setHeader(TRACERESPONSE_HEADER, traceresponse);
    }
    // The child logger is only built when a handler logs (most requests never do).
    c.set('logger', lazyChild(logger, { requestId }));

    if (isUrlTooLong(onNode ? incoming!.url : requestTarget(c.req.url))) {
      c.res = errorResponse(c, new HttpError(414, 'uri_too_long', `Request target exceeds ${MAX_URL_BYTES} bytes`));
    } else {
      await next();
    }
    // Answered before the request body arrived in full (413, 401 on an upload, timeout): the rest
    // of the body must not be read as the next request, and must not reset the answer.
    if (onNode && !incoming!.complete && !outgoing!.headersSent) closeAfterResponse(incoming!, outgoing!);

    if (!onNode) {
      // Same precedence as on Node (where `writeHead` lets the Response's headers win): a header
      // the handler set itself is kept.
      const headers = c.res.headers;
      for (const [name, value] of SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, value);
      if (!headers.has(REQUEST_ID_HEADER)) headers.set(REQUEST_ID_HEADER, requestId);
      if (traceresponse) headers.set(TRACERESPONSE_HEADER, traceresponse);
    }
    // Access-log policy (ADR 0005): info for every non-2xx, every write and every slow request;
    // debug for fast successful reads and for health probes. The ALB access log has every request.
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const { method } = c.req;
    const status = c.res.status;
    const notable = status < 200 || status >= 300 || durationMs >= slowRequestMs || (method !== 'GET' && method !== 'HEAD');
    const level = notable && !probe ? 'info' : 'debug';
    if (logger.isLevelEnabled(level)) logger[level]({ requestId, method, path, status, durationMs }, 'request');
    // Probes are neither traced nor counted: the ALB's would swamp the route families' figures.
    if (!probe) finishRequestTelemetry(c, span, status, durationMs);
  };

  app.get(LIVE_PATH, (c) => c.json({ status: 'ok' }));
  app.get(READY_PATH, async (c) => {
    const shuttingDown = () => c.json(errorBody(c.get('requestId'), 'shutting_down', `${serviceName} is shutting down`), 503);
    if (isShuttingDown()) return shuttingDown();
    const results = await runChecks(checks);
    // Shutdown may have begun while the checks ran: the answer is about now.
    if (isShuttingDown()) return shuttingDown();
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      c.get('logger').warn({ failed }, 'readiness check failed');
      const details = failed.map(({ name, error }) => ({ check: name, error }));
      return c.json(errorBody(c.get('requestId'), 'not_ready', `Failed checks: ${failed.map((f) => f.name).join(', ')}`, details), 503);
    }
    return c.json({ status: 'ok', checks: results.map(({ name, durationMs }) => ({ name, durationMs })) });
  });

  mountOpenApi(app, { title: `${serviceName} service`, version });

  app.notFound((c) => c.json(errorBody(c.get('requestId') ?? 'unknown', 'not_found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError);
  return app;
};
