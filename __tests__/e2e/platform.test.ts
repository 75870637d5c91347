/**
 * End to end, the way a developer runs it: `npm run dev` (engines, every catalog service as a
 * process, the gateway), then register → login → pay through the gateway, and both the welcome
 * and exactly one receipt notification appear; payment and notification ask the user service over
 * the synchronous path (a changed e-mail reaches the receipt, and with the user service frozen both
 * degrade as docs/decisions/0014 says). Ctrl-C (SIGINT) then stops everything.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dynamoClient, sqsClient } from '../../scripts/engines';
import { processInfo } from '../../scripts/engines/procfs';
import { processTree } from '../support/process-tree';
import { catalog } from '../../services/catalog';
import { DEV_START_TIMEOUT_MS, startDevStack, type DevStack } from '../support/dev-stack';

jest.setTimeout(180_000);

let dev: DevStack;
let gateway: string;
let dataDir: string;

const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${gateway}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'platform-e2e-'));
  dev = await startDevStack({ dataDir, fresh: true });
  gateway = dev.gateway;
}, DEV_START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (dev && !dev.proc.hasExited()) await dev.proc.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Visible plus in-flight messages on the dev stack's events queue (its SQS address is in the log). */
const eventsInQueue = async (): Promise<number> => {
  const endpoint = /sqs: (http:\/\/\S+)/.exec(dev.output.find((l) => l.includes('sqs: http')) ?? '')?.[1];
  if (!endpoint) throw new Error('npm run dev printed no SQS address');
  const sqs = sqsClient(endpoint);
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'dev-events' }));
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  } finally {
    sqs.destroy();
  }
};

test('register → login → pay through the gateway yields a welcome and exactly one receipt', async () => {
  expect((await api('GET', '/health/live')).status).toBe(200);
  expect(await api('GET', '/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

  const email = `e2e-${Date.now()}@example.com`;
  const registered = await api('POST', '/users', { email, name: 'E2E Person', password: 'correct horse battery' });
  expect(registered.status).toBe(201);
  expect(registered.body).not.toHaveProperty('password');
  expect(registered.body).not.toHaveProperty('passwordHash');

  const login = await api('POST', '/auth/login', { email, password: 'correct horse battery' });
  expect(login.status).toBe(200);
  expect(login.body.tokenType).toBe('Bearer');
  const auth = { authorization: `Bearer ${login.body.accessToken}` };

  expect((await api('GET', '/users/me', undefined, auth)).body).toMatchObject({ id: registered.body.id, email });

  const paymentBody = { amount: 4200, currency: 'EUR', description: 'e2e order' };
  const paid = await api('POST', '/payments', paymentBody, { ...auth, 'idempotency-key': 'e2e-order-1' });
  expect(paid.status).toBe(201);
  // A client retry with the same key replays the stored response and creates no second payment.
  const replay = await api('POST', '/payments', paymentBody, { ...auth, 'idempotency-key': 'e2e-order-1' });
  expect(replay.body).toEqual(paid.body);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');

  // The replay created no second payment, so no second payment event exists.
  expect((await api('GET', '/payments', undefined, auth)).body.items.map((p: { id: string }) => p.id)).toEqual([paid.body.id]);
  await dev.waitFor(
    'the welcome and the receipt notification',
    async () => ((await api('GET', '/notifications', undefined, auth)).body?.items ?? []).length >= 2,
    60_000,
  );
  // Every delivery finished (a duplicate would be one of them): what is listed now is final.
  await dev.waitFor('an empty events queue', async () => (await eventsInQueue()) === 0, 60_000);
  const final = (await api('GET', '/notifications', undefined, auth)).body.items as { type: string }[];
  expect(final.map((n) => n.type).sort()).toEqual(['payment-receipt', 'welcome']);
});

/** The contact the notification service keeps for a user (written from the user service's answers). */
const storedContact = async (userId: string): Promise<Record<string, unknown> | undefined> => {
  const endpoint = /dynamodb: (http:\/\/\S+)/.exec(dev.output.find((l) => l.includes('dynamodb: http')) ?? '')?.[1];
  if (!endpoint) throw new Error('npm run dev printed no DynamoDB address');
  const doc = DynamoDBDocumentClient.from(dynamoClient(endpoint));
  try {
    return (await doc.send(new GetCommand({ TableName: 'dev-notifications', Key: { userId, sortKey: '#contact' }, ConsistentRead: true }))).Item;
  } finally {
    doc.destroy();
  }
};

/** The dev stack's user service process (found in the stack's own process tree, by its entry point). */
const userServicePid = (): number => {
  const tree = processTree(processInfo(dev.proc.child.pid!)!);
  const found = tree.find((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('services/user/main.ts');
    } catch {
      return false;
    }
  });
  if (!found) throw new Error('no user service process in the dev stack');
  return found.pid;
};

test('payment and notification call the user service: a changed e-mail reaches the receipt; with it frozen, both degrade', async () => {
  const email = `e2e-calls-${Date.now()}@example.com`;
  const registered = await api('POST', '/users', { email, name: 'Caller Test', password: 'correct horse battery' });
  const login = await api('POST', '/auth/login', { email, password: 'correct horse battery' });
  const auth = { authorization: `Bearer ${login.body.accessToken}` };
  const changed = `changed-${email}`;
  const patched = await api('PATCH', `/users/${registered.body.id}`, { email: changed, currentPassword: 'correct horse battery' }, auth);
  expect(patched.status).toBe(200);

  const pay = (key: string) => api('POST', '/payments', { amount: 1000, currency: 'EUR' }, { ...auth, 'idempotency-key': key });
  expect((await pay('calls-1')).status).toBe(201);
  const listed = async () => ((await api('GET', '/notifications', undefined, auth)).body?.items ?? []) as { type: string; status: string }[];
  await dev.waitFor('the welcome and the receipt', async () => (await listed()).filter((n) => n.status === 'sent').length >= 2, 60_000);
  // The receipt's recipient came from the user service: the stored contact is the new address.
  expect(await storedContact(registered.body.id)).toMatchObject({ email: changed, name: 'Caller Test' });

  // Frozen (SIGSTOP): connections hang, so every call ends at its deadline, then degrades.
  const pid = userServicePid();
  process.kill(pid, 'SIGSTOP');
  try {
    const started = Date.now();
    const degraded = await pay('calls-2');
    expect(degraded.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(4000);
    await dev.waitFor('the second receipt, sent to the stored address', async () => (await listed()).filter((n) => n.status === 'sent').length >= 3, 60_000);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
});

test('Ctrl-C stops the gateway, every service and the engines', async () => {
  // A terminal's Ctrl-C signals the whole foreground process group.
  process.kill(-dev.proc.child.pid!, 'SIGINT');
  await dev.waitForLine('[dev] stopped', 60_000);
  await dev.proc.exited;
  const ports = [Number(new URL(gateway).port), ...catalog.services.map((s) => s.containerPort)];
  for (const port of ports) expect(await isListening(port)).toBe(false);
  // Every service drained and exited by itself (exit 0), none had to be killed.
  for (const { name } of catalog.services) {
    expect(dev.output.some((l) => l.includes(`"${name}" exited`))).toBe(false);
  }
});
