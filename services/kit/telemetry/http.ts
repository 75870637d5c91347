/**
 * The kit's HTTP server telemetry, applied by its request middleware (app.ts): one SERVER span per
 * request, child of an incoming W3C `traceparent`, named `<METHOD> <route pattern>` from Hono's
 * matched route, and the HttpRequests / HttpServerErrors / HttpDuration data points of its route
 * family. Made here rather than by instrumentation-http, whose per-request work (a URL parse,
 * request attributes, wrapping every listener of the request and response) cost about a third
 * of a cached read's throughput even with no span recorded (docs/decisions/0020).
 */
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Context as HonoContext } from 'hono';
import { routePath } from 'hono/route';
import { Dimension, routeFamilyOf } from '../../telemetry';
import { appMetrics } from './metrics';
import { TRACEPARENT, untraced } from './trace-context';

/** Set by `startTelemetry` once the tracer provider is registered; undefined while tracing is off. */
let tracer: Tracer | undefined;

/** Called by `startTelemetry`: from now on requests get server spans. */
export const enableServerSpans = (): void => {
  tracer = trace.getTracer('kit-http');
};

export interface RequestTrace {
  /** Undefined for a probe (run untraced: its dependency checks must not make traces either). */
  readonly span?: Span;
  /** Run the request in it. */
  readonly context: Context;
}

/**
 * Starts the request's SERVER span; undefined while tracing is off (nothing is done at all).
 * `headers`: the incoming headers (lower-case names), for `traceparent`/`tracestate`.
 */
export const startRequestTrace = (method: string, path: string, headers: Record<string, string | string[] | undefined>, probe: boolean): RequestTrace | undefined => {
  if (!tracer) return undefined;
  if (probe) return { context: untraced() };
  // Without a `traceparent` there is nothing to extract: the span is a root.
  const parent = headers[TRACEPARENT] === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path, [ATTR_URL_SCHEME]: 'http' } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
};

/** Hono's pattern for middleware on every path: no route matched (a 404, or the URL was refused before routing). */
const isCatchAll = (pattern: string): boolean => pattern === '*' || pattern === '/*' || pattern === '';

/** Route pattern → its dimensions; bounded by the number of registered routes. */
const familyDimensions = new Map<string, { readonly [Dimension.routeFamily]: string }>();
const dimensionsOf = (pattern: string) => {
  let dimensions = familyDimensions.get(pattern);
  if (!dimensions) familyDimensions.set(pattern, (dimensions = { [Dimension.routeFamily]: routeFamilyOf(isCatchAll(pattern) ? undefined : pattern) }));
  return dimensions;
};

/** Call once the handler answered (the matched route is the handler that did): ends the span, records the metrics. */
export const finishRequestTelemetry = (c: HonoContext, span: Span | undefined, status: number, durationMs: number): void => {
  const metrics = appMetrics();
  if (!span && !metrics.enabled) return;
  const pattern = routePath(c);
  if (span) {
    if (!isCatchAll(pattern)) {
      span.setAttribute(ATTR_HTTP_ROUTE, pattern);
      span.updateName(`${c.req.method} ${pattern}`);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
  if (!metrics.enabled) return;
  const dimensions = dimensionsOf(pattern);
  metrics.add('httpRequests', dimensions);
  if (status >= 500) metrics.add('httpServerErrors', dimensions);
  metrics.record('httpDuration', durationMs, dimensions);
};
