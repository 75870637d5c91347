import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { paymentSucceededSchema } from '../../../services/kit/events';
import { hashRequest } from '../../../services/payment/idempotency';
import { expectErrorBody } from '../../support/http';
import { badPaymentRequests } from './bad-requests';
import { drainPaymentEvents, newKey, paymentBody, startPaymentService, type PaymentHandle } from './harness';

jest.setTimeout(30_000);

let svc: PaymentHandle;

beforeAll(async () => {
  svc = await startPaymentService();
}, 60_000);
afterAll(() => svc?.stop());

/** `key: null` sends no Idempotency-Key header. */
const post = (token: string, body: unknown, key: string | null = newKey()) =>
  svc.call('POST', '/payments', { token, body, headers: key === null ? {} : { 'idempotency-key': key } });

const idempotencyRecord = async (userId: string, key: string) =>
  (await svc.doc.send(new GetCommand({ TableName: svc.env.TABLE_IDEMPOTENCY_KEYS, Key: { key: `${userId}#${key}` } }))).Item;

describe('POST /payments', () => {
  it('creates a succeeded payment (201), readable by its owner, with one payment.succeeded event', async () => {
    const userId = randomUUID();
    const token = await svc.token(userId);
    const res = await post(token, paymentBody({ amount: 4200, currency: 'JPY', description: 'Order 17' }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId,
      status: 'succeeded',
      amount: 4200,
      currency: 'JPY',
      description: 'Order 17',
      createdAt: expect.any(String),
    });
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);

    const read = await svc.call('GET', `/payments/${res.body.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);

    const events = await drainPaymentEvents(svc.sqs, svc.env.QUEUE_EVENTS_URL);
    expect(events).toHaveLength(1);
    expect(paymentSucceededSchema.parse(events[0])).toMatchObject({
      source: 'payment',
      data: { paymentId: res.body.id, userId, amount: 4200, currency: 'JPY', description: 'Order 17' },
    });
  });

  it('requires a valid bearer token', async () => {
    expectErrorBody(await svc.call('POST', '/payments', { body: paymentBody(), headers: { 'idempotency-key': newKey() } }), 401, 'unauthorized');
    expectErrorBody(await post('not.a.jwt', paymentBody()), 401, 'unauthorized');
    expectErrorBody(await svc.call('GET', '/payments'), 401, 'unauthorized');
    expectErrorBody(await svc.call('GET', `/payments/${randomUUID()}`), 401, 'unauthorized');
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['with a space', 'a b'],
    ['non-ASCII', 'clé'],
    ['256 characters', 'k'.repeat(256)],
  ])('rejects an Idempotency-Key that is %s (400)', async (_label, key) => {
    const res = await post(await svc.token(), paymentBody(), key);
    expectErrorBody(res, 400, 'validation_failed');
  });

  it('accepts a 255-character key of visible ASCII', async () => {
    const key = `${'!~'.repeat(127)}z`;
    expect(key).toHaveLength(255);
    expect((await post(await svc.token(), paymentBody(), key)).status).toBe(201);
  });

  it.each([
    ['amount 0', { amount: 0, currency: 'EUR' }],
    ['a fractional amount', { amount: 10.5, currency: 'EUR' }],
    ['an amount over 10^9', { amount: 1_000_000_001, currency: 'EUR' }],
    ['a string amount', { amount: '100', currency: 'EUR' }],
    ['a lower-case currency', { amount: 100, currency: 'eur' }],
    ['an unknown currency', { amount: 100, currency: 'XXX' }],
    ['no currency', { amount: 100 }],
    ['a 501-character description', { amount: 100, currency: 'EUR', description: 'd'.repeat(501) }],
    ['an unknown field', { amount: 100, currency: 'EUR', status: 'refunded' }],
    ['a userId field', { amount: 100, currency: 'EUR', userId: 'someone-else' }],
  ])('rejects %s (400 validation_failed)', async (_label, body) => {
    expectErrorBody(await post(await svc.token(), body), 400, 'validation_failed');
  });

  it('accepts the bounds: amount 1 and 10^9, a 500-character description', async () => {
    const token = await svc.token();
    expect((await post(token, { amount: 1, currency: 'USD' })).status).toBe(201);
    expect((await post(token, { amount: 1_000_000_000, currency: 'CHF', description: 'd'.repeat(500) })).status).toBe(201);
  });
});

describe('idempotency', () => {
  it('replays the stored response for the same key and body, without a second payment', async () => {
    const userId = randomUUID();
    const token = await svc.token(userId);
    const key = newKey();
    const first = await post(token, paymentBody({ description: 'once' }), key);
    expect(first.status).toBe(201);
    // Same body, different JSON formatting and key order.
    const again = await svc.call('POST', '/payments', {
      token,
      raw: '{ "description": "once",  "currency": "EUR", "amount": 1999 }',
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const list = await svc.call('GET', '/payments', { token });
    expect(list.body.items).toHaveLength(1);
  });

  it('answers 422 for the same key with another body, and keeps the original', async () => {
    const token = await svc.token();
    const key = newKey();
    const first = await post(token, paymentBody(), key);
    expectErrorBody(await post(token, paymentBody({ amount: 2000 }), key), 422, 'idempotency_key_reused');
    expectErrorBody(await post(token, paymentBody({ description: 'x' }), key), 422, 'idempotency_key_reused');
    const replay = await post(token, paymentBody(), key);
    expect(replay.body.id).toBe(first.body.id);
  });

  it('scopes keys per user: the same key from two users makes two payments', async () => {
    const key = newKey();
    const a = await post(await svc.token(), paymentBody(), key);
    const b = await post(await svc.token(), paymentBody(), key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });

  it('50 concurrent requests with one key make exactly one payment; the rest replay it or get 409', async () => {
    const userId = randomUUID();
    const token = await svc.token(userId);
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 50 }, () => post(token, paymentBody({ amount: 777 }), key)));

    const created = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    const replayed = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === 'true');
    const inFlight = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(created.length + replayed.length + inFlight.length).toBe(50);
    for (const r of replayed) expect(r.body).toEqual(created[0]!.body);
    for (const r of inFlight) {
      expectErrorBody(r, 409, 'idempotency_key_in_flight');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }

    const list = await svc.call('GET', '/payments', { token });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([created[0]!.body.id]);
    // A later retry is a replay.
    const later = await post(token, paymentBody({ amount: 777 }), key);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(later.body.id).toBe(created[0]!.body.id);
  });

  it('answers 409 while another request holds the key, and lets a retry proceed once a crashed lock expired', async () => {
    const userId = randomUUID();
    const token = await svc.token(userId);
    const key = newKey();
    const body = paymentBody({ amount: 31337 });
    // What a task that crashed mid-request leaves behind: an in-flight record with a live lock.
    await svc.doc.send(
      new PutCommand({
        TableName: svc.env.TABLE_IDEMPOTENCY_KEYS,
        Item: {
          key: `${userId}#${key}`,
          status: 'in_flight',
          requestHash: hashRequest([body.amount, body.currency, null]),
          lockToken: 'crashed-task',
          lockedUntil: Date.now() + 60_000,
          expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        },
      }),
    );
    const blocked = await post(token, body, key);
    expectErrorBody(blocked, 409, 'idempotency_key_in_flight');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(50);
    // Another body than the one in flight is a reuse of the key.
    expectErrorBody(await post(token, paymentBody({ amount: 1 }), key), 422, 'idempotency_key_reused');

    // The lock lapses (the crashed task never comes back): the retry takes the key over.
    await svc.doc.send(
      new UpdateCommand({
        TableName: svc.env.TABLE_IDEMPOTENCY_KEYS,
        Key: { key: `${userId}#${key}` },
        UpdateExpression: 'SET lockedUntil = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1 },
      }),
    );
    const retried = await post(token, body, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const record = await idempotencyRecord(userId, key);
    expect(record).toMatchObject({ status: 'completed', responseStatus: 201, requestHash: hashRequest([31337, 'EUR', null]) });
    expect(record!.lockToken).toBeUndefined();
    // Remembered for 24 h from completion.
    expect(record!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
    expect(record!.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 86_400 + 5);
  });

  it('treats a record past its TTL as absent even before DynamoDB deletes it', async () => {
    const userId = randomUUID();
    const token = await svc.token(userId);
    const key = newKey();
    const first = await post(token, paymentBody(), key);
    await svc.doc.send(
      new UpdateCommand({
        TableName: svc.env.TABLE_IDEMPOTENCY_KEYS,
        Key: { key: `${userId}#${key}` },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const second = await post(token, paymentBody({ amount: 1 }), key);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.id).not.toBe(first.body.id);
  });
});


