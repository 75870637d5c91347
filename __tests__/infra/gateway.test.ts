/**
 * The local gateway routes like the ALB listener rules the infrastructure derives from the
 * catalog, and proxies for real (node:http upstreams, no mocks).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { matchRoute, pathPatternToRegExp, startGateway, type Gateway } from '../../scripts/gateway';
import { freePort } from '../../scripts/engines/process';
import { catalog, type Catalog } from '../../services/catalog';
import { MAX_HEADER_BYTES, MAX_URL_BYTES } from '../../services/kit/limits';
import { rawGet, rawRequest, type RawResponse } from '../support/raw-http';

describe('matchRoute', () => {
  it.each([
    ['/users', 'user'],
    ['/users/', 'user'],
    ['/users/me', 'user'],
    ['/users/123/deep/path', 'user'],
    ['/users/me?expand=all', 'user'],
    ['/auth', 'user'],
    ['/auth/login', 'user'],
    ['/payments', 'payment'],
    ['/payments/abc', 'payment'],
    ['/notifications', 'notification'],
    ['/notifications/x', 'notification'],
  ])('%s → %s', (path, service) => {
    expect(matchRoute(path)?.service).toBe(service);
  });

  it.each(['/', '/usersx', '/Users', '/user', '/payment', '/health/ready', '/api/users', '/authx/login'])('%s → no route', (path) => {
    expect(matchRoute(path)).toBeUndefined();
  });

  it('covers every catalog pattern and reports the rule it used', () => {
    for (const service of catalog.services) {
      for (const route of service.routes) {
        for (const pattern of route.pathPatterns) {
          const sample = pattern.replace(/\*/g, 'anything/below').replace(/\?/g, 'x');
          expect(matchRoute(sample)).toEqual({ service: service.name, priority: route.priority, pattern });
        }
      }
    }
  });

  it('has ALB wildcard semantics: * is 0+ characters including /, ? is exactly one, case-sensitive', () => {
    expect(pathPatternToRegExp('/a*').test('/a')).toBe(true);
    expect(pathPatternToRegExp('/a*').test('/a/b/c')).toBe(true);
    expect(pathPatternToRegExp('/a?c').test('/abc')).toBe(true);
    expect(pathPatternToRegExp('/a?c').test('/ac')).toBe(false);
    expect(pathPatternToRegExp('/a.c').test('/abc')).toBe(false);
    expect(pathPatternToRegExp('/A').test('/a')).toBe(false);
  });

  it('evaluates rules in priority order, not catalog order', () => {
    const overlapping: Catalog = {
      ...catalog,
      services: [
        { ...catalog.services[0], name: 'broad', routes: [{ pathPatterns: ['/*'], priority: 500 }] },
        { ...catalog.services[1], name: 'narrow', routes: [{ pathPatterns: ['/payments*'], priority: 5 }] },
      ],
    };
    expect(matchRoute('/payments/1', overlapping)?.service).toBe('narrow');
    expect(matchRoute('/users', overlapping)?.service).toBe('broad');
  });
});

