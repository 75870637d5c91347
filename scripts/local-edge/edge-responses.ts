/**
 * What CloudFront does to every answer (modules/edge/edge-contract.ts, the one owner of the
 * values), for the local gateway: the response-headers policy's security headers, set over the
 * origin's own (`override: true`), and the custom error responses that replace any 502/503/504
 * body with the edge's JSON.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { EDGE_ERROR_BODIES, EDGE_ERROR_CONTENT_TYPE, EDGE_ERROR_STATUSES, EDGE_RESPONSE_HEADERS, type EdgeErrorStatus } from '../../modules/edge/edge-contract';

const EDGE_HEADERS = Object.entries(EDGE_RESPONSE_HEADERS).map(([name, value]) => [name.toLowerCase(), value] as const);
const EDGE_HEADER_NAMES = new Set(EDGE_HEADERS.map(([name]) => name));

/** Sets the edge's headers on `res` (call before anything is written). */
export const setEdgeHeaders = (res: ServerResponse): void => {
  for (const [name, value] of EDGE_HEADERS) res.setHeader(name, value);
};

/** An origin's headers without those the edge sets: the edge's values win, as with `override: true`. */
export const withoutEdgeHeaders = (headers: OutgoingHttpHeaders): OutgoingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !EDGE_HEADER_NAMES.has(name.toLowerCase())));

export const isEdgeErrorStatus = (status: number): status is EdgeErrorStatus => (EDGE_ERROR_STATUSES as readonly number[]).includes(status);

/** Answers `status` with the edge's stored error body, as CloudFront's custom error response does. */
export const sendEdgeError = (res: ServerResponse, status: EdgeErrorStatus, head: boolean): void => {
  const body = JSON.stringify(EDGE_ERROR_BODIES[status]);
  res.writeHead(status, { 'content-type': EDGE_ERROR_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
};
