/**
 * Synchronous service calls on the real engines (docs/decisions/0014): the user service's internal
 * route and who may call it, payment and notification with the user service up, stopped and
 * restarted, the kit client's breaker, deadline and bulkhead, and the internal prefix through the
 * local gateway.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Message } from '@aws-sdk/client-sqs';
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { startGateway } from '../../scripts/gateway';
import { createDynamo } from '../../services/kit/clients/dynamo';
import { createLogger } from '../../services/kit/logger';
import { createServiceClient, type CallSettings } from '../../services/kit/service-call/client';
import { bindAppMetrics } from '../../services/kit/telemetry/metrics';
import { createServiceCalls } from '../../services/kit/service-call/from-config';
import { parsePrivateJwk } from '../../services/kit/tokens/keys';
import { createServiceTokens, issueServiceToken } from '../../services/kit/tokens/service-token';
import { createLocalSigner } from '../../services/kit/tokens/signer';
import { createUserDirectory } from '../../services/kit/user-directory';
import { loadNotificationConfig } from '../../services/notification/config';
import type { Notification, Recipient } from '../../services/notification/notification';
import { createEventProcessor, RecipientUnavailableError } from '../../services/notification/processor';
import { createNotificationStore } from '../../services/notification/store';
import { loadPaymentConfig } from '../../services/payment/config';
import { paymentService } from '../../services/payment/service';
import { CIRCUIT_STATE, METRICS } from '../../services/telemetry';
import { userService } from '../../services/user/service';
import { startUserCallee, withCallee, type UserCallee } from '../support/callees';
import { startKmsStandIn } from '../support/kms-stand-in';
import { client, expectErrorBody, registerAndLogin, type Call } from '../support/http';
import { provisionTestNamespace } from '../support/namespace';
import { spawnService, startTestService } from '../support/services';
import { strangerKey, tokenFor } from '../support/tokens';
import { allNotifications, paid } from './notification/helpers';

jest.setTimeout(120_000);

/** Reads what the kit's instruments recorded (the kit gets the real provider from elsewhere). */
class TestReader extends MetricReader {
  protected onForceFlush = async (): Promise<void> => undefined;
  protected onShutdown = async (): Promise<void> => undefined;
}
const reader = new TestReader();
// The kit's catalog-bound metrics, as startTelemetry binds them in a payment task.
bindAppMetrics(new MeterProvider({ readers: [reader] }).getMeter('test'), 'payment');
const dataPoints = async (name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> => {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
};

/** `UpstreamCalls` of payment → user, by outcome. */
const outcomeCounts = async (): Promise<Record<string, number>> =>
  Object.fromEntries(
    (await dataPoints(METRICS.upstreamCalls.name))
      .filter((p) => p.attributes.Service === 'payment' && p.attributes.Upstream === 'user')
      .map((p) => [String(p.attributes.Outcome), Number(p.value)]),
  );

const logger = createLogger({ service: 'service-calls-test', level: 'silent' });
/** Deadline of the default settings, plus what a busy two-core machine adds. */
const DEADLINE_MS = 1500;
const SLACK_MS = 400;

let envs: Record<string, Record<string, string>>;
let users: UserCallee;
let userCall: Call;

beforeAll(async () => {
  const ns = await provisionTestNamespace();
  users = await startUserCallee(ns.env);
  envs = users.envs;
  userCall = client(`http://${users.address}`);
}, 60_000);
afterAll(() => users?.stop());

/** A token of `caller` as its kit client signs it (provisioned key). */
const serviceToken = (caller: 'payment' | 'notification', audience = 'user') =>
  issueServiceToken(audience, { caller, signer: createLocalSigner(parsePrivateJwk(envs[caller]!.SERVICE_TOKEN_JWK!)) });

/** The kit client as payment builds it, with the name `user` resolved to `address`. */
const paymentClientTo = (address: string, settings: Partial<CallSettings> = {}) =>
  createServiceClient({
    upstream: 'user',
    baseUrl: 'http://user:3001',
    localAddresses: new Map([['user', address]]),
    tokens: createServiceTokens({ caller: 'payment', signer: createLocalSigner(parsePrivateJwk(envs.payment!.SERVICE_TOKEN_JWK!)) }),
    logger,
    settings,
  });

const existingUser = async (fields: { email?: string; name?: string } = {}) => {
  const id = randomUUID();
  await users.ensureUser(id, fields);
  return id;
};

describe('GET /internal/users/{id} (user service)', () => {
  it('answers a declared caller with the current e-mail, name and revocation cut-off; 404 for no such user', async () => {
    const id = await existingUser({ email: 'ada@example.com', name: 'Ada' });
    for (const caller of ['payment', 'notification'] as const) {
      const res = await userCall('GET', `/internal/users/${id}`, { token: await serviceToken(caller) });
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { id, email: 'ada@example.com', name: 'Ada', tokensValidAfter: null } });
    }
    expectErrorBody(await userCall('GET', `/internal/users/${randomUUID()}`, { token: await serviceToken('payment') }), 404, 'not_found');
    expectErrorBody(await userCall('GET', '/internal/users/not-a-uuid', { token: await serviceToken('payment') }), 400);
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ['no token', async () => undefined],
    ["a user's access token", () => tokenFor(envs.user!, randomUUID())],
    ['a service token for another audience', () => serviceToken('payment', 'payment')],
    ['an undeclared caller', () => issueServiceToken('user', { caller: 'reporting', signer: createLocalSigner({ kid: randomUUID(), key: strangerKey() }) })],
  ])('refuses %s with 401 JSON', async (_label, make) => {
    const id = await existingUser();
    expectErrorBody(await userCall('GET', `/internal/users/${id}`, { token: await make() }), 401, 'unauthorized');
  });

  it('is not reachable through the local gateway (404), as through the ALB', async () => {
    const gateway = await startGateway({ port: 0, upstreams: { user: `http://${users.address}` } });
    try {
      const id = await existingUser();
      const res = await client(gateway.url)('GET', `/internal/users/${id}`, { token: await serviceToken('payment') });
      expectErrorBody(res, 404, 'not_found');
    } finally {
      await gateway.close();
    }
  });
});

