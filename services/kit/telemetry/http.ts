/**
 * What the kit's request middleware (app.ts) adds to a request's telemetry once the handler
 * answered: the server span's name and `http.route` from Hono's matched route, and the
 * HttpRequests / HttpServerErrors / HttpDuration data points of its route family.
 */
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { Context } from 'hono';
import { routePath } from 'hono/route';
import { Dimension, routeFamilyOf } from '../../telemetry';
import { appMetrics } from './metrics';

/** Hono's pattern for middleware on every path: no route matched (a 404, or the URL was refused before routing). */
const isCatchAll = (pattern: string): boolean => pattern === '*' || pattern === '/*' || pattern === '';

/** Route pattern → its dimensions; bounded by the number of registered routes. */
const familyDimensions = new Map<string, { readonly [Dimension.routeFamily]: string }>();
const dimensionsOf = (pattern: string) => {
  let dimensions = familyDimensions.get(pattern);
  if (!dimensions) familyDimensions.set(pattern, (dimensions = { [Dimension.routeFamily]: routeFamilyOf(isCatchAll(pattern) ? undefined : pattern) }));
  return dimensions;
};

/** Call after `await next()`: the matched route is the handler that answered. */
export const recordRequestTelemetry = (c: Context, span: Span | undefined, status: number, durationMs: number): void => {
  const metrics = appMetrics();
  if (!span && !metrics.enabled) return;
  const pattern = routePath(c);
  if (span && !isCatchAll(pattern)) {
    span.setAttribute(ATTR_HTTP_ROUTE, pattern);
    span.updateName(`${c.req.method} ${pattern}`);
  }
  if (!metrics.enabled) return;
  const dimensions = dimensionsOf(pattern);
  metrics.add('httpRequests', dimensions);
  if (status >= 500) metrics.add('httpServerErrors', dimensions);
  metrics.record('httpDuration', durationMs, dimensions);
};