describe('GET /payments/:id', () => {
  it('is owner only: 404 for another user, an unknown id and a non-uuid id', async () => {
    const owner = await svc.token();
    const created = await post(owner, paymentBody());
    const other = svc.call('GET', `/payments/${created.body.id}`, { token: await svc.token() });
    expectErrorBody(await other, 404, 'not_found');
    expectErrorBody(await svc.call('GET', `/payments/${randomUUID()}`, { token: owner }), 404, 'not_found');
    expectErrorBody(await svc.call('GET', `/payments/${'x'.repeat(3000)}`, { token: owner }), 404, 'not_found');
    // Another user's list does not show it either.
    const list = await svc.call('GET', '/payments', { token: await svc.token() });
    expect(list.body).toEqual({ items: [], nextCursor: null });
  });
});

describe('GET /payments', () => {
  it('pages 45 payments newest first with an opaque cursor: no duplicates, no gaps, no empty last page', async () => {
    const token = await svc.token();
    const made: { id: string; createdAt: string }[] = [];
    for (let i = 0; i < 45; i++) {
      const res = await post(token, paymentBody({ amount: i + 1 }));
      expect(res.status).toBe(201);
      made.push(res.body);
    }
    const pages: { id: string; createdAt: string; amount: number }[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
      const res = await svc.call('GET', `/payments${query}`, { token });
      expect(res.status).toBe(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 5]);
    const seen = pages.flat();
    expect(new Set(seen.map((p) => p.id)).size).toBe(45);
    // Newest first: creation order reversed (amount i+1 was created i-th).
    expect(seen.map((p) => p.amount)).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));
    const times = seen.map((p) => p.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('defaults to 20 per page', async () => {
    const token = await svc.token();
    await Promise.all(Array.from({ length: 21 }, () => post(token, paymentBody())));
    const res = await svc.call('GET', '/payments', { token });
    expect(res.body.items).toHaveLength(20);
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  it.each(['0', '101', '-1', 'abc', '1.5', ''])('rejects limit=%p (400)', async (limit) => {
    expectErrorBody(await svc.call('GET', `/payments?limit=${limit}`, { token: await svc.token() }), 400, 'validation_failed');
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a cursor of the wrong shape', Buffer.from(JSON.stringify({ id: 1 })).toString('base64url')],
    ['a cursor with extra keys', Buffer.from(JSON.stringify({ id: randomUUID(), createdAt: new Date().toISOString(), userId: 'x' })).toString('base64url')],
    ['an oversized cursor', 'A'.repeat(5000)],
  ])('rejects %s (400 invalid_cursor)', async (_label, cursor) => {
    const res = await svc.call('GET', `/payments?cursor=${encodeURIComponent(cursor)}`, { token: await svc.token() });
    expectErrorBody(res, 400, 'invalid_cursor');
  });

  it("cannot read another user's payments with their cursor (the user comes from the token)", async () => {
    const alice = await svc.token();
    for (let i = 0; i < 3; i++) await post(alice, paymentBody());
    const page = await svc.call('GET', '/payments?limit=1', { token: alice });
    const res = await svc.call('GET', `/payments?limit=10&cursor=${page.body.nextCursor}`, { token: await svc.token() });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});

describe('hostile input', () => {
  it('answers >= 200 generated bad bodies and headers with 4xx error bodies, never a 5xx', async () => {
    const token = await svc.token();
    const statuses = new Map<number, number>();
    let count = 0;
    for (const bad of badPaymentRequests(240)) {
      const res = await svc.call('POST', '/payments', { token, raw: bad.raw, headers: bad.headers });
      count += 1;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 || res.status < 400) throw new Error(`${bad.label} → ${res.status} ${JSON.stringify(res.body)}`);
      expectErrorBody(res, res.status);
    }
    expect(count).toBeGreaterThanOrEqual(200);
    // The generator covers every rejection path.
    expect([...statuses.keys()].sort()).toEqual([400, 413, 415]);
    // None of it created anything.
    expect((await svc.call('GET', '/payments', { token })).body.items).toEqual([]);
  });
});

describe('contract', () => {
  it('publishes the routes, the Idempotency-Key header and bearer auth in /openapi.json', async () => {
    const res = await svc.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const { paths } = res.body;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/payments', '/payments/{id}']));
    expect(paths['/payments'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true })]),
    );
    expect(paths['/payments'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(paths['/payments'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409', '422']));
    expect(paths['/payments'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit']);
  });

  it('answers unknown routes with the JSON 404 body', async () => {
    expectErrorBody(await svc.call('DELETE', `/payments/${randomUUID()}`, { token: await svc.token() }), 404, 'not_found');
  });
});
