/**
 * Issue 11's local journey, as a new user tries it: `npm run dev`, one payment through the
 * gateway, and its whole journey is one trace in `/_dev/traces` (gateway → payment and its
 * DynamoDB calls → the SQS send → the consumer's processing → the notification write), with the
 * trace id in the services' log lines. Run under `flock /tmp/devstack.lock` (fixed service ports).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SpanView, TraceDetail, TraceSummary } from '../../scripts/dev-traces/store';
import { DEV_START_TIMEOUT_MS, startDevStack, type DevStack } from '../support/dev-stack';

jest.setTimeout(180_000);

let dev: DevStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'dev-traces-e2e-'));
  dev = await startDevStack({ dataDir, fresh: true });
}, DEV_START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (dev && !dev.proc.hasExited()) await dev.proc.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${dev.gateway}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

const traceOf = async (traceId: string): Promise<TraceDetail | undefined> => {
  const response = await api('GET', `/_dev/traces/${traceId}`);
  return response.status === 200 ? (response.body as TraceDetail) : undefined;
};

const isAws = (service: string, span: SpanView) => span.attributes['rpc.service'] === service || span.name.startsWith(`${service}.`);

/** The payment's trace id, from the gateway's `traceresponse`. */
let paymentTraceId: string;

test('a payment through the gateway: traceresponse, and the gateway spans in /_dev/traces', async () => {
  const email = `traces-${Date.now()}@example.com`;
  expect((await api('POST', '/users', { email, name: 'Trace Person', password: 'correct horse battery' })).status).toBe(201);
  const login = await api('POST', '/auth/login', { email, password: 'correct horse battery' });
  expect(login.status).toBe(200);
  const paid = await api(
    'POST',
    '/payments',
    { amount: 1999, currency: 'EUR', description: 'traced order' },
    {
      authorization: `Bearer ${login.body.accessToken}`,
      'idempotency-key': 'traced-order-1',
    },
  );
  expect(paid.status).toBe(201);
  const traceresponse = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(paid.headers.get('traceresponse') ?? '');
  expect(traceresponse).not.toBeNull();
  paymentTraceId = traceresponse![1];

  const listed = (await api('GET', '/_dev/traces')).body.traces as TraceSummary[];
  expect(listed.find((t) => t.traceId === paymentTraceId)).toMatchObject({
    rootName: 'POST /payments',
    error: false,
    services: expect.arrayContaining(['gateway']),
  });
  const spans = (await traceOf(paymentTraceId))!.spans;
  expect(spans.filter((s) => s.service === 'gateway').map((s) => [s.kind, s.name])).toEqual([
    ['SERVER', 'POST /payments'],
    ['CLIENT', 'POST payment'],
  ]);
  expect(spans.find((s) => s.spanId === traceresponse![2])).toMatchObject({
    parentSpanId: null,
    attributes: { 'http.response.status_code': 201 },
  });
  // The dev log names the trace of each request.
  await dev.waitForLine(`POST /payments → payment 201`, 5_000);
  expect(dev.output.find((l) => l.includes('POST /payments → payment 201'))).toContain(`trace ${paymentTraceId}`);

  // The receiver listens where the services send (OTLP_ENDPOINT, the collector sidecar's address in AWS).
  const exported = await fetch('http://127.0.0.1:4318/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(exported.status).toBe(200);

  const page = await fetch(`${dev.gateway}/_dev/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Local traces</title>');
});

// Needs the services' OpenTelemetry (services/kit/telemetry, branch h21-trace) to send their spans.
test("the payment's whole journey is that one trace, and the services' log lines carry its id", async () => {
  expect(paymentTraceId).toBeDefined();
  const journey = await dev.waitFor(
    'gateway, payment (server, DynamoDB, SQS send) and notification (processing, DynamoDB write) spans in the payment trace',
    async () => {
      const spans = (await traceOf(paymentTraceId))?.spans ?? [];
      const of = (service: string) => spans.filter((s) => s.service === service);
      const found = {
        gateway: of('gateway').find((s) => s.kind === 'SERVER'),
        paymentServer: of('payment').find((s) => s.kind === 'SERVER'),
        paymentDynamo: of('payment').find((s) => isAws('DynamoDB', s)),
        sqsSend: of('payment').find((s) => s.kind === 'PRODUCER' || (isAws('SQS', s) && /send/i.test(String(s.attributes['rpc.method'] ?? s.name)))),
        consumerProcessing: of('notification').find((s) => s.kind === 'CONSUMER'),
        notificationWrite: of('notification').find((s) => isAws('DynamoDB', s)),
      };
      const missing = Object.entries(found).flatMap(([what, span]) => (span ? [] : [what]));
      // Thrown, not returned: a timeout then says what was missing and what was there.
      if (missing.length) throw new Error(`missing ${missing.join(', ')}; spans: ${spans.map((s) => `${s.service}/${s.kind}/${s.name}`).join(', ')}`);
      return { spans, found };
    },
    60_000,
  );
  const { found, spans } = journey;
  // One trace: every span's parent is in it, except the gateway's root.
  const ids = new Set(spans.map((s) => s.spanId));
  expect(spans.filter((s) => s.parentSpanId !== null && !ids.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`)).toEqual([]);
  expect(found.paymentServer!.parentSpanId).toBe(spans.find((s) => s.service === 'gateway' && s.kind === 'CLIENT')!.spanId);
  expect((await api('GET', '/_dev/traces')).body.traces.find((t: TraceSummary) => t.traceId === paymentTraceId).services).toEqual(
    expect.arrayContaining(['gateway', 'payment', 'notification']),
  );
  // The services' log lines name the trace (telemetry/trace-context.ts: `trace_id`).
  const logged = dev.output.filter((l) => l.includes(paymentTraceId) && !l.startsWith('[dev]'));
  expect(logged.some((l) => l.startsWith('[payment]'))).toBe(true);
});

test('Ctrl-C stops the stack, the OTLP receiver included', async () => {
  process.kill(-dev.proc.child.pid!, 'SIGINT');
  await dev.waitForLine('[dev] stopped', 60_000);
  await dev.proc.exited;
  const refused = await fetch('http://127.0.0.1:4318/v1/traces', { method: 'POST' }).then(
    () => false,
    () => true,
  );
  expect(refused).toBe(true);
});
