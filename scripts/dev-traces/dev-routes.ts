/**
 * `/_dev/` on the local gateway (only there: nothing in AWS routes it): the trace store as JSON
 * and the page that draws it.
 *
 *   GET /_dev/                 the trace view (view.html)
 *   GET /_dev/traces           {"traces": [summary…]}, newest first
 *   GET /_dev/traces/<traceId> {"traceId", "spans": [span…]} by start time; 404 unknown, 400 malformed id
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '../../services/kit/errors';
import { TRACE_ID, type TraceStore } from './store';

export const DEV_PREFIX = '/_dev';

const VIEW_HTML = readFileSync(path.join(__dirname, 'view.html'));

const json = (res: ServerResponse, status: number, body: unknown, head: boolean): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
};

export const isDevPath = (pathname: string): boolean => pathname === DEV_PREFIX || pathname.startsWith(`${DEV_PREFIX}/`);

/** Answers a request under `/_dev`. */
export const serveDev = (store: TraceStore, req: IncomingMessage, res: ServerResponse, pathname: string, requestId: string): void => {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    json(res, 405, errorBody(requestId, 'method_not_allowed', `${req.method} is not allowed on ${pathname}`), false);
    return;
  }
  const rest = pathname.slice(DEV_PREFIX.length);
  if (rest === '' || rest === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': VIEW_HTML.length, 'cache-control': 'no-store' });
    res.end(head ? undefined : VIEW_HTML);
    return;
  }
  if (rest === '/traces' || rest === '/traces/') {
    json(res, 200, { traces: store.list() }, head);
    return;
  }
  const id = /^\/traces\/([^/]*)$/.exec(rest)?.[1];
  if (id !== undefined) {
    const traceId = id.toLowerCase();
    if (!TRACE_ID.test(traceId)) json(res, 400, errorBody(requestId, 'bad_request', 'A trace id is 32 hex digits'), head);
    else {
      const trace = store.get(traceId);
      if (trace) json(res, 200, trace, head);
      else json(res, 404, errorBody(requestId, 'not_found', `Trace ${traceId} is not (or no longer) in the local store`), head);
    }
    return;
  }
  json(res, 404, errorBody(requestId, 'not_found', `No route for ${req.method} ${pathname}`), head);
};
