import { createRoute, z } from '@hono/zod-openapi';
import { createApp, writeGuard } from '../../../services/kit/app';
import { notFound } from '../../../services/kit/errors';
import { errorResponses, jsonBody, jsonResponse } from '../../../services/kit/openapi';
import { decodeCursor, encodeCursor } from '../../../services/kit/pagination';
import { captureLogger } from './helpers';

const Item = z.strictObject({ name: z.string().min(1), qty: z.number().int().positive() }).openapi('Item');

const buildApp = (opts: { checks?: Parameters<typeof createApp>[0]['checks']; shuttingDown?: boolean } = {}) => {
  const log = captureLogger();
  const app = createApp({ serviceName: 'kit-test', logger: log.logger, checks: opts.checks, isShuttingDown: () => opts.shuttingDown ?? false });
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

  it('sets secure headers and writes one access-log line per request', async () => {
    const res = await app.request('/nope', { headers: { 'x-request-id': 'log-me' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    const access = log.lines().filter((l) => l.msg === 'request' && l.requestId === 'log-me');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', path: '/nope', status: 404, service: 'kit-test', level: 'info' });
    expect(typeof access[0]!.durationMs).toBe('number');
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
    const started = Date.now();
    await expectErrorBody(await app.request('/slow', { method: 'POST' }), 504, 'timeout');
    expect(Date.now() - started).toBeLessThan(800);
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
    const { app } = buildApp({
      checks: [
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
    expect(elapsed).toBeLessThan(550); // concurrent: not 600 ms
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
