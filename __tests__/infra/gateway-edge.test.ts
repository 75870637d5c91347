/**
 * The local gateway answers as a client sees the platform through CloudFront (values from
 * modules/edge/edge-contract.ts): security headers on every answer, the edge's JSON for
 * 502/503/504, static files under the static prefix; and it traces what it proxies (W3C trace
 * context both ways, spans in the store `/_dev/` shows).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EDGE_ERROR_BODIES, EDGE_RESPONSE_HEADERS } from '../../modules/edge/edge-contract';
import { STATIC_ROOT, startGateway, type Gateway } from '../../scripts/gateway';
import { TraceStore } from '../../scripts/dev-traces/store';
import { freePort } from '../../scripts/engines/process';

/** GET with the path sent exactly as written (fetch would normalise dot segments and escapes). */
const rawGet = (base: string, rawPath: string, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> =>
  new Promise((resolve, reject) => {
    request(`${base}/`, { path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    })
      .once('error', reject)
      .end();
  });

const expectEdgeHeaders = (headers: Headers | IncomingHttpHeaders) => {
  for (const [name, value] of Object.entries(EDGE_RESPONSE_HEADERS)) {
    expect(headers instanceof Headers ? headers.get(name) : headers[name.toLowerCase()]).toBe(value);
  }
};

interface Seen {
  url?: string;
  headers: IncomingHttpHeaders;
}
const seen: Seen[] = [];
let upstream: Server;
let gateway: Gateway;
let store: TraceStore;
let assets: string;

beforeAll(async () => {
  // The user service stand-in: status from `?status=`, its own (weaker) security headers and a traceresponse of its own.
  upstream = createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'application/json', 'x-frame-options': 'SAMEORIGIN', traceresponse: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` });
    res.end(JSON.stringify({ from: 'upstream', status }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  const user = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // A static root of the test's, with a link that points outside it.
  assets = mkdtempSync(path.join(tmpdir(), 'gateway-static-'));
  writeFileSync(path.join(assets, 'app.css'), 'body { color: black }');
  writeFileSync(path.join(tmpdir(), 'gateway-static-secret.txt'), 'secret');
  symlinkSync(path.join(tmpdir(), 'gateway-static-secret.txt'), path.join(assets, 'leak.txt'));

  store = new TraceStore();
  const dead = `http://127.0.0.1:${await freePort()}`;
  gateway = await startGateway({ port: 0, traces: store, upstreams: { user, payment: dead, notification: dead } });
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(assets, { recursive: true, force: true });
  rmSync(path.join(tmpdir(), 'gateway-static-secret.txt'), { force: true });
});

describe('edge response headers', () => {
  it.each(['/users/me', '/nowhere', '/payments', '/static/favicon.svg', '/static/missing.png', '/_dev/traces', '/health/live'])('on %s', async (url) => {
    const response = await fetch(`${gateway.url}${url}`);
    await response.arrayBuffer();
    expectEdgeHeaders(response.headers);
  });

  it("override the service's own values", async () => {
    const response = await fetch(`${gateway.url}/users/me`);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(await response.json()).toEqual({ from: 'upstream', status: 200 });
  });
});

describe('edge error bodies', () => {
  it.each([502, 503, 504] as const)("replace a service's %s body", async (status) => {
    const response = await fetch(`${gateway.url}/users/me?status=${status}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(EDGE_ERROR_BODIES[status]);
    expectEdgeHeaders(response.headers);
  });

  it("are the gateway's own 503 when a service is not reachable", async () => {
    const response = await fetch(`${gateway.url}/payments`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(EDGE_ERROR_BODIES[503]);
  });

  it('leave other errors to the service', async () => {
    const response = await fetch(`${gateway.url}/users/me?status=500`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ from: 'upstream', status: 500 });
  });
});

describe('static files under /static/', () => {
  it("serve the repository's static/ folder with content types", async () => {
    const favicon = await fetch(`${gateway.url}/static/favicon.svg`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await favicon.text()).toBe(readFileSync(path.join(STATIC_ROOT, 'favicon.svg'), 'utf8'));
    const robots = await fetch(`${gateway.url}/static/robots.txt`);
    expect(robots.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it("include the edge's error pages, as the bucket does", async () => {
    const response = await fetch(`${gateway.url}/static/edge-errors/503.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(EDGE_ERROR_BODIES[503]);
  });

  it('answer HEAD with the headers only', async () => {
    const head = await rawGet(gateway.url, '/static/favicon.svg', 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body).toBe('');
  });

  it('refuse other methods with a JSON 405', async () => {
    const response = await fetch(`${gateway.url}/static/favicon.svg`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });

  it.each([
    '/static/missing.png',
    '/static/',
    '/static/..%2fpackage.json',
    '/static/%2e%2e%2fpackage.json',
    '/static/..%5cpackage.json',
    '/static/%2e%2e/%2e%2e/etc/passwd',
    '/static/favicon.svg%00.png',
    '/static/%E0%A4%A',
  ])('%s → JSON 404, nothing outside the folder', async (rawPath) => {
    const response = await rawGet(gateway.url, rawPath);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body).error.code).toBe('not_found');
  });

  it('resolves dot segments first: /static/../package.json is not a static path (and not routed)', async () => {
    const response = await rawGet(gateway.url, '/static/../package.json');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body).error.message).toBe('No route for GET /package.json');
  });

  it('follow the static path pattern, and no link leads out of the folder', async () => {
    const other = await startGateway({ port: 0, upstreams: {}, static: { root: assets, pathPattern: '/assets/v1/*' } });
    try {
      const css = await fetch(`${other.url}/assets/v1/app.css`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(await css.text()).toBe('body { color: black }');
      expect((await fetch(`${other.url}/assets/v1/leak.txt`)).status).toBe(404);
      expect((await fetch(`${other.url}/static/favicon.svg`)).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('unrouted paths', () => {
  it.each(['/internal/users/123', '/internal/payments', '/internal'])('%s → JSON 404 (never proxied)', async (url) => {
    const before = seen.length;
    const response = await fetch(`${gateway.url}${url}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(seen.length).toBe(before);
  });
});

describe('gateway tracing', () => {
  const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

  it('starts a trace, sends traceparent to the service, answers traceresponse, and stores its spans', async () => {
    const response = await fetch(`${gateway.url}/users/me`);
    await response.text();
    const [, traceId, serverSpanId] = TRACEPARENT.exec(response.headers.get('traceresponse') ?? '') ?? [];
    expect(traceId).toBeDefined();
    expect(traceId).not.toBe('1'.repeat(32)); // the service's own traceresponse does not reach the client
    const [, upstreamTraceId, clientSpanId] = TRACEPARENT.exec(String(seen.at(-1)!.headers.traceparent)) ?? [];
    expect(upstreamTraceId).toBe(traceId);

    const spans = store.get(traceId)!.spans;
    expect(spans).toEqual([
      expect.objectContaining({ spanId: serverSpanId, parentSpanId: null, service: 'gateway', kind: 'SERVER', name: 'GET /users/*', status: { code: 'UNSET' } }),
      expect.objectContaining({ spanId: clientSpanId, parentSpanId: serverSpanId, service: 'gateway', kind: 'CLIENT', name: 'GET user' }),
    ]);
    expect(spans[0].attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/users/me', 'http.route': '/users/*', 'http.response.status_code': 200 });
  });

  it("continues the client's trace", async () => {
    const clientTrace = 'ab'.repeat(16);
    const clientSpan = 'cd'.repeat(8);
    const response = await fetch(`${gateway.url}/users/me`, { headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } });
    await response.text();
    const [, traceId, serverSpanId] = TRACEPARENT.exec(response.headers.get('traceresponse') ?? '') ?? [];
    expect(traceId).toBe(clientTrace);
    expect(seen.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${clientTrace}-`));
    expect(store.get(clientTrace)!.spans.find((s) => s.spanId === serverSpanId)).toMatchObject({ parentSpanId: clientSpan });
  });

  it('marks a failed request as an error, and the trace with it', async () => {
    const response = await fetch(`${gateway.url}/payments`, { method: 'POST', body: '{}' });
    await response.text();
    const traceId = TRACEPARENT.exec(response.headers.get('traceresponse') ?? '')![1];
    const spans = store.get(traceId)!.spans;
    expect(spans.map((s) => [s.kind, s.status.code])).toEqual([
      ['SERVER', 'ERROR'],
      ['CLIENT', 'ERROR'],
    ]);
    expect(spans[1].status.message).toBe('ECONNREFUSED');
    expect(store.list().find((t) => t.traceId === traceId)).toMatchObject({ error: true, services: ['gateway'], spanCount: 2 });
  });

  it('does not trace what it does not proxy', async () => {
    const before = store.size;
    for (const url of ['/nowhere', '/static/favicon.svg', '/_dev/traces', '/health/live']) {
      const response = await fetch(`${gateway.url}${url}`);
      await response.arrayBuffer();
      expect(response.headers.get('traceresponse')).toBeNull();
    }
    expect(store.size).toBe(before);
  });
});