describe('the AWS code path (KMS stand-in)', () => {
  it("signs with the caller's own KMS key once per token lifetime; the callee verifies with its declared callers' public keys", async () => {
    const kms = await startKmsStandIn();
    try {
      const [paymentKey, notificationKey] = [kms.createKey(), kms.createKey()];
      const callee = await startTestService(userService, {
        ...envs.user!,
        SERVICE_CALLER_JWKS: '',
        SERVICE_CALLER_KMS_KEYS: `payment=${paymentKey.arn},notification=${notificationKey.arn}`,
        KMS_ENDPOINT: kms.endpoint,
      });
      /** A payment task signing its service tokens with the KMS key `arn`, calling this user service. */
      const paymentSigningWith = (arn: string) =>
        startTestService(paymentService, {
          ...withCallee(envs.payment!, 'user', `127.0.0.1:${callee.port}`),
          SERVICE_TOKEN_JWK: '',
          SERVICE_TOKEN_KMS_KEY: arn,
          KMS_ENDPOINT: kms.endpoint,
        });
      const payment = await paymentSigningWith(paymentKey.arn);
      try {
        const call = client(payment.url);
        for (let i = 0; i < 3; i++) {
          const token = await tokenFor(envs.user!, await existingUser());
          const res = await call('POST', '/payments', { token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } });
          expect(res.status).toBe(201);
        }
        const signs = kms.calls.filter((c) => c.operation === 'Sign');
        expect(signs.map((c) => c.body.KeyId)).toEqual([paymentKey.arn]);
        const fetched = kms.calls.filter((c) => c.operation === 'GetPublicKey').map((c) => c.body.KeyId);
        expect(fetched).toEqual(expect.arrayContaining([paymentKey.arn, notificationKey.arn]));

        // A key of the same account that the catalog does not list for the user service signs nothing it accepts.
        const other = kms.createKey();
        const impostor = await paymentSigningWith(other.arn);
        try {
          const token = await tokenFor(envs.user!, await existingUser());
          const res = await client(impostor.url)('POST', '/payments', { token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } });
          expectErrorBody(res, 503, 'upstream_unavailable');
        } finally {
          await impostor.stop();
        }
      } finally {
        await payment.stop();
        await callee.stop();
      }
    } finally {
      await kms.close();
    }
  });
});

