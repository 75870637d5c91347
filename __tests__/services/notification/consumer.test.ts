/**
 * The queue consumer and event processor on DynamoDB Local + fauxqs, wired by hand so tests can
 * plug in slow or failing senders. The events queue is provisioned with a 2 s visibility timeout
 * (catalog maxReceiveCount kept) so redeliveries happen within a test's time.
 */
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { catalog, type Catalog } from '../../../services/catalog';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createSqs } from '../../../services/kit/clients/sqs';
import { createLogger } from '../../../services/kit/logger';
import { loadNotificationConfig, type NotificationConfig } from '../../../services/notification/config';
import { createQueueConsumer, type QueueConsumer, type QueueConsumerOptions } from '../../../services/notification/consumer';
import type { Notification } from '../../../services/notification/notification';
import { createEventProcessor } from '../../../services/notification/processor';
import type { Sender } from '../../../services/notification/senders';
import { createNotificationStore } from '../../../services/notification/store';
import { provisionTestNamespace } from '../../support/namespace';
import { allNotifications, publish, publishBatch, queueDepth, registered, userDirectoryOf, waitFor } from './helpers';

const VISIBILITY_SECONDS = 2;
const MAX_RECEIVES = catalog.queues.find((q) => q.name === 'events')!.maxReceiveCount;
const shortVisibility: Catalog = {
  ...catalog,
  queues: catalog.queues.map((q) => ({ ...q, visibilityTimeoutSeconds: VISIBILITY_SECONDS })),
};

interface Rig {
  config: NotificationConfig;
  sqs: SQSClient;
  dlqUrl: string;
  logs: Record<string, unknown>[];
  consumer: QueueConsumer;
  notifications(): Promise<Notification[]>;
  /** Another consumer on the same namespace (a second task, or the next deployment). */
  newConsumer(sender: Sender, overrides?: Partial<QueueConsumerOptions>): QueueConsumer;
}

/** Short, so work a stopped consumer abandoned can be taken over within a test. */
const DELIVERY_LEASE_MS = 1000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const rig = async (sender: Sender, overrides: Partial<QueueConsumerOptions> = {}): Promise<Rig> => {
  const ns = await provisionTestNamespace({ catalog: shortVisibility });
  const env = ns.env.notification!;
  const config = loadNotificationConfig(env);
  const dynamo = createDynamo(config);
  const sqs = createSqs(config, { longPollSeconds: 1 });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'notification',
    level: 'debug',
    destination: { write: (line: string) => void logs.push(JSON.parse(line)) },
  });
  const store = createNotificationStore({
    doc: dynamo.doc,
    notificationsTable: config.tables.notifications,
    processedEventsTable: config.tables.processedEvents,
  });
  const consumers: QueueConsumer[] = [];
  const newConsumer = (s: Sender, o: Partial<QueueConsumerOptions> = {}) => {
    const consumer = createQueueConsumer({
      name: 'events-consumer',
      queue: 'events',
      logger,
      sqs,
      queueUrl: config.eventsQueueUrl,
      handle: createEventProcessor({ store, sender: s, logger, directory: userDirectoryOf(config, logger), deliveryLeaseMs: DELIVERY_LEASE_MS }),
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      waitTimeSeconds: 1,
      retryBaseSeconds: 0,
      ...o,
    });
    consumers.push(consumer);
    return consumer;
  };
  const consumer = newConsumer(sender, overrides);
  cleanups.push(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    sqs.destroy();
    dynamo.client.destroy();
  });
  return {
    config,
    sqs,
    dlqUrl: env.QUEUE_EVENTS_DLQ_URL!,
    logs,
    consumer,
    notifications: () => allNotifications(dynamo.doc, config.tables.notifications),
    newConsumer,
  };
};

/** A sender that records calls and delegates the outcome to `behaviour`. */
const probeSender = (behaviour: (n: Notification, call: number) => Promise<void> = async () => undefined) => {
  const calls: { eventId: string; at: number }[] = [];
  const sender: Sender = {
    channel: 'log',
    async send(n) {
      calls.push({ eventId: n.eventId, at: Date.now() });
      await behaviour(n, calls.filter((c) => c.eventId === n.eventId).length);
    },
  };
  return { sender, calls };
};

