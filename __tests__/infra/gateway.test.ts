/**
 * The local gateway routes like the ALB listener rules the infrastructure derives from the
 * catalog, and proxies for real (node:http upstreams, no mocks).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { matchRoute, pathPatternToRegExp, startGateway, type Gateway } from '../../scripts/gateway';
import { freePort } from '../../scripts/engines/process';
import { catalog, type Catalog } from '../../services/catalog';

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
