/**
 * The dev stack's OTLP receiver and `/_dev/` API, fed by the real OpenTelemetry exporters the
 * services use (OTLP/HTTP JSON, run in a child process: see otlp-export-child.ts), read back
 * through the gateway as the page reads them.
 */
import { SpanKind } from '@opentelemetry/api';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startGateway, type Gateway } from '../../scripts/gateway';
import { MAX_OTLP_BODY_BYTES, startOtlpReceiver, type OtlpReceiver } from '../../scripts/dev-traces/receiver';
import { TraceStore, type StoredSpan, type TraceDetail, type TraceSummary } from '../../scripts/dev-traces/store';
import { freePort } from '../../scripts/engines/process';
import type { MetricSpec, SpanSpec } from '../support/otlp-export-child';

let store: TraceStore;
let receiver: OtlpReceiver;
let gateway: Gateway;

beforeAll(async () => {
  store = new TraceStore();
  receiver = await startOtlpReceiver(store, { port: 0 });
  const dead = `http://127.0.0.1:${await freePort()}`;
  gateway = await startGateway({ port: 0, traces: store, upstreams: { user: dead, payment: dead, notification: dead } });
});
afterAll(async () => {
  await gateway.close();
  await receiver.close();
});

const CHILD = path.join(__dirname, '../support/otlp-export-child.ts');

