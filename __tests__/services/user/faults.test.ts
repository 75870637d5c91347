/**
 * Real faults on private engine instances: Redis killed mid-run, the SQS endpoint taken away
 * during registrations. Nothing is mocked.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startRedis, startSqs, sqsClient, type RedisEngine, type SqsEngine } from '../../../scripts/engines';
import { testEngines } from '../../support/namespace';
import { startUserService, type UserServiceHandle } from './harness';
import { client, newUserBody, registerAndLogin } from '../../support/http';

jest.setTimeout(90_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const eventually = async (what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(200);
  }
};

describe('Redis stopped mid-run', () => {
  let redis: RedisEngine;
  let svc: UserServiceHandle;
  beforeAll(async () => {
    redis = await startRedis();
    svc = await startUserService({ engines: { ...testEngines(), redis } });
  });
  afterAll(async () => {
    await svc?.stop();
    await redis?.destroy();
  });

  // How fast reads stay while Redis is down (the breaker spares them the client's timeout) is a
  // speed figure, measured by the benchmarks; on a busy machine any bound here would be a coin toss.
  it('keeps answering reads from PostgreSQL, stays ready, and uses the cache again once Redis is back', async () => {
    const call = client(svc.url);
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expect((await call('GET', url, { token: a.token })).status).toBe(200); // cached

    await redis.stop();
    const reads = [];
    for (let i = 0; i < 40; i++) reads.push(await call('GET', i % 2 ? url : '/users/me', { token: a.token }));
    expect(reads.map((r) => r.status)).toEqual(reads.map(() => 200));
    // Redis is a cache: its outage does not make the task unready. (Waited for, not sampled: on a
    // busy machine the database check may miss its 1 s timeout once.)
    await eventually('readiness 200 while Redis is down', async () => (await call('GET', '/health/ready')).status === 200, 20_000);
    // Writes work too (the invalidation fails fast).
    const patched = await call('PATCH', url, { token: a.token, body: { name: 'During outage' } });
    expect(patched.status).toBe(200);
    expect((await call('GET', url, { token: a.token })).body.name).toBe('During outage');

    await redis.start();
    // After the breaker's cool-down and the reconnect, a read fills the cache again: a change made
    // behind the cache becomes invisible.
    await eventually(
      'the cache to serve again',
      async () => {
        const marker = `behind-${Date.now()}`;
        await call('GET', url, { token: a.token }); // fill (if Redis is in use again)
        await sleep(50);
        await svc.sql('UPDATE users SET name = $2 WHERE id = $1', [a.user.id, marker]);
        const served = (await call('GET', url, { token: a.token })).body.name;
        await svc.sql(`UPDATE users SET name = 'During outage' WHERE id = $1`, [a.user.id]);
        return served !== marker;
      },
      20_000,
    );
  });
});

describe('SQS stopped during registrations', () => {
  let sqs: SqsEngine;
  let svc: UserServiceHandle;
  beforeAll(async () => {
    sqs = await startSqs();
    svc = await startUserService({ engines: { ...testEngines(), sqs } });
  });
  afterAll(async () => {
    await svc?.stop();
    await sqs?.destroy();
  });

  /** Receives (and deletes) everything on the queue until it stays empty. */
  const drainQueue = async (): Promise<string[]> => {
    const consumer = sqsClient(sqs.endpoint);
    const bodies: string[] = [];
    try {
      for (let empty = 0; empty < 3; ) {
        const out = await consumer.send(
          new ReceiveMessageCommand({ QueueUrl: svc.env.QUEUE_EVENTS_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) {
          empty++;
          continue;
        }
        empty = 0;
        bodies.push(...messages.map((m) => m.Body!));
        await consumer.send(
          new DeleteMessageBatchCommand({
            QueueUrl: svc.env.QUEUE_EVENTS_URL,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    } finally {
      consumer.destroy();
    }
    return bodies;
  };

  const pendingRows = async () =>
    (await svc.sql('SELECT count(*)::int AS n, coalesce(max(attempts), 0) AS attempts FROM outbox WHERE sent_at IS NULL')).rows[0] as {
      n: number;
      attempts: number;
    };

  it('creates the users, delivers every event once SQS is back, exactly one per user', async () => {
    const call = client(svc.url);
    const register = async () => {
      const res = await call('POST', '/users', { body: newUserBody() });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };

    const before = [await register(), await register()]; // normal path, SQS up
    await eventually('the first events to be sent', async () => (await pendingRows()).n === 0, 10_000);

    await sqs.stop();
    // One after the other: twelve concurrent scrypt hashes can outlast the 5 s write timeout on a
    // busy 2-core machine (504), and concurrency is not what this test is about.
    const during: string[] = [];
    for (let i = 0; i < 12; i++) during.push(await register());
    // The relay keeps trying (and failing) while SQS is away; nothing is marked sent.
    await eventually('a failed send attempt', async () => (await pendingRows()).attempts >= 1, 10_000);
    await sleep(1500);
    expect((await pendingRows()).n).toBe(during.length);
    const { rows } = await svc.sql('SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL LIMIT 1');
    expect(rows[0]?.last_error).toBeTruthy();

    await sqs.start();
    await eventually('the backlog to drain', async () => (await pendingRows()).n === 0, 45_000);

    const events = (await drainQueue()).map((b) => JSON.parse(b));
    const perUser = new Map<string, number>();
    for (const e of events) {
      expect(e).toMatchObject({ type: 'user.registered', version: 1, source: 'user' });
      perUser.set(e.data.userId, (perUser.get(e.data.userId) ?? 0) + 1);
    }
    const expected = [...before, ...during];
    expect([...perUser.keys()].sort()).toEqual([...expected].sort());
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});
