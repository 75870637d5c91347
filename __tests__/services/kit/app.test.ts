import { createRoute, z } from '@hono/zod-openapi';
import { createApp, SECURITY_HEADERS, writeGuard } from '../../../services/kit/app';
import { listen, type HttpServer } from '../../../services/kit/server';
import { notFound } from '../../../services/kit/errors';
import { errorResponses, jsonBody, jsonResponse } from '../../../services/kit/openapi';
import { decodeCursor, encodeCursor } from '../../../services/kit/pagination';
import { captureLogger } from './helpers';

/** /slow handlers that ran to completion: a 504 must not have waited for one. */
let slowHandlersDone = 0;

const Item = z.strictObject({ name: z.string().min(1), qty: z.number().int().positive() }).openapi('Item');

const buildApp = (opts: { checks?: Parameters<typeof createApp>[0]['checks']; shuttingDown?: boolean; slowRequestMs?: number } = {}) => {
  const log = captureLogger();
  const app = createApp({
    serviceName: 'kit-test',
    logger: log.logger,
    checks: opts.checks,
    isShuttingDown: () => opts.shuttingDown ?? false,
    slowRequestMs: opts.slowRequestMs,
  });
  app.get('/fast', (c) => c.json({ ok: true }));
  app.get('/framed', (c) => c.json({ ok: true }, 200, { 'X-Frame-Options': 'DENY' }));
  app.get('/logs', (c) => {
    c.var.logger.warn({ password: 'hunter2' }, 'handler line');
    return c.json({ ok: true });
  });
  app.get('/sleepy', async (c) => {
    await new Promise((r) => setTimeout(r, 30));
    return c.json({ ok: true });
  });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/items',
      middleware: [writeGuard({ maxBodyBytes: 256, timeoutMs: 200 })] as const,
      request: { body: jsonBody(Item) },
      responses: { 201: jsonResponse(Item, 'Created'), ...errorResponses(400, 413, 415) },
    }),
    (c) => c.json(c.req.valid('json'), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/items/{id}',
      request: { params: z.object({ id: z.uuid() }), query: z.object({ cursor: z.string().optional() }) },
      responses: { 200: jsonResponse(Item, 'The item'), ...errorResponses(400, 404) },
    }),
    (c) => {
      const { cursor } = c.req.valid('query');
      if (cursor) decodeCursor(cursor, z.object({ after: z.string() }));
      throw notFound('No such item');
    },
  );
  app.post('/slow', writeGuard({ timeoutMs: 100 }), async (c) => {
    await new Promise((r) => setTimeout(r, 1000).unref());
    slowHandlersDone++;
    return c.json({ late: true });
  });
  app.get('/boom', () => {
    throw new Error('secret internals at /srv/app.ts:12');
  });
  return { app, log };
};

const post = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  ({ method: 'POST', body, headers }) as RequestInit;

const expectErrorBody = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; details?: unknown[] }; requestId: string };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
};

