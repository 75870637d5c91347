/**
 * OpenAPI 3.1 from the zod route schemas, plus helpers so routes declare bodies and errors the
 * same way everywhere. Route schemas use `z` from `@hono/zod-openapi` (zod with `.openapi()`).
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { Env } from 'hono';

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.array(z.unknown()).optional(),
    }),
    requestId: z.string(),
  })
  .openapi('ErrorBody');

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request (validation_failed, malformed_json, invalid_cursor)',
  401: 'Missing or invalid access token',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  503: 'Unavailable',
  504: 'Request timed out',
};

/** `responses` entries with the shared error body, e.g. `...errorResponses(400, 401, 404)`. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  );

/**
 * A REQUIRED JSON request body. Without `required: true` @hono/zod-openapi skips validation when
 * the request has no JSON content type and hands the handler `{}`.
 * Use a strict object (`z.strictObject`) so unknown fields are rejected.
 */
export const jsonBody = <T extends ZodType>(schema: T, description?: string) => ({
  required: true as const,
  description,
  content: { 'application/json': { schema } },
});

/** A JSON response entry: `200: jsonResponse(UserSchema, 'The user')`. */
export const jsonResponse = <T extends ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const OPENAPI_PATH = '/openapi.json';

/** Serves the document at `/openapi.json`; generated once, on first request (routes are all registered by then). */
export const mountOpenApi = <E extends Env>(app: OpenAPIHono<E>, info: { title: string; version: string }): void => {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  let cached: unknown;
  app.get(OPENAPI_PATH, (c) => {
    cached ??= app.getOpenAPI31Document({ openapi: '3.1.0', info });
    return c.json(cached as object);
  });
};
