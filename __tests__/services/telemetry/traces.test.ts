/**
 * Tracing and metrics end to end: the three services run as processes (as in `npm run dev` and
 * ECS: telemetry starts in runMain) against the real engines and export OTLP to a receiver of the
 * test's. A payment yields one trace from the payment service's server span through its DynamoDB
 * calls, the outbox relay's SQS send, to the notification consumer's processing span and its
 * DynamoDB write; a registration (PostgreSQL outbox) joins the consumer the same way. Log lines
 * carry the trace id, responses the W3C `traceresponse`, and the metrics are the catalog's.
 */
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../../../scripts/engines/process';
import { METRICS } from '../../../services/telemetry';
import { withCallee } from '../../support/callees';
import { client, newUserBody, registerAndLogin, type Call } from '../../support/http';
import { provisionTestNamespace } from '../../support/namespace';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver';
import { spawnService, type SpawnedService } from '../../support/services';

jest.setTimeout(90_000);

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const TRACERESPONSE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** Short export delays so the test waits for spans and metrics in fractions of a second. */
const telemetryEnv = (receiver: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_PROPAGATORS: 'tracecontext',
  OTEL_TRACES_SAMPLER: 'always_on',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_METRIC_EXPORT_INTERVAL: '300',
  LOG_LEVEL: 'info',
});

const traceIdOf = (headers: Headers): string => {
  const match = TRACERESPONSE.exec(headers.get('traceresponse') ?? '');
  if (!match) throw new Error(`no traceresponse: ${headers.get('traceresponse')}`);
  return match[1]!;
};

/** Every span of the trace has its parent in the trace, except one root. */
const expectOneTree = (spans: ReceivedSpan[]): ReceivedSpan => {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  expect(roots.map((r) => `${r.service} ${r.name}`)).toHaveLength(1);
  return roots[0]!;
};

const ancestorsOf = (span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] => {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) chain.push(parent);
  return chain;
};

