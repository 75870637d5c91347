/**
 * End to end, the way a developer runs it: `npm run dev` (engines, every catalog service as a
 * process, the gateway), then register → login → pay through the gateway, and both the welcome
 * and exactly one receipt notification appear. Ctrl-C (SIGINT) then stops everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, spawnManaged, waitUntil, type ManagedProcess } from '../../scripts/engines/process';
import { catalog } from '../../services/catalog';

jest.setTimeout(180_000);

const REPO_ROOT = path.resolve(__dirname, '../..');

let dev: ManagedProcess;
let gateway: string;
let dataDir: string;
const output: string[] = [];

const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** The dev stack's recent output goes into a timeout's message: it says what got stuck. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 250 }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- npm run dev output ---\n${output.slice(-60).join('\n')}`);
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
  const port = await freePort();
  gateway = `http://127.0.0.1:${port}`;
  dev = spawnManaged('npm', ['run', 'dev', '--', '--fresh', '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DYNAMODB_ENDPOINT: '', SQS_ENDPOINT: '' },
    onLine: (line) => output.push(line),
  });
  await waitFor('the gateway', async () => (output.some((l) => l.includes('[dev] gateway:')) ? true : undefined), 150_000);
});

afterAll(async () => {
  if (dev && !dev.hasExited()) await dev.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

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

  const notifications = await waitFor(
    'the welcome and the receipt notification',
    async () => {
      const list = await api('GET', '/notifications', undefined, auth);
      const items: { type: string }[] = list.body?.items ?? [];
      return items.length >= 2 ? items : undefined;
    },
    60_000,
  );
  // Give a duplicate a chance to show up before asserting there is none.
  await new Promise((r) => setTimeout(r, 1500));
  const final = (await api('GET', '/notifications', undefined, auth)).body.items as { type: string }[];
  expect(final).toHaveLength(notifications.length);
  expect(final.map((n) => n.type).sort()).toEqual(['payment-receipt', 'welcome']);
});

test('Ctrl-C stops the gateway, every service and the engines', async () => {
  // A terminal's Ctrl-C signals the whole foreground process group.
  process.kill(-dev.child.pid!, 'SIGINT');
  await waitFor('the dev stack to stop', async () => (output.some((l) => l.includes('[dev] stopped')) ? true : undefined), 60_000);
  await dev.exited;
  const ports = [Number(new URL(gateway).port), ...catalog.services.map((s) => s.containerPort)];
  for (const port of ports) expect(await isListening(port)).toBe(false);
  // Every service drained and exited by itself (exit 0), none had to be killed.
  for (const { name } of catalog.services) {
    expect(output.some((l) => l.includes(`"${name}" exited`))).toBe(false);
  }
});
