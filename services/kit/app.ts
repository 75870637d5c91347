/**
 * The app factory every service starts from: request id, request-scoped logger and access log,
 * secure headers, health endpoints, JSON 404, the shared error handler and `/openapi.json`.
 */
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { timeout } from 'hono/timeout';
import { HTTPException } from 'hono/http-exception';
import type { AuthContext } from './auth';
import { errorBody, errorResponse, handleError, HttpError, validationFailed } from './errors';
import { runChecks, type HealthCheck } from './health';
import type { Logger } from './logger';
import { mountOpenApi } from './openapi';

export type { HealthCheck } from './health';

export type AppEnv = { Variables: { requestId: string; logger: Logger; auth?: AuthContext } };

export interface CreateAppOptions {
  serviceName: string;
  logger: Logger;
  checks?: readonly HealthCheck[];
  /** True once shutdown began: readiness answers 503 so the load balancer stops routing here. */
  isShuttingDown?: () => boolean;
  /** Version shown in the OpenAPI document. */
  version?: string;
}

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';
const isHealthPath = (path: string): boolean => path === LIVE_PATH || path === READY_PATH;

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

export const createApp = ({
  serviceName,
  logger,
  checks = [],
  isShuttingDown = () => false,
  version = '1.0.0',
}: CreateAppOptions): OpenAPIHono<AppEnv> => {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    const requestLogger = logger.child({ requestId: c.get('requestId') });
    c.set('logger', requestLogger);
    await next();
    const line = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    // Load-balancer health probes would drown the access log at info.
    if (isHealthPath(c.req.path)) requestLogger.debug(line, 'request');
    else requestLogger.info(line, 'request');
  });
  app.use(secureHeaders());

  app.get(LIVE_PATH, (c) => c.json({ status: 'ok' }));
  app.get(READY_PATH, async (c) => {
    if (isShuttingDown()) {
      return c.json(errorBody(c.get('requestId'), 'shutting_down', `${serviceName} is shutting down`), 503);
    }
    const results = await runChecks(checks);
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
