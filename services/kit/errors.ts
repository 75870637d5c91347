/**
 * The one error body every service returns:
 * `{"error": {"code", "message", "details"?}, "requestId"}` — never a stack trace.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import type { Logger } from './logger';

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown[] };
  requestId: string;
}

/** An expected failure with a status, a stable machine-readable code and a safe message. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: unknown[], code = 'bad_request'): HttpError =>
  new HttpError(400, code, message, details);
export const unauthorized = (message = 'Authentication required'): HttpError => new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'Forbidden'): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'Not found'): HttpError => new HttpError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict'): HttpError => new HttpError(409, code, message);
export const unprocessable = (message: string, code = 'unprocessable', details?: unknown[]): HttpError =>
  new HttpError(422, code, message, details);

/** zod issues → `[{path, message}]` with dotted paths (`items.0.name`). */
export const zodDetails = (error: ZodError): ErrorDetail[] =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));

export const validationFailed = (error: ZodError): HttpError =>
  new HttpError(400, 'validation_failed', 'Request validation failed', zodDetails(error));

export const errorBody = (requestId: string, code: string, message: string, details?: unknown[]): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
  requestId,
});

export const errorResponse = (c: Context, err: HttpError): Response =>
  c.json(errorBody(c.get('requestId') ?? 'unknown', err.code, err.message, err.details), err.status);

/**
 * Hono and its middleware throw HTTPException for protocol-level problems (malformed JSON,
 * unsupported media type, body limit, timeout). Map them onto stable codes.
 */
const fromHttpException = (err: HTTPException): HttpError => {
  switch (err.status) {
    case 400:
      return /malformed json/i.test(err.message)
        ? new HttpError(400, 'malformed_json', 'Malformed JSON in request body')
        : new HttpError(400, 'bad_request', err.message || 'Bad request');
    case 401:
      return new HttpError(401, 'unauthorized', 'Authentication required');
    case 413:
      return new HttpError(413, 'payload_too_large', 'Request body too large');
    case 415:
      return new HttpError(415, 'unsupported_media_type', 'Unsupported media type (expected application/json)');
    case 504:
      return new HttpError(504, 'timeout', 'Request timed out');
    default:
      return err.status >= 500
        ? new HttpError(500, 'internal', 'Internal server error')
        : new HttpError(err.status as ContentfulStatusCode, 'http_error', err.message || 'Request failed');
  }
};

/** `app.onError` handler: expected errors keep their status; anything else is a logged 500. */
export const handleError = (err: Error, c: Context): Response => {
  if (err instanceof HttpError) return errorResponse(c, err);
  if (err instanceof HTTPException) return errorResponse(c, fromHttpException(err));
  const logger: Logger | undefined = c.get('logger');
  logger?.error({ err }, 'unhandled error');
  return errorResponse(c, new HttpError(500, 'internal', 'Internal server error'));
};
