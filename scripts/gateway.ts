/**
 * Local stand-in for the ALB: routes by the catalog's listener rules (path patterns with the
 * ALB's `*` / `?` wildcards, case-sensitive, path only, lowest priority number first), answers
 * unknown paths with the platform's JSON 404, and streams requests and responses through.
 * Same limits and connection handling as the services (services/kit/limits.ts, connection.ts):
 * JSON 414/431/400 for what its parser rejects; an answer sent before the client's body arrived
 * in full closes the connection (lingering). Upstream connections are pooled; one that failed is
 * never reused, and an idempotent request without a body is retried once on a fresh connection.
 *
 * It also stands in for the edge (scripts/local-edge, values from modules/edge/edge-contract.ts):
 * CloudFront's security headers on every answer, its JSON bodies for 502/503/504, and the static
 * behaviour (`/static/*` from the repository's static/). And it traces: a server span per proxied
 * request and a client span per upstream attempt (service `gateway`), W3C `traceparent` to the
 * service, `traceresponse` to the client, spans into the trace store that `/_dev/` shows
 * (scripts/dev-traces; only here, nothing in AWS routes `/_dev`).
 *
 *   npx tsx scripts/gateway.ts [--port 8080]   # upstreams: 127.0.0.1:<containerPort>
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { DEFAULT_STATIC_PATH_PATTERN } from '../modules/edge/edge-contract';
import { catalog, type Catalog } from '../services/catalog';
import { clientErrorHandler, closeAfterResponse, isUrlTooLong } from '../services/kit/connection';
import { errorBody } from '../services/kit/errors';
import { MAX_HEADER_BYTES, MAX_URL_BYTES } from '../services/kit/limits';
import { resolveRequestId } from '../services/kit/request-id';
import { isDevPath, serveDev } from './dev-traces/dev-routes';
import { TraceStore } from './dev-traces/store';
import { storeTracer } from './dev-traces/store-tracer';
import { isEdgeErrorStatus, sendEdgeError, setEdgeHeaders, withoutEdgeHeaders } from './local-edge/edge-responses';
import { staticFiles } from './local-edge/static-files';

export interface RouteMatch {
  readonly service: string;
  readonly priority: number;
  readonly pattern: string;
}

/** ALB path-pattern → anchored RegExp: `*` = 0 or more characters (any, `/` included), `?` = exactly 1. */
export const pathPatternToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${[...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    's',
  );

const compileRules = (from: Catalog) =>
  from.services
    .flatMap((service) =>
      service.routes.map((route) => ({
        service: service.name,
        priority: route.priority,
        patterns: route.pathPatterns.map((pattern) => ({ pattern, regexp: pathPatternToRegExp(pattern) })),
      })),
    )
    .sort((a, b) => a.priority - b.priority);

const defaultRules = compileRules(catalog);

/** The listener rule the ALB would pick for `path` (query string ignored), if any. */
export const matchRoute = (path: string, from?: Catalog): RouteMatch | undefined => {
  const pathOnly = path.split('?', 1)[0];
  for (const rule of from ? compileRules(from) : defaultRules) {
    const hit = rule.patterns.find((p) => p.regexp.test(pathOnly));
    if (hit) return { service: rule.service, priority: rule.priority, pattern: hit.pattern };
  }
  return undefined;
};

// RFC 9110 §7.6.1: connection-specific fields are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** The gateway's own trace context replaces the client's (a child of it) towards the service, and the service's towards the client. */
const TRACE_HEADERS = new Set(['traceparent', 'tracestate', 'traceresponse']);
/** Above the services' 65 s keep-alive, like the ALB's 60 s idle timeout is below it. */
const UPSTREAM_TIMEOUT_MS = 60_000;

/**
 * Methods retried once, on a fresh connection, when the upstream connection fails before any
 * response (typically a kept-alive connection the service closed as the request went out).
 * RFC 9110 §9.2.2 idempotent methods; only without a request body, since the gateway streams
 * bodies and cannot replay them (PUT and DELETE carry none in this API).
 */
const RETRIED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Connection failures after which a retry can succeed (not: refused, timed out). */
const RETRYABLE_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

const forwardable = (headers: IncomingHttpHeaders): IncomingHttpHeaders => {
  const listed = new Set((String(headers.connection ?? '')).toLowerCase().split(',').map((s) => s.trim()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !listed.has(name) && !TRACE_HEADERS.has(name)));
};

/**
 * A JSON error of the gateway's own. 502/503/504 carry the edge's body instead (CloudFront replaces
 * them); `message` then only reaches the dev log, through onRequest.
 */
const sendError = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, requestId: string): void => {
  if (res.headersSent) {
    res.destroy(); // the status line is gone: the client sees a truncated response, as from the ALB
    return;
  }
  if (!req.complete) closeAfterResponse(req, res);
  if (isEdgeErrorStatus(status)) {
    sendEdgeError(res, status, req.method === 'HEAD');
    return;
  }
  const body = JSON.stringify(errorBody(requestId, code, message));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

/** W3C Trace Context Level 2 `traceresponse`: the trace and the gateway's span a client can look up. */
const traceResponse = (span: Span): string => {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
};

/** Ends `span` once, with `status` (an HTTP status, or a failure message). */
const spanEnder = (span: Span, errorFrom: number) => {
  let ended = false;
  return (outcome: number | string): void => {
    if (ended) return;
    ended = true;
    if (typeof outcome === 'number') {
      span.setAttribute('http.response.status_code', outcome);
      if (outcome >= errorFrom) span.setStatus({ code: SpanStatusCode.ERROR });
    } else span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    span.end();
  };
};

export interface GatewayOptions {
  /** Service name → base URL (e.g. http://127.0.0.1:3001). */
  upstreams: Readonly<Record<string, string>>;
  port?: number;
  host?: string;
  catalog?: Catalog;
  /** Where the gateway's spans go and what `/_dev/` shows (the dev stack shares it with its OTLP receiver). */
  traces?: TraceStore;
  /** The edge's static behaviour: `root` served under `pathPattern` (default: the repository's static/ under `/static/*`). */
  static?: { root: string; pathPattern: string };
  /** Called once per request (dev stack logging); `detail` says why the gateway itself failed it. */
  onRequest?: (entry: { method: string; path: string; service?: string; status: number; ms: number; requestId: string; traceId?: string; detail?: string }) => void;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly traces: TraceStore;
  close(): Promise<void>;
}

export const STATIC_ROOT = path.resolve(__dirname, '..', 'static');

export const startGateway = async (options: GatewayOptions): Promise<Gateway> => {
  const from = options.catalog ?? catalog;
  const missing = from.services.map((s) => s.name).filter((name) => !options.upstreams[name]);
  const traces = options.traces ?? new TraceStore();
  const tracing = storeTracer(traces, 'gateway');
  const propagator = new W3CTraceContextPropagator();
  const assets = staticFiles(options.static?.root ?? STATIC_ROOT, options.static?.pathPattern ?? DEFAULT_STATIC_PATH_PATTERN);

  // Its own pool: a connection that failed is destroyed (and so never reused), and close() ends them all.
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const incomingId = req.headers['x-request-id'];
    const requestId = resolveRequestId(typeof incomingId === 'string' ? incomingId : undefined);
    // Every answer leaves through the edge: its headers on all of them.
    setEdgeHeaders(res);
    res.setHeader('x-request-id', requestId);
    if (isUrlTooLong(req.url)) {
      sendError(req, res, 414, 'uri_too_long', `Request target exceeds ${MAX_URL_BYTES} bytes`, requestId);
      return;
    }
    // Concatenation (not `new URL(url, base)`) keeps `//host/x` a path; dot segments are resolved
    // before routing so `/users/../payments` cannot reach the user service as `/payments`.
    const url = new URL(`http://gateway.local${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
    const route = matchRoute(url.pathname, options.catalog);
    let traceId: string | undefined;
    let detail: string | undefined;
    const fail = (status: number, code: string, message: string) => {
      detail = message;
      sendError(req, res, status, code, message, requestId);
    };
    // The trace page polls every 2 s: its own requests are not what the dev log is for.
    if (!isDevPath(url.pathname)) res.once('finish', () =>
      options.onRequest?.({ method: req.method ?? '', path: url.pathname, service: route?.service, status: res.statusCode, ms: Date.now() - started, requestId, traceId, detail }),
    );

    if (url.pathname === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (isDevPath(url.pathname)) {
      serveDev(traces, req, res, url.pathname, requestId);
      return;
    }
    // The static behaviour comes before the default (API) behaviour, as in the distribution.
    if (assets.matches(url.pathname)) {
      assets.serve(req, res, url.pathname, requestId);
      return;
    }
    if (!route) {
      fail(404, 'not_found', `No route for ${req.method} ${url.pathname}`);
      return;
    }

    // The gateway's server span: a child of the client's trace context when it sent one.
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const serverSpan = tracing.tracer.startSpan(
      `${req.method} ${route.pattern}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method ?? '', 'url.path': url.pathname, 'http.route': route.pattern, 'request.id': requestId },
      },
      parent,
    );
    const serverContext = trace.setSpan(parent, serverSpan);
    traceId = serverSpan.spanContext().traceId;
    res.setHeader('traceresponse', traceResponse(serverSpan));
    const endServer = spanEnder(serverSpan, 500);
    res.once('close', () => endServer(res.writableFinished ? res.statusCode : 'response not completed (the client left, or the service cut it)'));

    const base = options.upstreams[route.service];
    if (!base) {
      fail(503, 'service_unavailable', `Service "${route.service}" is not running`);
      return;
    }

    const target = new URL(base);
    const clientIp = req.socket.remoteAddress ?? '';
    const priorFor = req.headers['x-forwarded-for'];
    const replayable = RETRIED_METHODS.has(req.method ?? '') && !hasBody(req);
    const forward = (attempt: number): void => {
      const clientSpan = tracing.tracer.startSpan(
        `${req.method} ${route.service}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': req.method ?? '',
            'server.address': target.hostname,
            'server.port': Number(target.port),
            'url.full': `${target.origin}${url.pathname}`,
            ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
          },
        },
        serverContext,
      );
      const endClient = spanEnder(clientSpan, 500);
      const traceContext: Record<string, string> = {};
      propagator.inject(trace.setSpan(serverContext, clientSpan), traceContext, defaultTextMapSetter);
      const upstream = httpRequest({
        hostname: target.hostname,
        port: target.port,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: {
          ...forwardable(req.headers),
          ...traceContext,
          'x-forwarded-for': priorFor ? `${priorFor}, ${clientIp}` : clientIp,
          'x-forwarded-proto': 'http',
          'x-forwarded-port': String(req.socket.localPort ?? ''),
          'x-request-id': requestId,
        },
        timeout: UPSTREAM_TIMEOUT_MS,
        // The retry never takes a pooled connection: it gets a fresh one.
        agent: attempt === 1 ? agent : false,
      });
      let responded = false;
      upstream.once('response', (upstreamRes) => {
        responded = true;
        const status = upstreamRes.statusCode ?? 502;
        upstreamRes.once('end', () => {
          endClient(status);
          // Answered before the client's body was all sent (e.g. 413): the rest is not needed, and
          // that upstream connection, in the middle of a request, must not be reused.
          if (!req.complete) {
            req.unpipe(upstream);
            upstream.destroy();
          }
        });
        if (!req.complete) closeAfterResponse(req, res);
        if (isEdgeErrorStatus(status)) {
          // CloudFront answers these with its own body, whatever the origin sent.
          detail = `Service "${route.service}" answered ${status}`;
          upstreamRes.resume();
          sendEdgeError(res, status, req.method === 'HEAD');
          return;
        }
        res.writeHead(status, upstreamRes.statusMessage, withoutEdgeHeaders(forwardable(upstreamRes.headers)));
        upstreamRes.pipe(res);
        upstreamRes.once('error', () => res.destroy());
      });
      upstream.once('timeout', () => upstream.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' })));
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        endClient(error.code ?? error.message);
        if (responded) {
          if (!res.writableFinished) res.destroy(); // cut mid-response: truncate, as the ALB does
          return;
        }
        if (attempt === 1 && replayable && !res.destroyed && RETRYABLE_ERRORS.has(error.code ?? '')) forward(2);
        else if (error.code === 'ECONNREFUSED') fail(503, 'service_unavailable', `Service "${route.service}" is not reachable`);
        else if (error.code === 'ETIMEDOUT') fail(504, 'gateway_timeout', `Service "${route.service}" did not answer in time`);
        else fail(502, 'bad_gateway', `Service "${route.service}" failed to answer`);
      });
      // The client went away before the exchange finished: abandon the upstream request too.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      if (replayable) upstream.end();
      else req.pipe(upstream);
    };
    forward(1);
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handle);
  server.on('clientError', clientErrorHandler());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  if (missing.length) process.emitWarning(`gateway: no upstream for ${missing.join(', ')} (their routes answer 503)`);
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    traces,
    close: () =>
      new Promise((resolve) => {
        server.close(() => void tracing.shutdown().then(() => resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
};

/** Upstreams when each service listens on its catalog container port on this machine. */
export const localUpstreams = (from: Catalog = catalog): Record<string, string> =>
  Object.fromEntries(from.services.map((s) => [s.name, `http://127.0.0.1:${s.containerPort}`]));

if (require.main === module) {
  const flag = process.argv.indexOf('--port');
  const port = Number(flag >= 0 ? process.argv[flag + 1] : (process.env.GATEWAY_PORT ?? 8080));
  void startGateway({ upstreams: localUpstreams(), port }).then((gateway) => {
    console.log(`gateway listening on ${gateway.url}`);
    const shutdown = () => void gateway.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