/** Sends through the real OTLP/HTTP JSON exporters to the receiver; the spans' ids, in spec order. */
async function exportOtlp(signal: 'traces', spec: SpanSpec[], env?: Record<string, string>): Promise<{ traceId: string; spanId: string }[]>;
async function exportOtlp(signal: 'metrics', spec: MetricSpec): Promise<unknown>;
async function exportOtlp(signal: string, spec: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, receiver.url, signal, JSON.stringify(spec)], {
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

const getJson = async <T>(path: string): Promise<{ status: number; body: T; type: string | null }> => {
  const response = await fetch(`${gateway.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T };
};

const postTraces = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers, body });

describe('OTLP receiver → /_dev/traces', () => {
  it('stores what the real exporter sends: two services, one trace, parents, kinds, status and attributes', async () => {
    const [server, put, send] = await exportOtlp('traces', [
      { service: 'payment', name: 'POST /payments', kind: SpanKind.SERVER, attributes: { 'http.route': '/payments', 'http.response.status_code': 201 } },
      { service: 'payment', name: 'DynamoDB.PutItem', kind: SpanKind.CLIENT, parent: 0, attributes: { 'aws.dynamodb.table_names': ['dev-payments'] } },
      { service: 'payment', name: 'dev-events send', kind: SpanKind.PRODUCER, parent: 0 },
      { service: 'notification', name: 'dev-events process', kind: SpanKind.CONSUMER, parent: 2, error: 'mailbox unavailable' },
    ]);

    const traceId = server.traceId;
    const { status, body } = await getJson<TraceDetail>(`/_dev/traces/${traceId}`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(traceId);
    const byName = Object.fromEntries(body.spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['DynamoDB.PutItem', 'POST /payments', 'dev-events process', 'dev-events send']);
    expect(byName['POST /payments']).toMatchObject({
      spanId: server.spanId,
      parentSpanId: null,
      service: 'payment',
      kind: 'SERVER',
      offsetMs: 0,
      status: { code: 'UNSET' },
      attributes: { 'http.route': '/payments', 'http.response.status_code': 201 },
    });
    expect(byName['DynamoDB.PutItem']).toMatchObject({ spanId: put.spanId, parentSpanId: server.spanId, kind: 'CLIENT', attributes: { 'aws.dynamodb.table_names': ['dev-payments'] } });
    expect(byName['dev-events process']).toMatchObject({
      parentSpanId: send.spanId,
      service: 'notification',
      kind: 'CONSUMER',
      status: { code: 'ERROR', message: 'mailbox unavailable' },
    });
    for (const span of body.spans) {
      expect(span.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(span.durationMs).toBeGreaterThanOrEqual(0);
    }

    const list = await getJson<{ traces: TraceSummary[] }>('/_dev/traces');
    expect(list.type).toMatch(/^application\/json/);
    expect(list.body.traces.find((t) => t.traceId === traceId)).toEqual({
      traceId,
      rootName: 'POST /payments',
      services: ['payment', 'notification'],
      spanCount: 4,
      startTime: byName['POST /payments'].startTime,
      durationMs: expect.any(Number),
      error: true,
    });
  });

  it('accepts gzip bodies (OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=gzip)', async () => {
    const [span] = await exportOtlp('traces', [{ service: 'user', name: 'gzipped' }], { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip' });
    expect((await getJson<TraceDetail>(`/_dev/traces/${span.traceId}`)).body.spans[0]).toMatchObject({ name: 'gzipped', service: 'user' });
  });

  it('lists the newest trace first', async () => {
    const [older, newer] = await exportOtlp('traces', [
      { service: 'user', name: 'older', startAgoMs: 60_000 },
      { service: 'user', name: 'newer' },
    ]);
    const ids = (await getJson<{ traces: TraceSummary[] }>('/_dev/traces')).body.traces.map((t) => t.traceId);
    expect(ids[0]).toBe(newer.traceId);
    expect(ids.indexOf(older.traceId)).toBeGreaterThan(0);
  });
});

describe('OTLP receiver refuses what it cannot take, with an OTLP JSON Status', () => {
  const validSpan = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'x', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' };
  const request = (spans: unknown[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

  it.each([
    ['protobuf', 415, () => postTraces(Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' })],
    ['no content type', 415, () => postTraces('{}', {})],
    ['an unknown content encoding', 415, () => postTraces('{}', { 'content-type': 'application/json', 'content-encoding': 'br' })],
    ['a body that is not JSON', 400, () => postTraces('{"resourceSpans":')],
    ['a corrupt gzip body', 400, () => postTraces(Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })],
    ['resourceSpans that is not a list', 400, () => postTraces('{"resourceSpans":{}}')],
    ['a short trace id', 400, () => postTraces(request([{ ...validSpan, traceId: 'abc' }]))],
    ['a span id that is not hex', 400, () => postTraces(request([{ ...validSpan, spanId: 'z'.repeat(16) }]))],
    ['a span kind out of range', 400, () => postTraces(request([{ ...validSpan, kind: 9 }]))],
    ['a time that is not a number', 400, () => postTraces(request([{ ...validSpan, startTimeUnixNano: 'soon' }]))],
    ['an attribute that is not an AnyValue', 400, () => postTraces(request([{ ...validSpan, attributes: [{ key: 'k', value: 'bare' }] }]))],
    ['a body over the limit', 413, () => postTraces('x'.repeat(MAX_OTLP_BODY_BYTES + 1))],
    [
      'a streamed body over the limit (no content-length)',
      413,
      () => {
        const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull: (controller) => {
            if (sent > MAX_OTLP_BODY_BYTES) controller.close();
            else controller.enqueue(chunk);
            sent += chunk.length;
          },
        });
        return fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      },
    ],
    ['a gzip body inflating over the limit', 400, () => postTraces(gzipSync(Buffer.alloc(MAX_OTLP_BODY_BYTES + 1, 32)), { 'content-type': 'application/json', 'content-encoding': 'gzip' })],
    ['GET', 405, () => fetch(`${receiver.url}/v1/traces`)],
    ['an unknown signal', 404, () => fetch(`${receiver.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })],
  ])('%s → %s', async (_label, status, send) => {
    const before = store.size;
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ code: expect.any(Number), message: expect.any(String) });
    expect(store.size).toBe(before);
  });

  it('answers an empty export with {} and a valid one with the spans stored', async () => {
    expect(await (await postTraces('{}')).json()).toEqual({});
    const response = await postTraces(request([{ ...validSpan, attributes: [{ key: 'n', value: { intValue: '42' } }, { key: 'e', value: {} }] }]));
    expect(await response.json()).toEqual({});
    expect(store.get('a'.repeat(32))?.spans[0]).toMatchObject({ kind: 'SERVER', attributes: { n: 42, e: null } });
  });
});