describe('gateway', () => {
  interface Seen {
    method?: string;
    url?: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  const seen: Seen[] = [];
  let upstream: Server;
  let gateway: Gateway;
  let deadPort: number;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(req.url?.startsWith('/users/missing') ? 404 : 201, { 'content-type': 'application/json', 'x-upstream': 'user' });
        res.end(JSON.stringify({ echoed: Buffer.concat(chunks).toString() }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    deadPort = await freePort(); // nothing listens there
    gateway = await startGateway({
      port: 0,
      upstreams: { user: `http://127.0.0.1:${port}`, payment: `http://127.0.0.1:${deadPort}`, notification: `http://127.0.0.1:${deadPort}` },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards method, path, query, headers and body, and returns status, headers and body', async () => {
    const response = await fetch(`${gateway.url}/users/me?x=1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'x-request-id': 'req-123' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('user');
    expect(await response.json()).toEqual({ echoed: '{"name":"Ada"}' });
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ method: 'PATCH', url: '/users/me?x=1', body: '{"name":"Ada"}' });
    expect(last.headers).toMatchObject({ authorization: 'Bearer t', 'x-request-id': 'req-123', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' });
  });

  it('passes upstream error statuses through and generates a request id when none is given', async () => {
    const response = await fetch(`${gateway.url}/users/missing`);
    expect(response.status).toBe(404);
    expect(seen.at(-1)!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('resolves dot segments before routing', async () => {
    // node:http sends the path as written (fetch would normalise it first).
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${gateway.url}/users/../payments`, { path: '/users/../payments' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .once('error', reject)
        .end();
    });
    expect(status).toBe(503); // routed as /payments (payment is down), never to user
  });

  it('answers unknown paths with the platform JSON 404', async () => {
    const response = await fetch(`${gateway.url}/nope?a=b`, { headers: { 'x-request-id': 'abc' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope' }, requestId: 'abc' });
  });

  it('serves its own liveness', async () => {
    const response = await fetch(`${gateway.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('returns 503 JSON when the upstream is down', async () => {
    const response = await fetch(`${gateway.url}/payments`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string }; requestId: string };
    expect(body.error.code).toBe('service_unavailable');
    expect(body.requestId).toEqual(expect.any(String));
  });
});

describe('gateway limits (JSON error body, never an empty answer or a reset)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    const deadPort = await freePort();
    gateway = await startGateway({ port: 0, upstreams: { user: `http://127.0.0.1:${deadPort}`, payment: `http://127.0.0.1:${deadPort}`, notification: `http://127.0.0.1:${deadPort}` } });
  });
  afterAll(() => gateway.close());

  const expectJsonError = (res: RawResponse, status: number, code: string) => {
    expect({ status: res.status, error: res.error, connection: res.headers.connection }).toEqual({ status, error: undefined, connection: 'close' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ error: { code, message: expect.any(String) }, requestId: expect.any(String) });
  };

  it.each([
    ['a request target over the URL limit', '414', rawGet(`/users?q=${'q'.repeat(MAX_URL_BYTES)}`), 'uri_too_long'],
    ['a request line over the header limit', '414', rawGet(`/users?q=${'q'.repeat(2 * MAX_HEADER_BYTES)}`), 'uri_too_long'],
    ['header fields over the header limit', '431', rawGet('/users', [`X-Big: ${'a'.repeat(MAX_HEADER_BYTES)}`]), 'headers_too_large'],
    ['a malformed request', '400', 'GET /users HTTP/1.1\r\nNo Colon Here\r\n\r\n', 'bad_request'],
  ])('%s → JSON %s', async (_label, status, request, code) => {
    expectJsonError(await rawRequest(gateway.url, request), Number(status), code);
  });
});

describe('gateway upstream connections', () => {
  /** Upstream that closes a kept-alive connection as its second request arrives (the keep-alive race). */
  let upstream: Server;
  let url: string;
  let gateway: Gateway;
  const seen: { method?: string; url?: string; connection: number; request: number }[] = [];
  let connections = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { n?: number; requests?: number };
      socket.requests = (socket.requests ?? 0) + 1;
      seen.push({ method: req.method, url: req.url, connection: socket.n!, request: socket.requests });
      if (socket.requests === 2) {
        socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ connection: socket.n })));
    });
    upstream.on('connection', (socket: { n?: number }) => (socket.n = ++connections));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });
  // A gateway per test: each starts with an empty connection pool.
  beforeEach(async () => {
    seen.length = 0;
    gateway = await startGateway({ port: 0, upstreams: { user: url, payment: url, notification: url } });
  });
  afterEach(() => gateway.close());

  it('retries an idempotent request once on a fresh connection when a reused one fails, and never reuses the failed one', async () => {
    const first = await fetch(`${gateway.url}/users/a`);
    expect(first.status).toBe(200);
    const { connection: pooled } = (await first.json()) as { connection: number };
    // Goes out on the pooled connection, which the upstream closes: retried on a new one.
    const second = await fetch(`${gateway.url}/users/b`, { method: 'DELETE' });
    expect(second.status).toBe(200);
    const { connection: fresh } = (await second.json()) as { connection: number };
    expect(fresh).not.toBe(pooled);
    expect(seen.filter((s) => s.url === '/users/b')).toEqual([
      { method: 'DELETE', url: '/users/b', connection: pooled, request: 2 },
      { method: 'DELETE', url: '/users/b', connection: fresh, request: 1 },
    ]);
    // The failed connection is gone from the pool: the next request opens another.
    const third = await fetch(`${gateway.url}/users/c`);
    expect(((await third.json()) as { connection: number }).connection).not.toBe(pooled);
  });

  it('does not retry a request that is not idempotent: 502 bad_gateway as JSON', async () => {
    expect((await fetch(`${gateway.url}/payments`, { method: 'POST', body: '{}' })).status).toBe(200);
    const res = await fetch(`${gateway.url}/payments`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: { code: 'bad_gateway', message: expect.any(String) }, requestId: expect.any(String) });
    expect(seen.map((s) => s.request)).toEqual([1, 2]);
  });
});