describe('telemetry on (OTLP to a receiver)', () => {
  let receiver: OtlpReceiver;
  let services: Record<'user' | 'payment' | 'notification', SpawnedService>;
  let user: Call;
  let payment: Call;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const { env } = await provisionTestNamespace({ overrides: telemetryEnv(receiver) });
    // The callers resolve `user` to the user service started here, as Service Connect would.
    const u = await spawnService('user', env.user!);
    const userAddress = new URL(u.url).host;
    const [p, n] = await Promise.all(['payment', 'notification'].map((name) => spawnService(name, withCallee(env[name]!, 'user', userAddress))));
    services = { user: u, payment: p!, notification: n! };
    user = client(u.url);
    payment = client(p!.url);
  });
  afterAll(() => receiver?.close());

  const traceSpans = (traceId: string) => receiver.spans().filter((s) => s.traceId === traceId);
  const waitForSpan = (what: string, traceId: string, match: (s: ReceivedSpan) => boolean) =>
    waitUntil(what, () => traceSpans(traceId).find(match), { timeoutMs: 20_000, intervalMs: 50 });

  it('one payment: server span, DynamoDB calls, SQS send, consumer processing and the notification write under one trace id', async () => {
    const { token } = await registerAndLogin(user);
    const created = await payment('POST', '/payments', { token, body: { amount: 1250, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } });
    expect(created.status).toBe(201);
    const traceId = traceIdOf(created.headers);

    const consumed = await waitForSpan('the consumer span', traceId, (s) => s.service === 'notification' && s.kind === CONSUMER);
    const notificationWrite = await waitForSpan(
      'the notification write',
      traceId,
      (s) => s.service === 'notification' && s.kind === CLIENT && s.name === 'DynamoDB.TransactWriteItems',
    );
    const spans = traceSpans(traceId);
    const root = expectOneTree(spans);
    expect(root).toMatchObject({ service: 'payment', kind: SERVER, name: 'POST /payments' });
    expect(root.attributes).toMatchObject({ 'http.route': '/payments', 'http.response.status_code': 201 });
    // The traceresponse names the payment service's server span.
    expect(created.headers.get('traceresponse')).toBe(`00-${traceId}-${root.spanId}-01`);

    // The idempotency lock (PutItem), then payment + outbox event + key record in one transaction.
    const paymentDynamo = spans.filter((s) => s.service === 'payment' && s.kind === CLIENT && s.name.startsWith('DynamoDB.'));
    expect(paymentDynamo.map((s) => s.name)).toEqual(expect.arrayContaining(['DynamoDB.PutItem', 'DynamoDB.TransactWriteItems']));
    for (const span of paymentDynamo.filter((s) => s.name === 'DynamoDB.TransactWriteItems')) expect(span.parentSpanId).toBe(root.spanId);

    // The relay's send: our PRODUCER span in this trace, the AWS SDK's SQS call under it.
    const send = spans.find((s) => s.service === 'payment' && s.kind === PRODUCER && s.name.startsWith('send '));
    expect(send?.attributes).toMatchObject({ 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'send', 'outbox.name': 'payment-outbox' });
    expect(spans.some((s) => s.service === 'payment' && s.parentSpanId === send!.spanId && s.attributes['rpc.method'] === 'SendMessageBatch')).toBe(true);

    // The consumer's span descends from the send, and the notification write from the consumer's span.
    expect(ancestorsOf(consumed, spans).map((s) => s.spanId)).toEqual(expect.arrayContaining([send!.spanId, root.spanId]));
    expect(consumed.attributes).toMatchObject({ 'messaging.operation.type': 'process' });
    expect(ancestorsOf(notificationWrite, spans)[0]!.spanId).toBe(consumed.spanId);
    expect(spans.filter((s) => s.service === 'notification' && s.kind === CLIENT && s.name.startsWith('DynamoDB.')).length).toBeGreaterThanOrEqual(2);

    // Log lines written in the trace carry its id: the payment's access log, the notification sent.
    const logged = (service: SpawnedService) => service.lines.filter((l) => l.includes(traceId)).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitUntil('the notification log line', () => logged(services.notification).length > 0, { timeoutMs: 5000, intervalMs: 50 });
    expect(logged(services.payment)).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request', path: '/payments', trace_id: traceId, span_id: root.spanId })]));
    expect(logged(services.notification)[0]).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('a registration (PostgreSQL outbox): the consumer span joins the trace of the request that wrote the event', async () => {
    const created = await user('POST', '/users', { body: newUserBody() });
    expect(created.status).toBe(201);
    const traceId = traceIdOf(created.headers);
    const consumed = await waitForSpan('the consumer span', traceId, (s) => s.service === 'notification' && s.kind === CONSUMER);
    await waitForSpan('the notification write', traceId, (s) => s.service === 'notification' && s.name === 'DynamoDB.TransactWriteItems');
    const spans = traceSpans(traceId);
    const root = expectOneTree(spans);
    expect(root).toMatchObject({ service: 'user', kind: SERVER, name: 'POST /users' });
    const chain = ancestorsOf(consumed, spans);
    expect(chain.map((s) => `${s.service} ${s.kind}`)).toEqual(expect.arrayContaining(['user 4', 'user 2']));
    // The INSERTs of the user and its event are PostgreSQL spans under the request.
    expect(spans.filter((s) => s.service === 'user' && s.name.startsWith('pg.query:INSERT')).length).toBeGreaterThanOrEqual(2);
  });

  it('a cached read has its Redis call under its own server span (auto-pipelined or not); probes are not traced', async () => {
    const { token, user: me } = await registerAndLogin(user);
    // The first read fills the cache with a SET nobody awaits: the next read's GET is pipelined
    // behind it, and must still land in its own trace.
    await user('GET', `/users/${me.id}`, { token });
    const read = await user('GET', `/users/${me.id}`, { token });
    const traceId = traceIdOf(read.headers);
    const get = await waitForSpan('the redis get', traceId, (s) => s.name === 'get');
    expect(get.attributes).toMatchObject({ 'db.system.name': 'redis' });
    expect(get.parentSpanId).toBe(TRACERESPONSE.exec(read.headers.get('traceresponse')!)![2]);
    expect(traceSpans(traceId).some((s) => s.name.startsWith('pg.'))).toBe(false);
    const probe = await user('GET', '/health/ready');
    expect(probe.headers.get('traceresponse')).toBeNull();
  });

  it('exports the catalog metrics, with exactly their names, units and dimensions', async () => {
    const { token } = await registerAndLogin(user);
    const key = randomUUID();
    for (let i = 0; i < 2; i++) await payment('POST', '/payments', { token, body: { amount: 700, currency: 'EUR' }, headers: { 'idempotency-key': key } });
    await payment('GET', '/nowhere');

    const expected = [
      ['payment', 'HttpRequests', { RouteFamily: 'payments' }],
      ['payment', 'HttpRequests', { RouteFamily: 'other' }],
      ['payment', 'HttpDuration', { RouteFamily: 'payments' }],
      ['payment', 'PaymentsCreated', {}],
      ['payment', 'IdempotentReplays', {}],
      ['payment', 'OutboxLag', { Outbox: 'payment-outbox' }],
      ['user', 'OutboxLag', { Outbox: 'user-outbox' }],
      ['user', 'HttpRequests', { RouteFamily: 'auth' }],
      ['user', 'CacheHits', {}],
      ['user', 'CacheMisses', {}],
      ['notification', 'NotificationsSent', {}],
      ['notification', 'ConsumerLag', { Queue: 'events' }],
      ['notification', 'ConsumerProcessingTime', { Queue: 'events' }],
    ] as const;
    const has = ([service, name, dimensions]: (typeof expected)[number]) =>
      receiver.dataPoints().some((p) => p.service === service && p.name === name && JSON.stringify(p.attributes) === JSON.stringify({ Service: service, ...dimensions }));
    await waitUntil(`metrics ${expected.filter((e) => !has(e)).map((e) => e.join(' ')).join(', ')}`, () => expected.every(has), { timeoutMs: 20_000, intervalMs: 100 });

    const catalog = new Map(Object.values(METRICS).map((m) => [m.name, m]));
    for (const point of receiver.dataPoints()) {
      const metric = catalog.get(point.name);
      expect({ name: point.name, known: metric !== undefined }).toEqual({ name: point.name, known: true });
      expect(point.unit).toBe(metric!.unit);
      expect(Object.keys(point.attributes).sort()).toEqual([...metric!.dimensions].sort());
      // Histograms must be exponential: the collector's EMF exporter makes percentiles only from those.
      expect(point.type).toBe({ counter: 'sum', histogram: 'exponentialHistogram', gauge: 'gauge' }[metric!.kind]);
    }
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('exports nothing, answers without traceresponse and logs without trace ids', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { env } = await provisionTestNamespace({ overrides: { ...telemetryEnv(receiver), OTEL_SDK_DISABLED: 'true' } });
      const service = await spawnService('user', env.user!);
      const created = await client(service.url)('POST', '/users', { body: newUserBody() });
      expect(created.status).toBe(201);
      expect(created.headers.get('traceresponse')).toBeNull();
      expect(await service.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(receiver.requests()).toEqual([]);
      expect(service.lines.filter((l) => l.includes('trace_id'))).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
