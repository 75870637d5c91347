/**
 * Request ids: the caller's `X-Request-Id` is kept when it is safe to log and echo, otherwise a
 * fresh UUID. Shared by the services (kit app) and the local gateway, so an id passes through both
 * unchanged, as through the ALB.
 */
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const SAFE_REQUEST_ID = /^[\w=-]{1,255}$/;

/** The caller's `X-Request-Id` when it is `[\w=-]{1,255}`, else a fresh UUID. */
export const resolveRequestId = (given: string | null | undefined): string =>
  given && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