describe('payment: the account check before charging', () => {
  let pay: (token: string) => Promise<{ status: number; headers: Headers; body: any; ms: number }>;
  let stopPayment: () => Promise<unknown>;
  beforeAll(async () => {
    const payment = await startTestService(paymentService, envs.payment!);
    stopPayment = () => payment.stop();
    const call = client(payment.url);
    pay = (token) => call('POST', '/payments', { token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } });
  });
  afterAll(async () => {
    await users.resume();
    await stopPayment();
  });

  it('charges existing accounts, refuses deleted and revoked ones; with the user service stopped it degrades to the last answer, else 503 + Retry-After, within its deadline', async () => {
    const known = await existingUser();
    const unseen = await existingUser();
    const deleted = await existingUser();
    const revoked = await existingUser();
    const knownToken = await tokenFor(envs.user!, known);
    const deletedToken = await tokenFor(envs.user!, deleted);
    // A password change after the token was issued (cut-off in the future of its iat).
    const revokedToken = await tokenFor(envs.user!, revoked);
    await users.query(`UPDATE users SET tokens_valid_after = now() + interval '5 seconds' WHERE id = $1`, [revoked]);
    await users.query('DELETE FROM users WHERE id = $1', [deleted]);

    expect((await pay(knownToken)).status).toBe(201);
    expectErrorBody(await pay(deletedToken), 401, 'unauthorized');
    expectErrorBody(await pay(revokedToken), 401, 'unauthorized');

    await users.pause();
    const degraded = await pay(knownToken);
    expect(degraded.status).toBe(201);
    expect(degraded.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    // The last answer said "deleted": still refused while the user service is down.
    expectErrorBody(await pay(deletedToken), 401, 'unauthorized');

    const unavailable = await pay(await tokenFor(envs.user!, unseen));
    expectErrorBody(unavailable, 503, 'upstream_unavailable');
    expect(Number(unavailable.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(unavailable.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    // The breaker is open by now: a degraded answer costs no wait at all.
    const whileOpen = await pay(knownToken);
    expect(whileOpen.status).toBe(201);
    console.log(`user service stopped: degraded 201 in ${Math.round(degraded.ms)} ms (breaker closed), ${Math.round(whileOpen.ms)} ms (breaker open); 503 in ${Math.round(unavailable.ms)} ms`);

    await users.resume();
  });
});

describe('the kit client', () => {
  it('opens the breaker after the configured failures, answers at once while open, and closes after recovery', async () => {
    const config = loadPaymentConfig(envs.payment!);
    const calls = createServiceCalls('payment', config.calls, config, logger);
    const user = calls.clientFor('user', { breaker: { consecutiveFailures: 5, halfOpenAfterMs: 2000 } });
    const id = await existingUser();
    // Other tests' payment services count into the same instrument: compare with what was there.
    const before = await outcomeCounts();
    expect(await user.call(`/internal/users/${id}`)).toMatchObject({ kind: 'answer', status: 200 });

    await users.pause();
    // Three attempts each: the first call fails three times, the second opens the breaker on its second.
    expect(await user.call(`/internal/users/${id}`)).toMatchObject({ kind: 'unavailable', outcome: 'unreachable' });
    expect(user.circuit()).toBe('closed');
    expect(await user.call(`/internal/users/${id}`)).toMatchObject({ kind: 'unavailable', outcome: 'breaker_open' });
    expect(user.circuit()).toBe('open');
    const started = performance.now();
    expect(await user.call(`/internal/users/${id}`)).toEqual({ kind: 'unavailable', outcome: 'breaker_open', retryAfterSeconds: 2 });
    expect(performance.now() - started).toBeLessThan(50);
    const gauge = (await dataPoints(METRICS.circuitState.name)).find((p) => p.attributes.Service === 'payment');
    expect(gauge?.value).toBe(CIRCUIT_STATE.open);

    await users.resume();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await user.call(`/internal/users/${id}`)).toMatchObject({ kind: 'answer', status: 200 });
    expect(user.circuit()).toBe('closed');

    const after = await outcomeCounts();
    const delta = Object.fromEntries(Object.entries(after).map(([outcome, count]) => [outcome, count - (before[outcome] ?? 0)]).filter(([, count]) => count !== 0));
    expect(delta).toEqual({ success: 2, unreachable: 1, breaker_open: 2 });
    calls.close();
  });

  it('retries only idempotent calls, only on failures, and passes the request id and a service token for the callee', async () => {
    const seen: { method: string; url: string; requestId?: string; authorization?: string }[] = [];
    let status = 503;
    const upstream = createHttpServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, requestId: req.headers['x-request-id'] as string, authorization: req.headers.authorization });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"code":"x","message":"x"}}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      // A client with a breaker of its own, so each check starts closed.
      const fresh = () => paymentClientTo(`127.0.0.1:${(upstream.address() as { port: number }).port}`);
      const attempts = async (work: (api: ReturnType<typeof fresh>) => Promise<unknown>) => {
        seen.length = 0;
        const result = await work(fresh());
        return { result, attempts: seen.length };
      };

      const get = await attempts((api) => api.call('/internal/users/a', { requestId: 'req-123' }));
      expect(get).toEqual({ result: { kind: 'unavailable', outcome: 'server_error', retryAfterSeconds: 1 }, attempts: 3 });
      expect(seen.map((r) => [r.method, r.url, r.requestId])).toEqual(Array.from({ length: 3 }, () => ['GET', '/internal/users/a', 'req-123']));
      const claims = JSON.parse(Buffer.from(seen[0]!.authorization!.split('.')[1]!, 'base64url').toString());
      expect(claims).toMatchObject({ iss: 'payment', sub: 'payment', aud: 'user' });

      expect((await attempts((api) => api.call('/internal/things', { method: 'POST', body: {} }))).attempts).toBe(1);
      expect((await attempts((api) => api.call('/internal/things', { method: 'POST', body: {}, idempotent: true }))).attempts).toBe(3);

      // A 4xx is an answer: not retried, and not a failure for the breaker.
      status = 404;
      const answered = await attempts(async (api) => [await api.call('/internal/users/b'), api.circuit()]);
      expect(answered).toEqual({ result: [{ kind: 'answer', status: 404, body: { error: { code: 'x', message: 'x' } } }, 'closed'], attempts: 1 });
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  describe('with an upstream that accepts connections and never answers', () => {
    let blackHole: Server;
    const sockets = new Set<Socket>();
    let address: string;
    beforeAll(async () => {
      blackHole = createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(blackHole.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    });


    it('no call outlives its deadline, retried or not; the bulkhead turns the excess away at once', async () => {
      const upstream = paymentClientTo(address, { breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 5000 } });
      const timed = async <T>(work: () => Promise<T>) => {
        const started = performance.now();
        return { result: await work(), ms: performance.now() - started };
      };
      const idempotent = await timed(() => upstream.call('/internal/users/x'));
      expect(idempotent.result).toMatchObject({ kind: 'unavailable', outcome: 'timeout' });
      expect(idempotent.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(idempotent.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      const once = await timed(() => upstream.call('/internal/x', { method: 'POST', body: {} }));
      expect(once.result).toMatchObject({ kind: 'unavailable', outcome: 'timeout' });
      expect(once.ms).toBeLessThan(500 + SLACK_MS);

      // 32 in flight and 64 waiting: of 120 at once, 24 are refused without waiting.
      const burst = await timed(() => Promise.all(Array.from({ length: 120 }, () => upstream.call('/internal/users/x'))));
      const outcomes = burst.result.map((r) => (r.kind === 'unavailable' ? r.outcome : 'answer'));
      expect(outcomes.filter((o) => o === 'bulkhead_full')).toHaveLength(24);
      expect(outcomes.filter((o) => o === 'timeout')).toHaveLength(96);
      expect(burst.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    });

    it('payment answers 503 + Retry-After within its deadline instead of hanging', async () => {
      const payment = await startTestService(paymentService, withCallee(envs.payment!, 'user', address));
      try {
        const token = await tokenFor(envs.user!, await existingUser());
        const res = await client(payment.url)('POST', '/payments', { token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } });
        expectErrorBody(res, 503, 'upstream_unavailable');
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      } finally {
        await payment.stop();
      }
    });
  });
});

describe('notification: the recipient of a notification', () => {
  it('is the current address; with the user service stopped, the stored copy; without one, deferred; a deleted account gets nothing', async () => {
    const config = loadNotificationConfig(envs.notification!);
    const dynamo = createDynamo(config);
    const store = createNotificationStore({ doc: dynamo.doc, notificationsTable: config.tables.notifications, processedEventsTable: config.tables.processedEvents });
    const sent: { n: Notification; to: Recipient }[] = [];
    const handle = createEventProcessor({
      store,
      logger,
      sender: { channel: 'email', send: async (n, to) => void sent.push({ n, to }) },
      // A short half-open delay: the test goes on right after the user service is back.
      directory: createUserDirectory(
        createServiceCalls('notification', config.calls, config, logger).clientFor('user', { breaker: { consecutiveFailures: 5, halfOpenAfterMs: 300 } }),
      ),
    });
    const message = (body: unknown): Message => ({ MessageId: randomUUID(), ReceiptHandle: 'r', Body: JSON.stringify(body) });
    try {
      // A real registration and an e-mail change through the user service's public API.
      const { user, token, password } = await registerAndLogin(userCall, { name: 'Grace' });
      const changed = `changed-${user.email}`;
      expect((await userCall('PATCH', `/users/${user.id}`, { token, body: { email: changed, currentPassword: password } })).status).toBe(200);
      await handle(message(paid(user.id, 1000)));
      expect(sent.at(-1)?.to).toEqual({ email: changed, name: 'Grace' });

      const stranger = await existingUser();
      await users.pause();
      // The current address was stored with the last answer: it is what a degraded receipt uses.
      await handle(message(paid(user.id, 2000)));
      expect(sent.at(-1)?.to).toEqual({ email: changed, name: 'Grace' });
      // Nobody ever told the notification service where the stranger lives: deferred to the queue.
      await expect(handle(message(paid(stranger, 3000)))).rejects.toBeInstanceOf(RecipientUnavailableError);
      await users.resume();
      await new Promise((resolve) => setTimeout(resolve, 400));

      const { user: leaving, token: leavingToken, password: leavingPassword } = await registerAndLogin(userCall);
      expect((await userCall('DELETE', `/users/${leaving.id}`, { token: leavingToken, body: { currentPassword: leavingPassword } })).status).toBe(204);
      const count = sent.length;
      await handle(message(paid(leaving.id, 4000)));
      expect(sent).toHaveLength(count);
      const [receipt] = (await allNotifications(dynamo.doc, config.tables.notifications)).filter((n) => n.userId === leaving.id);
      expect(receipt).toMatchObject({ status: 'failed', lastError: 'recipient account deleted' });
    } finally {
      await users.resume();
      dynamo.client.destroy();
    }
  });
});

describe('under load', () => {
  it('50 connections paying while the user service restarts: 0 × 5xx on the degrading path', async () => {
    const payment = await spawnService('payment', { ...envs.payment!, LOG_LEVEL: 'warn' });
    const payers = await Promise.all(Array.from({ length: 20 }, async () => tokenFor(envs.user!, await existingUser())));
    const base = client(payment.url);
    // Every payer paid once while the user service was up: the last answers are known.
    for (const token of payers) {
      expect((await base('POST', '/payments', { token, body: { amount: 1, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } })).status).toBe(201);
    }
    let n = 0;
    const load = autocannon({
      url: payment.url,
      connections: 50,
      duration: 10,
      requests: [
        {
          method: 'POST',
          path: '/payments',
          setupRequest: (req) => ({
            ...req,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${payers[n % payers.length]}`,
              'idempotency-key': `load-${n++}-${randomUUID()}`,
            },
            body: JSON.stringify({ amount: 100, currency: 'EUR' }),
          }),
        },
      ],
    });
    // The restart: stopped 2 s in (graceful, as ECS stops a task), back 4 s later.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await users.pause();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await users.resume();
    const result = await load;
    console.log(
      `load during a user-service restart: ${result.requests.total} requests, 2xx ${result['2xx']}, non-2xx ${result.non2xx}, 5xx ${result['5xx']}, ` +
        `errors ${result.errors}, timeouts ${result.timeouts}, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    expect(result['5xx']).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result['2xx']).toBeGreaterThan(100);
    const degraded = payment.lines.filter((l) => l.includes('"upstream call failed"'));
    expect(degraded.length).toBeGreaterThan(0);
    await payment.kill('SIGTERM');
  });
});
