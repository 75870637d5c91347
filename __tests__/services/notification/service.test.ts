/**
 * The notification service in process (kit startService) on DynamoDB Local + fauxqs, with the user
 * service it asks for recipients: events → exactly one notification each, duplicates ignored,
 * GET /notifications.
 */
import { randomUUID } from 'node:crypto';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createSqs } from '../../../services/kit/clients/sqs';
import { ConfigError } from '../../../services/kit/config';
import type { RunningService } from '../../../services/kit/service';
import { loadNotificationConfig, type NotificationConfig } from '../../../services/notification/config';
import { notificationIdFor } from '../../../services/notification/notification';
import { notificationService } from '../../../services/notification/service';
import { startUserCallee, type UserCallee } from '../../support/callees';
import { provisionTestNamespace } from '../../support/namespace';
import { startTestService } from '../../support/services';
import { tokenFor as signedFor } from '../../support/tokens';
import { allNotifications, paid, publish, publishBatch, queueDepth, registered, waitFor } from './helpers';

let env: Record<string, string>;
let signerEnv: Record<string, string>;
let config: NotificationConfig;
let svc: RunningService;
let users: UserCallee;
let dynamo: ReturnType<typeof createDynamo>;
let sqs: ReturnType<typeof createSqs>;

beforeAll(async () => {
  const ns = await provisionTestNamespace({ overrides: { CONSUMER_WAIT_SECONDS: '1' } });
  users = await startUserCallee(ns.env);
  env = users.envs.notification!;
  signerEnv = ns.env.user!;
  config = loadNotificationConfig(env);
  dynamo = createDynamo(config);
  sqs = createSqs(config);
  svc = await startTestService(notificationService, env);
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await users?.stop();
  sqs?.destroy();
  dynamo?.client.destroy();
});

/** A user.registered event of a user that exists in the user service. */
const newUser = async (name?: string) => {
  const event = registered(undefined, name);
  await users.ensureUser(event.data.userId, { email: event.data.email, name: event.data.name });
  return event;
};

/** A user id that exists in the user service. */
const existing = async () => {
  const id = randomUUID();
  await users.ensureUser(id);
  return id;
};

/** A token as the namespace's user service issues it. */
const tokenFor = (userId: string) => signedFor(signerEnv, userId);

const get = async (path: string, token?: string) => {
  const res = await fetch(`${svc.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
};

const notificationsOf = async (userId: string) =>
  (await allNotifications(dynamo.doc, config.tables.notifications)).filter((n) => n.userId === userId);

/** Waits until the user's notifications are all delivered and there are `count` of them. */
const settled = (userId: string, count: number) =>
  waitFor(`${count} sent notification(s) for ${userId}`, async () => {
    const items = await notificationsOf(userId);
    return items.length === count && items.every((n) => n.status === 'sent') && items;
  });

describe('events → notifications', () => {
  it('records one welcome notification for a user.registered event', async () => {
    const event = await newUser('Grace');
    await publish(sqs, config.eventsQueueUrl, event);
    const [n] = await settled(event.data.userId, 1);
    expect(n).toMatchObject({
      id: notificationIdFor(event.id),
      userId: event.data.userId,
      type: 'welcome',
      title: 'Welcome aboard',
      body: 'Hi Grace, your account is ready.',
      eventId: event.id,
      createdAt: new Date(event.occurredAt).toISOString(),
      channel: 'log',
      status: 'sent',
      attempts: 1,
    });
  });

  it('records one receipt for a payment.succeeded event, with the amount in major units', async () => {
    const payer = await existing();
    const event = paid(payer, 123456, 'EUR', 'Annual plan');
    await publish(sqs, config.eventsQueueUrl, event);
    const [n] = await settled(payer, 1);
    expect(n!.type).toBe('payment-receipt');
    expect(n!.body).toBe(`We received your payment of €1,234.56 for "Annual plan" (reference ${event.data.paymentId}).`);
    const yenPayer = await existing();
    await publish(sqs, config.eventsQueueUrl, paid(yenPayer, 500, 'JPY'));
    expect((await settled(yenPayer, 1))[0]!.body).toContain('¥500');
  });

  it('keeps one notification when SQS delivers the same event several times', async () => {
    const event = await newUser();
    // Same body in one batch (concurrent duplicates) and again afterwards (late redelivery).
    await publishBatch(sqs, config.eventsQueueUrl, [event, event, event]);
    await settled(event.data.userId, 1);
    await publish(sqs, config.eventsQueueUrl, event);
    await waitFor('the late copy consumed', async () => {
      const d = await queueDepth(sqs, config.eventsQueueUrl);
      return d.visible + d.inFlight === 0;
    });
    const items = await notificationsOf(event.data.userId);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ eventId: event.id, status: 'sent', attempts: 1 });
  });
});

describe('GET /notifications', () => {
  const userId = randomUUID();
  const times = ['2026-01-01T10:00:00.000Z', '2026-01-03T10:00:00.000Z', '2026-01-02T10:00:00.000Z', '2026-01-05T10:00:00.000Z', '2026-01-04T10:00:00.000Z'];

  beforeAll(async () => {
    await users.ensureUser(userId);
    const events = times.map((occurredAt) => ({ ...paid(userId), occurredAt }));
    await publishBatch(sqs, config.eventsQueueUrl, [...events, paid(await existing())]);
    await settled(userId, times.length);
  }, 30_000);

  it('answers 401 without a token or with a bad one', async () => {
    const none = await get('/notifications');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await get('/notifications', 'not.a.token')).status).toBe(401);
  });

  it("lists only the caller's notifications, newest first, page by page with an opaque cursor", async () => {
    const token = await tokenFor(userId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await get(`/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) {
        expect(item.userId).toBe(userId);
        expect(item).not.toHaveProperty('sortKey');
        expect(item).not.toHaveProperty('lastError');
      }
      seen.push(...page.body.items.map((i: { createdAt: string }) => i.createdAt));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...times].sort().reverse());
  });

  it('gives another user none of them', async () => {
    const res = await get('/notifications', await tokenFor('nobody-here'));
    expect(res).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  });

  it.each([
    ['limit=0', 'validation_failed'],
    ['limit=101', 'validation_failed'],
    ['limit=abc', 'validation_failed'],
    ['cursor=garbage', 'invalid_cursor'],
    [`cursor=${Buffer.from(JSON.stringify({ sk: 'x' })).toString('base64url')}`, 'invalid_cursor'],
  ])('answers 400 for %s', async (query, code) => {
    const res = await get(`/notifications?${query}`, await tokenFor(userId));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });
});

describe('health', () => {
  it('is ready with DynamoDB up and reports the consumer separately', async () => {
    expect((await get('/health/ready')).status).toBe(200);
    const consumer = await get('/health/consumer');
    expect(consumer.status).toBe(200);
    expect(consumer.body).toMatchObject({ status: 'ok', running: true, consecutiveReceiveErrors: 0 });
    expect(Date.parse(consumer.body.lastReceiveAt)).toBeGreaterThan(Date.now() - 10_000);
  });
});

describe('config', () => {
  it('requires SES_FROM_ADDRESS when the SES sender is selected', () => {
    expect(() => loadNotificationConfig({ ...env, NOTIFICATION_SENDER: 'ses' })).toThrow(ConfigError);
    expect(loadNotificationConfig({ ...env, NOTIFICATION_SENDER: 'ses', SES_FROM_ADDRESS: 'no-reply@example.com' }).sender).toEqual({
      kind: 'ses',
      fromAddress: 'no-reply@example.com',
    });
  });
});
