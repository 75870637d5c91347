/**
 * The outbox relay against a real SQS endpoint (fauxqs behind a TCP proxy that can be cut):
 * batches, message attributes, kick latency, backoff while SQS is down, no item ever dropped,
 * and stop() waiting for the in-flight send. The outbox store is an in-memory OutboxSource:
 * the Postgres/DynamoDB stores are the services' and are tested there.
 */
import { CreateQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, startSqs, type SqsEngine } from '../../../scripts/engines';
import { waitUntil } from '../../../scripts/engines/process';
import { createSqs } from '../../../services/kit/clients/sqs';
import { newEvent } from '../../../services/kit/events';
import { createOutboxRelay, type OutboxItem, type OutboxRelay, type OutboxSource } from '../../../services/kit/outbox-relay';
import { captureLogger } from './helpers';

/** An outbox store in memory: unsent items come back from claim() until marked sent. */
class MemoryOutbox implements OutboxSource {
  readonly items: (OutboxItem & { sent: boolean })[] = [];
  failures = 0;
  add(n: number): string[] {
    return Array.from({ length: n }, () => {
      const event = newEvent('user.registered', 'user', { userId: 'u1', email: 'u1@example.com', name: 'U' });
      this.items.push({ id: event.id, body: JSON.stringify(event), sent: false });
      return event.id;
    });
  }
  async claim(limit: number) {
    return this.items.filter((i) => !i.sent).slice(0, limit);
  }
  async markSent(ids: string[]) {
    for (const i of this.items) if (ids.includes(i.id)) i.sent = true;
  }
  async markFailed(ids: string[]) {
    this.failures += ids.length;
  }
  /** Lag is not what these tests measure. */
  async oldestUnsentAt() {
    return undefined;
  }
  unsent(): number {
    return this.items.filter((i) => !i.sent).length;
  }
}

const waitFor = (what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000) =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 20 });