describe('OTLP receiver metrics', () => {
  it('accepts what the real metric exporter sends and counts data points per metric', async () => {
    await exportOtlp('metrics', { name: 'payments.created', adds: [{ value: 1, attributes: { currency: 'EUR' } }, { value: 1, attributes: { currency: 'USD' } }] });
    expect(receiver.metrics.byName.get('payments.created')).toBe(2);
    expect(receiver.metrics.requests).toBeGreaterThanOrEqual(1);
  });

  it('refuses a malformed metrics body with 400', async () => {
    const response = await fetch(`${receiver.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{}]}]}]}' });
    expect(response.status).toBe(400);
  });
});

describe('trace store bounds', () => {
  const span = (traceId: string, spanId: string): StoredSpan => ({
    traceId,
    spanId,
    parentSpanId: null,
    service: 's',
    name: spanId,
    kind: 'INTERNAL',
    startMs: Number.parseInt(traceId.slice(-4), 16),
    durationMs: 1,
    status: { code: 'UNSET' },
    attributes: {},
  });
  const id = (n: number) => n.toString(16).padStart(32, '0');

  it('keeps the newest traces when full, dropping the one that arrived first', () => {
    const small = new TraceStore({ maxTraces: 3 });
    for (let n = 1; n <= 5; n++) small.add([span(id(n), 'a'.repeat(16))]);
    expect(small.list().map((t) => t.traceId)).toEqual([id(5), id(4), id(3)]);
    expect(small.get(id(1))).toBeUndefined();
  });

  it('drops the oldest traces when the spans of all of them exceed the total', () => {
    const small = new TraceStore({ maxSpans: 4 });
    for (let n = 1; n <= 3; n++) small.add(['1', '2'].map((s) => span(id(n), s.repeat(16))));
    expect(small.list().map((t) => t.traceId)).toEqual([id(3), id(2)]);
  });

  it('caps the spans of one trace and reports the rest as rejected (OTLP partial success)', async () => {
    const capped = new TraceStore({ maxSpansPerTrace: 2 });
    expect(capped.add(['1', '2', '3'].map((n) => span(id(9), n.repeat(16))))).toEqual({ rejected: 1 });
    // A span seen again replaces its earlier copy, even at the cap.
    expect(capped.add([span(id(9), '1'.repeat(16))])).toEqual({ rejected: 0 });
    const small = await startOtlpReceiver(capped, { port: 0 });
    try {
      const spans = ['4', '5'].map((n) => ({ traceId: id(9), spanId: n.repeat(16), name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2' }));
      const response = await fetch(`${small.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: expect.any(String) } });
    } finally {
      await small.close();
    }
  });
});

describe('/_dev/ on the gateway', () => {
  it.each([
    ['/_dev/traces/not-a-trace-id', 400, 'bad_request'],
    ['/_dev/traces/00000000000000000000000000000000', 404, 'not_found'],
    [`/_dev/traces/${'f'.repeat(31)}`, 400, 'bad_request'],
    ['/_dev/nothing-here', 404, 'not_found'],
  ])('%s → JSON %s', async (path, status, code) => {
    const response = await getJson<{ error: { code: string } }>(path);
    expect(response.status).toBe(status);
    expect(response.type).toMatch(/^application\/json/);
    expect(response.body.error.code).toBe(code);
  });

  it('refuses writes with a JSON 405', async () => {
    const response = await fetch(`${gateway.url}/_dev/traces`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves the trace page: HTML that loads nothing from elsewhere', async () => {
    for (const path of ['/_dev/', '/_dev']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).toContain('<title>Local traces</title>');
      expect(html).toContain("fetch('/_dev/traces')");
      expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    }
  });
});
