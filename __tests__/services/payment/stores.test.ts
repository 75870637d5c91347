/**
 * The idempotency and outbox stores on DynamoDB Local, with injected clocks to force the
 * interleavings HTTP tests cannot: a commit after its lock was taken over, competing relays,
 * a relay that died holding a lease.
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createPaymentCommand } from '../../../services/payment/create-payment';
import { IdempotencyStore } from '../../../services/payment/idempotency';
import { DynamoOutbox } from '../../../services/payment/outbox';
import { PaymentRepository, BY_USER_INDEX } from '../../../services/payment/payments';
import { provisionTestNamespace } from '../../support/namespace';

jest.setTimeout(30_000);

const LOCK_MS = 10_000;
const LEASE_MS = 30_000;

let env: Record<string, string>;
let dynamo: ReturnType<typeof createDynamo>;

beforeAll(async () => {
  env = (await provisionTestNamespace()).env.payment!;
  // Generous timeouts: these tests are about interleavings, not a loaded machine's latency.
  dynamo = createDynamo(
    { AWS_REGION: env.AWS_REGION!, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT }, { connectionTimeoutMs: 5000, requestTimeoutMs: 10_000 });
}, 60_000);
afterAll(() => dynamo?.client.destroy());

/** One task's view of the stores, on its own clock. */
const task = (doc: DynamoDBDocumentClient, now: () => number) => {
  const payments = new PaymentRepository(dynamo.doc, env.TABLE_PAYMENTS!);
  const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS, now });
  const idempotency = new IdempotencyStore(doc, env.TABLE_IDEMPOTENCY_KEYS!, { lockMs: LOCK_MS, ttlSeconds: 86_400, now });
  const create = createPaymentCommand({ doc, payments, outbox, idempotency, source: 'payment', onCommitted: () => undefined, now });
  return { create, outbox };
};

const paymentsOf = async (userId: string) =>
  (
    await dynamo.doc.send(
      new QueryCommand({
        TableName: env.TABLE_PAYMENTS,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    )
  ).Items ?? [];

it('a request whose lock was taken over while it stalled does not commit, and answers with the winner', async () => {
  const userId = randomUUID();
  const key = 'stalled';
  const input = { amount: 100, currency: 'EUR' as const };
  // The retry's clock runs LOCK_MS ahead of real time, so whenever the stalled task took the
  // lock (a loaded machine can take long before it does), that lock has lapsed for the retry.
  const winner = task(dynamo.doc, () => Date.now() + LOCK_MS + 1);
  let winnerOutcome: Awaited<ReturnType<typeof winner.create>> | undefined;
  // The slow task's client: just before its transaction goes out, the lock lapses and the
  // retry (on another task, LOCK_MS later) takes the key over and commits.
  const stalledDoc = {
    send: async (command: unknown) => {
      if (command instanceof TransactWriteCommand && !winnerOutcome) winnerOutcome = await winner.create(userId, key, input);
      return dynamo.doc.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;

  const stalled = await task(stalledDoc, Date.now).create(userId, key, input);
  expect(winnerOutcome?.kind).toBe('created');
  const winnerPayment = winnerOutcome!.kind === 'created' ? winnerOutcome!.payment : undefined;
  expect(stalled).toEqual({ kind: 'replay', response: { status: 201, body: winnerPayment } });
  expect((await paymentsOf(userId)).map((p) => p.id)).toEqual([winnerPayment!.id]);
});

describe('outbox claims', () => {
  const seed = async (count: number): Promise<string[]> => {
    const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS });
    const ids = Array.from({ length: count }, () => randomUUID());
    for (const id of ids) {
      await dynamo.doc.send(new TransactWriteCommand({ TransactItems: [outbox.putItem({ id, type: 'payment.succeeded', body: `{"id":"${id}"}` })] }));
    }
    return ids;
  };
  /** Sends everything, leased or not (a clock past every lease). */
  const drainAll = async () => {
    const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS, now: () => Date.now() + 10 * LEASE_MS });
    for (let items = await outbox.claim(100); items.length > 0; items = await outbox.claim(100)) await outbox.markSent(items.map((i) => i.id));
  };
  beforeEach(drainAll);

  it('competing relays never claim the same item', async () => {
    const ids = await seed(30);
    const relays = Array.from({ length: 4 }, () => new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS }));
    const claims = await Promise.all(relays.map((r) => r.claim(100)));
    const claimed = claims.flat().map((i) => i.id);
    expect(claimed.sort()).toEqual([...ids].sort()); // each exactly once, none missing
    await relays[0]!.markSent(claimed);
    expect(await relays[0]!.pendingCount()).toBe(0);
  });

  it('hands back the traceparent stored with an event and reports when the oldest unsent one was written', async () => {
    const written = Date.now() - 90_000;
    const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS, now: () => written });
    expect(await outbox.oldestUnsentAt()).toBeUndefined();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const [traced, plain] = [randomUUID(), randomUUID()];
    await dynamo.doc.send(
      new TransactWriteCommand({
        TransactItems: [outbox.putItem({ id: traced, type: 'payment.succeeded', body: '{}', traceparent }), outbox.putItem({ id: plain, type: 'payment.succeeded', body: '{}' })],
      }),
    );
    expect((await outbox.oldestUnsentAt())?.getTime()).toBe(written);
    const claimed = await new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS }).claim(10);
    expect(Object.fromEntries(claimed.map((i) => [i.id, i.traceparent]))).toEqual({ [traced]: traceparent, [plain]: undefined });
  });

  it('a lapsed lease (relay died) is claimed again; a failed send is released at once', async () => {
    const [id] = await seed(1);
    const dead = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS });
    expect((await dead.claim(10)).map((i) => i.id)).toEqual([id]);
    expect(await dead.claim(10)).toEqual([]); // leased

    const afterLease = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: LEASE_MS, now: () => Date.now() + LEASE_MS + 1 });
    expect((await afterLease.claim(10)).map((i) => i.id)).toEqual([id]);

    await afterLease.markFailed([id!], 'SQS unavailable');
    expect((await dead.claim(10)).map((i) => i.id)).toEqual([id]);
    await dead.markSent([id!]);
    // markSent then markFailed (a late report) must not resurrect the item.
    await dead.markFailed([id!], 'late');
    expect(await dead.pendingCount()).toBe(0);
  });
});