describe('createApp: error bodies', () => {
  const { app, log } = buildApp();

  it('404 for an unknown route is the JSON error body', async () => {
    await expectErrorBody(await app.request('/nope'), 404, 'not_found');
  });

  it('HttpError keeps its status and message', async () => {
    const body = await expectErrorBody(await app.request('/items/0b5b3b0e-4a4f-4f0e-9a7c-1f2a3b4c5d6e'), 404, 'not_found');
    expect(body.error.message).toBe('No such item');
  });

  it('zod failures → 400 validation_failed with details [{path, message}]', async () => {
    const body = await expectErrorBody(await app.request('/items', post(JSON.stringify({ name: '', qty: 1.5 }))), 400, 'validation_failed');
    expect(body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'name' }), expect.objectContaining({ path: 'qty' })]),
    );
  });

  it('unknown fields are rejected by strict schemas', async () => {
    const body = await expectErrorBody(await app.request('/items', post(JSON.stringify({ name: 'a', qty: 1, admin: true }))), 400, 'validation_failed');
    expect(JSON.stringify(body.error.details)).toContain('admin');
  });

  it('invalid path params and bad cursors are 400s', async () => {
    await expectErrorBody(await app.request('/items/not-a-uuid'), 400, 'validation_failed');
    await expectErrorBody(await app.request('/items/0b5b3b0e-4a4f-4f0e-9a7c-1f2a3b4c5d6e?cursor=%%%'), 400, 'invalid_cursor');
    const wrongShape = encodeCursor({ before: 1 });
    await expectErrorBody(await app.request(`/items/0b5b3b0e-4a4f-4f0e-9a7c-1f2a3b4c5d6e?cursor=${wrongShape}`), 400, 'invalid_cursor');
  });

  it('malformed JSON → 400 malformed_json', async () => {
    await expectErrorBody(await app.request('/items', post('{"name": "a",')), 400, 'malformed_json');
  });

  it('wrong or missing content type → 415', async () => {
    await expectErrorBody(await app.request('/items', post('name=a', { 'content-type': 'application/x-www-form-urlencoded' })), 415, 'unsupported_media_type');
    await expectErrorBody(await app.request('/items', post('{"name":"a","qty":1}', {})), 415, 'unsupported_media_type');
  });

  it('no body at all on a required-body route → 400, not a handler call with {}', async () => {
    await expectErrorBody(await app.request('/items', { method: 'POST', headers: { 'content-type': 'application/json' } }), 400, 'malformed_json');
  });

  it('unexpected errors → 500 internal, logged, no stack or message in the body', async () => {
    const res = await app.request('/boom');
    const body = await expectErrorBody(res, 500, 'internal');
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/secret internals|\.ts:|at /);
    const logged = log.lines().find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({ requestId: body.requestId, level: 'error' });
  });

  it('honours a sane X-Request-Id and replaces an unsafe one', async () => {
    const ok = await app.request('/nope', { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const bad = await app.request('/nope', { headers: { 'x-request-id': 'a b"<script>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets secure headers on every response', async () => {
    for (const path of ['/nope', '/fast', '/boom', '/health/live']) {
      const res = await app.request(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeTruthy();
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });
});

describe('createApp: access log (ADR 0005)', () => {
  const { app, log } = buildApp({ slowRequestMs: 20 });
  const accessLines = (requestId: string) => log.lines().filter((l) => l.msg === 'request' && l.requestId === requestId);

  it('one info line for a non-2xx response', async () => {
    await app.request('/nope', { headers: { 'x-request-id': 'log-me' } });
    const access = accessLines('log-me');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', path: '/nope', status: 404, service: 'kit-test', level: 'info' });
    expect(typeof access[0]!.durationMs).toBe('number');
  });

  it('fast successful reads and health probes at debug; writes and slow reads at info', async () => {
    await app.request('/fast', { headers: { 'x-request-id': 'fast-read' } });
    await app.request('/health/live', { headers: { 'x-request-id': 'probe' } });
    await app.request('/items', { ...post(JSON.stringify({ name: 'a', qty: 1 })), headers: { 'content-type': 'application/json', 'x-request-id': 'a-write' } });
    await app.request('/sleepy', { headers: { 'x-request-id': 'slow-read' } });
    expect(accessLines('fast-read')).toEqual([expect.objectContaining({ level: 'debug', status: 200, path: '/fast' })]);
    expect(accessLines('probe')).toEqual([expect.objectContaining({ level: 'debug', status: 200 })]);
    expect(accessLines('a-write')).toEqual([expect.objectContaining({ level: 'info', status: 201, method: 'POST' })]);
    expect(accessLines('slow-read')).toEqual([expect.objectContaining({ level: 'info', status: 200 })]);
  });

  it('handler logs through c.var.logger carry the request id and are redacted', async () => {
    await app.request('/logs', { headers: { 'x-request-id': 'handler-logs' } });
    const line = log.lines().find((l) => l.msg === 'handler line');
    expect(line).toMatchObject({ requestId: 'handler-logs', level: 'warn', password: '[redacted]', service: 'kit-test' });
  });
});

// The same guarantees through the kit's HTTP server, where the headers go onto the Node response.
describe('createApp on a real server', () => {
  const { app, log } = buildApp();
  let server: HttpServer;
  beforeAll(async () => {
    server = await listen(app.fetch, { port: 0, hostname: '127.0.0.1' });
  });
  afterAll(() => server.close(1000));

  const expectSecurityHeaders = (res: Response) => {
    for (const [name, value] of SECURITY_HEADERS) expect([name, res.headers.get(name)]).toEqual([name, value]);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  };

  it('secure headers and X-Request-Id on successes, errors, 404s and health endpoints', async () => {
    const ok = await fetch(`${server.url}/fast`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    expect(await ok.json()).toEqual({ ok: true });
    expectSecurityHeaders(ok);
    for (const [path, status, code] of [['/nope', 404, 'not_found'], ['/boom', 500, 'internal'], ['/items/not-a-uuid', 400, 'validation_failed']] as const) {
      const res = await fetch(`${server.url}${path}`);
      expectSecurityHeaders(res);
      await expectErrorBody(res, status, code);
    }
    const bad = await fetch(`${server.url}/items`, post('{"name": "a",'));
    expectSecurityHeaders(bad);
    await expectErrorBody(bad, 400, 'malformed_json');
    for (const path of ['/health/live', '/health/ready']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expectSecurityHeaders(res);
    }
  });

  it('honours a sane X-Request-Id, replaces an unsafe one, and logs with it', async () => {
    const ok = await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    expect((await ok.json()) as unknown).toMatchObject({ requestId: 'abc-123' });
    expect(log.lines().filter((l) => l.msg === 'request' && l.requestId === 'abc-123')).toEqual([
      expect.objectContaining({ level: 'info', status: 404, path: '/nope' }),
    ]);
    const bad = await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'a b"<script>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'x'.repeat(256) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a header the handler sets itself wins, once, on Node and under app.request alike', async () => {
    for (const res of [await fetch(`${server.url}/framed`), await app.request('/framed')]) {
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('writeGuard', () => {
  const { app } = buildApp();

  it('413 payload_too_large over the limit (declared length)', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(300), qty: 1 });
    await expectErrorBody(await app.request('/items', post(big)), 413, 'payload_too_large');
  });

  it('413 for a chunked body without Content-Length too', async () => {
    const chunks = [new TextEncoder().encode('{"name":"'), new TextEncoder().encode('y'.repeat(400)), new TextEncoder().encode('","qty":1}')];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    const req = new Request('http://local/items', { method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    await expectErrorBody(await app.request(req), 413, 'payload_too_large');
  });

  it('passes bodies under the limit', async () => {
    const res = await app.request('/items', post(JSON.stringify({ name: 'ok', qty: 2 })));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'ok', qty: 2 });
  });

  it('504 timeout when the handler is too slow, without waiting for it', async () => {
    const done = slowHandlersDone;
    await expectErrorBody(await app.request('/slow', { method: 'POST' }), 504, 'timeout');
    expect(slowHandlersDone).toBe(done);
  });
});

describe('health', () => {
  it('live is always 200; ready is 200 when every check passes', async () => {
    const { app } = buildApp({ checks: [{ name: 'db', check: async () => 'ok' }] });
    expect((await app.request('/health/live')).status).toBe(200);
    const res = await app.request('/health/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: [{ name: 'db' }] });
  });

  it('ready is 503 naming the failing and the hanging check, within the timeout, concurrently', async () => {
    // Each of these two passes only once the other has started: run one after the other, the
    // first would time out.
    let aStarted!: () => void;
    let bStarted!: () => void;
    const a = new Promise<void>((resolve) => (aStarted = resolve));
    const b = new Promise<void>((resolve) => (bStarted = resolve));
    const { app } = buildApp({
      checks: [
        { name: 'a', check: async () => (aStarted(), await b), timeoutMs: 300 },
        { name: 'b', check: async () => (bStarted(), await a), timeoutMs: 300 },
        { name: 'db', check: async () => 'ok' },
        { name: 'cache', check: async () => Promise.reject(new Error('ECONNREFUSED')) },
        { name: 'queue', check: () => new Promise(() => undefined), timeoutMs: 300 },
        { name: 'table', check: () => new Promise(() => undefined), timeoutMs: 300 },
      ],
    });
    const started = Date.now();
    const res = await app.request('/health/ready');
    const elapsed = Date.now() - started;
    const body = await expectErrorBody(res, 503, 'not_ready');
    expect(body.error.details).toEqual([
      { check: 'cache', error: 'ECONNREFUSED' },
      { check: 'queue', error: 'queue timed out after 300 ms' },
      { check: 'table', error: 'table timed out after 300 ms' },
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
  });

  it('ready is 503 shutting_down while the service drains', async () => {
    const { app } = buildApp({ shuttingDown: true });
    await expectErrorBody(await app.request('/health/ready'), 503, 'shutting_down');
    expect((await app.request('/health/live')).status).toBe(200);
  });
});

describe('openapi', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const { app } = buildApp();
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: { required?: boolean } }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/items']!.post!.requestBody?.required).toBe(true);
    expect(Object.keys(doc.paths['/items']!.post!.responses)).toEqual(expect.arrayContaining(['201', '400', '413', '415']));
    expect(doc.paths['/items/{id}']!.get).toBeDefined();
    expect(doc.components.schemas).toHaveProperty('Item');
    expect(doc.components.schemas).toHaveProperty('ErrorBody');
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
  });
});