const sentCount = async (r: Rig, expected: number) =>
  waitFor(`${expected} sent notifications`, async () => {
    const items = await r.notifications();
    return items.length === expected && items.every((n) => n.status === 'sent') && items;
  });

const drainQueue = async (sqs: SQSClient, queueUrl: string) => {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return out.Messages ?? [];
};

describe('poison messages', () => {
  it('go to the DLQ after maxReceiveCount receives, logged with their id, while good messages flow', async () => {
    const { sender } = probeSender();
    const r = await rig(sender);
    r.consumer.start();
    const badJson = await r.sqs.send(new SendMessageCommand({ QueueUrl: r.config.eventsQueueUrl, MessageBody: '{not json' }));
    const badSchema = await publish(r.sqs, r.config.eventsQueueUrl, JSON.stringify({ ...registered(), type: 'user.exploded' }));
    // Events that carry their recipient: the user service is down in this rig (a receipt would be deferred).
    const good = [registered(), registered()];
    for (const e of good) await publish(r.sqs, r.config.eventsQueueUrl, e);

    await sentCount(r, 2);
    const dead = await waitFor('both poison messages in the DLQ', async () => {
      const depth = await queueDepth(r.sqs, r.dlqUrl);
      return depth.visible === 2 && (await drainQueue(r.sqs, r.dlqUrl));
    });
    expect(dead.map((m) => m.Body).sort()).toEqual(['{not json', expect.stringContaining('user.exploded')].sort());
    for (const id of [badJson.MessageId, badSchema.MessageId]) {
      const lines = r.logs.filter((l) => l.messageId === id && l.msg === 'poison message; left for the dead-letter queue');
      expect(lines).toHaveLength(MAX_RECEIVES);
    }
    expect(r.logs.find((l) => l.messageId === badSchema.MessageId)?.reason).toMatch(/type/);
    // The last deletes are batched (20 ms window) and the queue engine counts asynchronously: wait for it.
    await waitFor('the events queue empty', async () => {
      const depth = await queueDepth(r.sqs, r.config.eventsQueueUrl);
      return depth.visible === 0 && depth.inFlight === 0;
    });
    expect(r.consumer.health().running).toBe(true);
  }, 30_000);

  it('do not hold back the rest of their batch', async () => {
    const { sender } = probeSender();
    const r = await rig(sender);
    const events = Array.from({ length: 9 }, () => registered());
    await publishBatch(r.sqs, r.config.eventsQueueUrl, [...events.slice(0, 4), '[]', ...events.slice(4)]);
    r.consumer.start();
    const items = await sentCount(r, 9);
    expect(items.map((n) => n.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    await waitFor('the bad message in the DLQ', async () => (await queueDepth(r.sqs, r.dlqUrl)).visible === 1);
    await waitFor('the queue empty', async () => {
      const d = await queueDepth(r.sqs, r.config.eventsQueueUrl);
      return d.visible + d.inFlight === 0;
    });
    // Each good message was deleted after its first delivery: none came back as a duplicate.
    expect(r.logs.filter((l) => l.msg === 'duplicate event ignored')).toHaveLength(0);
    expect(r.logs.filter((l) => l.msg === 'message failed; will be retried')).toHaveLength(0);
  }, 30_000);
});

describe('failures and retries', () => {
  it('retries a failed delivery with backoff without a second record', async () => {
    const { sender, calls } = probeSender(async (_n, call) => {
      if (call <= 2) throw new Error(`SES throttled (call ${call})`);
    });
    const r = await rig(sender, { retryBaseSeconds: 1 });
    const event = registered();
    await publish(r.sqs, r.config.eventsQueueUrl, event);
    r.consumer.start();
    const failed = await waitFor('a failed delivery recorded', async () => (await r.notifications()).find((n) => n.status === 'failed'));
    expect(failed.lastError).toMatch(/SES throttled/);

    const [n] = await sentCount(r, 1);
    expect(n).toMatchObject({ eventId: event.id, status: 'sent', attempts: 3 });
    expect(n).not.toHaveProperty('lastError');
    expect(calls).toHaveLength(3);
    // base · 2^(receives−1): ≥ 1 s before the 2nd attempt, ≥ 2 s before the 3rd.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(900);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(1900);
  }, 30_000);

  it('keeps slow work invisible with a heartbeat instead of letting SQS redeliver it', async () => {
    const { sender, calls } = probeSender(() => new Promise((resolve) => setTimeout(resolve, 2.5 * VISIBILITY_SECONDS * 1000)));
    // Concurrency 1: the busy consumer does not poll, so only the second task could see a redelivery.
    const r = await rig(sender, { concurrency: 1 });
    await publish(r.sqs, r.config.eventsQueueUrl, registered());
    r.consumer.start();
    await waitFor('the slow message in flight', async () => calls.length === 1);
    r.newConsumer(sender).start(); // a second task polling the same queue
    await sentCount(r, 1);
    await waitFor('the message deleted', async () => {
      const d = await queueDepth(r.sqs, r.config.eventsQueueUrl);
      return d.visible + d.inFlight === 0;
    });
    expect(calls).toHaveLength(1);
    expect(r.logs.filter((l) => l.msg === 'message failed; will be retried')).toHaveLength(0);
  }, 30_000);
});

describe('duplicates', () => {
  it('never sends twice when copies of one event are processed at the same time', async () => {
    const { sender, calls } = probeSender(() => new Promise((resolve) => setTimeout(resolve, 200)));
    const r = await rig(sender);
    const event = registered();
    await publishBatch(r.sqs, r.config.eventsQueueUrl, Array.from({ length: 5 }, () => event));
    r.consumer.start();
    const [n] = await sentCount(r, 1);
    await waitFor('all copies deleted', async () => {
      const d = await queueDepth(r.sqs, r.config.eventsQueueUrl);
      return d.visible + d.inFlight === 0;
    });
    expect(calls).toHaveLength(1);
    expect(n!.attempts).toBe(1);
  }, 30_000);
});

describe('stop()', () => {
  it('finishes in-flight messages within the drain timeout, then deletes them', async () => {
    const { sender, calls } = probeSender(() => new Promise((resolve) => setTimeout(resolve, 400)));
    const r = await rig(sender, { drainTimeoutMs: 5000 });
    r.consumer.start();
    await publishBatch(r.sqs, r.config.eventsQueueUrl, [registered(), registered()]);
    await waitFor('both in flight', async () => calls.length === 2);
    await r.consumer.stop();
    expect((await r.notifications()).map((n) => n.status)).toEqual(['sent', 'sent']);
    expect(await queueDepth(r.sqs, r.config.eventsQueueUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 30_000);

  it('hands back unfinished messages undeleted at the drain timeout; the next consumer completes them once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(() => release());
    const stuck = probeSender(() => gate); // a send that hangs, as in a task being stopped mid-send
    const r = await rig(stuck.sender, { drainTimeoutMs: 300 });
    const events = [registered(), registered(), registered()];
    await publishBatch(r.sqs, r.config.eventsQueueUrl, events);
    r.consumer.start();
    await waitFor('three in flight', async () => stuck.calls.length === 3);

    // stop() resolves although the three sends never finish (the gate stays shut): it did not wait.
    await r.consumer.stop();
    // Released at once (visibility 0), not deleted: all three are visible again.
    expect(await queueDepth(r.sqs, r.config.eventsQueueUrl)).toEqual({ visible: 3, inFlight: 0 });
    expect((await r.notifications()).map((n) => n.status)).toEqual(['pending', 'pending', 'pending']);

    // The next consumer waits out the abandoned delivery lease, then delivers each exactly once.
    const next = probeSender();
    r.newConsumer(next.sender, { retryBaseSeconds: 1 }).start();
    const items = await sentCount(r, 3);
    expect(items.map((n) => n.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    expect(next.calls.map((c) => c.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    await waitFor('queue empty', async () => {
      const d = await queueDepth(r.sqs, r.config.eventsQueueUrl);
      return d.visible + d.inFlight === 0;
    });
    expect(await queueDepth(r.sqs, r.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 30_000);
});