describe('outbox relay → SQS (fauxqs)', () => {
  let engine: SqsEngine;
  let sqs: SQSClient;
  let queueUrl: string;
  const received = new Map<string, { eventType?: string; eventId?: string; body: string }>();
  let relay: OutboxRelay | undefined;
  const log = captureLogger();

  const drainQueue = async () => {
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
      const msgs = out.Messages ?? [];
      if (msgs.length === 0) return;
      for (const m of msgs) {
        const attrs = m.MessageAttributes ?? {};
        received.set(JSON.parse(m.Body!).id, { eventType: attrs.eventType?.StringValue, eventId: attrs.eventId?.StringValue, body: m.Body! });
      }
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    }
  };
  const waitReceived = (ids: string[], timeoutMs?: number) =>
    waitFor(`${ids.length} messages`, async () => (await drainQueue(), ids.every((id) => received.has(id))), timeoutMs);

  beforeAll(async () => {
    engine = await startSqs();
    // One attempt per send: the relay's own backoff is what is under test.
    sqs = createSqs({ AWS_REGION: LOCAL_AWS_REGION, AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey, SQS_ENDPOINT: engine.endpoint }, { maxAttempts: 1 });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `kit-outbox-${process.pid}` }))).QueueUrl!;
  }, 30_000);
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
  });
  afterAll(async () => {
    sqs?.destroy();
    await engine?.destroy();
  });

  it('publishes a backlog in batches with eventType / eventId attributes and marks everything sent', async () => {
    const outbox = new MemoryOutbox();
    const ids = outbox.add(25);
    let calls = 0;
    const counting = { send: ((cmd: Parameters<SQSClient['send']>[0]) => (calls++, sqs.send(cmd))) as SQSClient['send'] };
    relay = createOutboxRelay({ name: 'relay', logger: log.logger, sqs: counting, queueUrl, source: outbox, pollIntervalMs: 50 });
    relay.start();
    await waitReceived(ids);
    await waitFor('all marked sent', () => outbox.unsent() === 0);
    expect(received.get(ids[0]!)).toMatchObject({ eventType: 'user.registered', eventId: ids[0] });
    expect(outbox.failures).toBe(0);
    expect(calls).toBe(3); // 10 + 10 + 5
  });

  it('kick() publishes without waiting for the poll interval', async () => {
    const outbox = new MemoryOutbox();
    const pollIntervalMs = 60_000;
    let claims = 0;
    const claim = outbox.claim.bind(outbox);
    outbox.claim = (limit) => (claims++, claim(limit));
    relay = createOutboxRelay({ name: 'relay', logger: log.logger, sqs, queueUrl, source: outbox, pollIntervalMs });
    relay.start();
    await waitFor('the first (empty) poll', () => claims > 0);
    const [id] = outbox.add(1);
    const started = Date.now();
    relay.kick();
    await waitReceived([id!], pollIntervalMs);
    expect(Date.now() - started).toBeLessThan(pollIntervalMs); // the kick, not the next poll
  });

  it('while SQS is down: backs off exponentially (capped), keeps every item, delivers all after recovery', async () => {
    const outbox = new MemoryOutbox();
    const attempts: number[] = [];
    const recording = { send: ((cmd: Parameters<SQSClient['send']>[0]) => (attempts.push(Date.now()), sqs.send(cmd))) as SQSClient['send'] };
    relay = createOutboxRelay({
      name: 'relay',
      logger: log.logger,
      sqs: recording,
      queueUrl,
      source: outbox,
      pollIntervalMs: 20,
      retryBaseMs: 40,
      maxBackoffMs: 320,
      random: () => 1, // the ceiling: makes the schedule exact
    });
    // A kick right after the 6th failed round (once that round is over) must not bypass the backoff.
    const markFailed = outbox.markFailed.bind(outbox);
    let failedRounds = 0;
    outbox.markFailed = async (ids) => {
      await markFailed(ids);
      if (++failedRounds === 6) setImmediate(() => relay!.kick());
    };
    await engine.stop();
    try {
      const ids = outbox.add(12);
      relay.start();
      await waitFor('six failed rounds and the attempt after them', () => attempts.length >= 7, 10_000);
      expect(outbox.unsent()).toBe(12);
      expect(outbox.failures).toBeGreaterThan(0);
      const gaps = attempts.slice(1, 7).map((t, i) => t - attempts[i]!);
      // 40, 80, 160, 320, 320, 320 ms: each gap at least its delay (a busy machine only stretches
      // it), and a capped one below the doubled delay it replaces. The last gap follows the kick.
      const expected = [40, 80, 160, 320, 320, 320];
      gaps.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(expected[i]! - 5);
        if (expected[i]! < 40 * 2 ** i) expect(g).toBeLessThan(40 * 2 ** i);
      });

      await engine.start();
      await waitReceived(ids);
      await waitFor('all marked sent', () => outbox.unsent() === 0);
      expect(relay.consecutiveFailures()).toBe(0);
      expect(log.lines().some((l) => l.msg === 'outbox relay: send failed, will retry')).toBe(true);
    } finally {
      await engine.start();
    }
  });

  it('stop() waits for the in-flight send and its bookkeeping', async () => {
    const outbox = new MemoryOutbox();
    let sending = false;
    const slow = {
      send: (async (cmd: Parameters<SQSClient['send']>[0]) => {
        sending = true;
        await new Promise((r) => setTimeout(r, 300));
        return sqs.send(cmd);
      }) as SQSClient['send'],
    };
    const ids = outbox.add(3);
    relay = createOutboxRelay({ name: 'relay', logger: log.logger, sqs: slow, queueUrl, source: outbox, pollIntervalMs: 50 });
    relay.start();
    await waitFor('a send in flight', () => sending);
    await relay.stop();
    expect(outbox.unsent()).toBe(0); // the send finished and was recorded before stop() resolved
    await waitReceived(ids);
  });
});
