/**
 * The transactional outbox for real: SQS (a private fauxqs instance) goes away while payments
 * keep succeeding, comes back, and every event arrives exactly once; two relays (two tasks)
 * share one outbox without sending an item twice.
 */
import { randomUUID } from 'node:crypto';
import { startSqs, type SqsEngine } from '../../../scripts/engines';
import { DynamoOutbox } from '../../../services/payment/outbox';
import { testEngines } from '../../support/namespace';
import { drainPaymentEvents, eventually, newKey, paymentBody, startPaymentService, type PaymentHandle } from './harness';

jest.setTimeout(120_000);

const FAST_RELAY = { OUTBOX_POLL_INTERVAL_MS: '200', OUTBOX_MAX_BACKOFF_MS: '1000' };

let sqsEngine: SqsEngine;
let svc: PaymentHandle;
let outbox: DynamoOutbox;

beforeAll(async () => {
  sqsEngine = await startSqs();
  svc = await startPaymentService({ engines: { ...testEngines(), sqs: sqsEngine }, overrides: FAST_RELAY });
  outbox = new DynamoOutbox(svc.doc, svc.env.TABLE_PAYMENT_OUTBOX!, { leaseMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await sqsEngine?.destroy();
});

const pay = (token: string, amount: number) =>
  svc.call('POST', '/payments', { token, body: paymentBody({ amount }), headers: { 'idempotency-key': newKey() } });

/** Sends `count` payments, 10 at a time, returning the created ids. */
const payMany = async (token: string, count: number, call = pay): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => call(token, i + j + 1)));
    for (const res of batch) {
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
  }
  return ids;
};

/**
 * Every payment's event arrived, each payment under exactly one event id. A copy of an event can
 * arrive too: on a starved machine the SDK retries a SendMessageBatch whose response came too
 * late although SQS had taken it. That is the outbox's documented at-least-once delivery, and
 * consumers drop the copy by event id. That two relays never claim the same item is asserted
 * without timing in stores.test.ts ("competing relays never claim the same item").
 */
const expectEveryEvent = (events: { id: string; data: { paymentId: string } }[], ids: string[]) => {
  const eventIds = new Map<string, Set<string>>();
  for (const e of events) eventIds.set(e.data.paymentId, (eventIds.get(e.data.paymentId) ?? new Set()).add(e.id));
  expect([...eventIds.keys()].sort()).toEqual([...ids].sort());
  expect([...eventIds.values()].filter((idsOfOnePayment) => idsOfOnePayment.size !== 1)).toEqual([]);
};

it('keeps taking payments while SQS is down and delivers every event after it returns', async () => {
  await sqsEngine.stop();
  const token = await svc.token(randomUUID());
  const ids = await payMany(token, 100);
  // Readiness ignores SQS on purpose: the outbox absorbs the outage. (Waited for, not sampled: on a
  // busy machine another check may miss its 1 s timeout once.)
  await eventually('readiness 200 while SQS is down', async () => (await svc.call('GET', '/health/ready')).status === 200, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the relay fail a few rounds
  expect(await outbox.pendingCount()).toBe(100);

  await sqsEngine.start();
  await eventually('the outbox to drain', async () => (await outbox.pendingCount()) === 0, 60_000);
  expectEveryEvent(await drainPaymentEvents(svc.sqs, svc.env.QUEUE_EVENTS_URL!), ids);
});

it('two tasks relaying one outbox deliver every event', async () => {
  const replica = await svc.startReplica();
  const viaReplica = (token: string, amount: number) =>
    fetch(`${replica.url}/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': newKey() },
      body: JSON.stringify(paymentBody({ amount })),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { id: string } }));
  const token = await svc.token(randomUUID());
  // Interleaved on both tasks, so both relays are kicked and scan the same items.
  const [a, b] = await Promise.all([payMany(token, 60), payMany(token, 60, viaReplica as typeof pay)]);
  await eventually('the outbox to drain', async () => (await outbox.pendingCount()) === 0, 60_000);
  expectEveryEvent(await drainPaymentEvents(svc.sqs, svc.env.QUEUE_EVENTS_URL!), [...a, ...b]);
});
