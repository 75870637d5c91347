/**
 * Faults for real: the SQS endpoint (a private fauxqs behind a TCP proxy) goes away and comes
 * back while the notification service works through 100 events with duplicates injected (the
 * user service it asks for recipients is up).
 */
import { randomUUID } from 'node:crypto';
import { startSqs, type SqsEngine } from '../../../scripts/engines';
import { catalog, type Catalog } from '../../../services/catalog';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createSqs } from '../../../services/kit/clients/sqs';
import type { RunningService } from '../../../services/kit/service';
import { loadNotificationConfig } from '../../../services/notification/config';
import { notificationService } from '../../../services/notification/service';
import { startUserCallee, type UserCallee } from '../../support/callees';
import { provisionTestNamespace, testEngines } from '../../support/namespace';
import { spawnService, startTestService } from '../../support/services';
import { allNotifications, paid, publishBatch, queueDepth, registered, waitFor } from './helpers';

// Short visibility so messages whose delete was lost in the outage come back within the test.
const shortVisibility: Catalog = { ...catalog, queues: catalog.queues.map((q) => ({ ...q, visibilityTimeoutSeconds: 2 })) };

let sqsEngine: SqsEngine;
beforeAll(async () => {
  sqsEngine = await startSqs();
}, 60_000);
afterAll(() => sqsEngine?.destroy());

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

it('turns 100 events into exactly 100 notifications across an SQS outage, duplicates included', async () => {
  const ns = await provisionTestNamespace({
    catalog: shortVisibility,
    engines: { ...testEngines(), sqs: sqsEngine },
    overrides: { CONSUMER_WAIT_SECONDS: '1', CONSUMER_VISIBILITY_TIMEOUT_SECONDS: '2', CONSUMER_RETRY_BASE_SECONDS: '0' },
  });
  const users: UserCallee = await startUserCallee(ns.env);
  const env = users.envs.notification!;
  const config = loadNotificationConfig(env);
  const dynamo = createDynamo(config);
  const sqs = createSqs(config, { maxAttempts: 1 });
  let svc: RunningService | undefined;
  try {
    const events = (
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const user = registered(randomUUID(), `Bulk ${i}`);
          await users.ensureUser(user.data.userId, { email: user.data.email, name: user.data.name });
          return [user, paid(user.data.userId, 100 + i)];
        }),
      )
    ).flat();
    // Every 5th event is published twice: duplicate deliveries the service must absorb.
    const bodies = events.flatMap((e, i) => (i % 5 === 0 ? [e, e] : [e]));
    const [firstHalf, secondHalf] = [bodies.slice(0, 60), bodies.slice(60)];
    for (const batch of chunks(firstHalf, 10)) await publishBatch(sqs, config.eventsQueueUrl, batch);

    svc = await startTestService(notificationService, env);
    const consumerHealth = async () => (await (await fetch(`${svc!.url}/health/consumer`)).json()) as Record<string, unknown>;
    await waitFor('the first notifications', async () => (await allNotifications(dynamo.doc, config.tables.notifications)).length >= 10);

    await sqsEngine.stop(); // mid-processing: receives and some deletes fail
    await waitFor('the consumer to notice', async () => Number((await consumerHealth()).consecutiveReceiveErrors) >= 2);
    // Readiness stays green: the API still serves from DynamoDB while the consumer backs off.
    // (Waited for, not sampled: on a busy machine another check may miss its 1 s timeout once.)
    await waitFor('readiness 200 while SQS is down', async () => (await fetch(`${svc!.url}/health/ready`)).status === 200);
    expect((await consumerHealth()).status).toBe('degraded');
    await sqsEngine.start();

    for (const batch of chunks(secondHalf, 10)) await publishBatch(sqs, config.eventsQueueUrl, batch);
    const items = await waitFor(
      '100 sent notifications and an empty queue',
      async () => {
        const all = await allNotifications(dynamo.doc, config.tables.notifications);
        const depth = await queueDepth(sqs, config.eventsQueueUrl);
        return all.length === 100 && all.every((n) => n.status === 'sent') && depth.visible + depth.inFlight === 0 && all;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(new Set(items.map((n) => n.eventId))).toEqual(new Set(events.map((e) => e.id)));
    expect(items.every((n) => n.attempts === 1)).toBe(true);
    expect(await consumerHealth()).toMatchObject({ status: 'ok', consecutiveReceiveErrors: 0 });
    expect(await queueDepth(sqs, env.QUEUE_EVENTS_DLQ_URL!)).toEqual({ visible: 0, inFlight: 0 });
  } finally {
    await svc?.stop();
    await users.stop();
    sqs.destroy();
    dynamo.client.destroy();
  }
}, 90_000);

it('exits 0 on SIGTERM as a real process (main.ts), leaving nothing half-done', async () => {
  const ns = await provisionTestNamespace({ overrides: { CONSUMER_WAIT_SECONDS: '2', LOG_LEVEL: 'info' } });
  const svc = await spawnService('notification', ns.env.notification!);
  const exit = await svc.kill('SIGTERM');
  // 0 = stopped cleanly within the shutdown deadline (the pending long poll is waited for).
  expect(exit).toEqual({ code: 0, signal: null });
  expect(svc.lines.some((l) => l.includes('consumer stopped'))).toBe(true);
}, 60_000);
