/**
 * A small OTLP/HTTP (JSON) receiver for tests: services started with
 * OTEL_EXPORTER_OTLP_ENDPOINT=<receiver.url> export their spans and metrics here, and tests read
 * them back flattened.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
const flat = (attributes: KeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries(
    (attributes ?? []).map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.boolValue))]),
  );

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

export interface ReceivedDataPoint {
  service: string;
  name: string;
  unit?: string;
  type: 'sum' | 'histogram' | 'exponentialHistogram' | 'gauge';
  attributes: Record<string, unknown>;
  /** Sum or gauge value; a histogram's count. */
  value: number;
}

export interface OtlpReceiver {
  readonly url: string;
  spans(): ReceivedSpan[];
  dataPoints(): ReceivedDataPoint[];
  /** Raw request paths received, for tests that expect none. */
  requests(): string[];
  close(): Promise<void>;
}

interface ExportTraceRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: KeyValue[] })[] }[] }[];
}
type JsonDataPoint = { attributes?: KeyValue[]; asInt?: number | string; asDouble?: number; count?: number | string };
interface ExportMetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { metrics?: { name: string; unit?: string; sum?: { dataPoints: JsonDataPoint[] }; gauge?: { dataPoints: JsonDataPoint[] }; histogram?: { dataPoints: JsonDataPoint[] }; exponentialHistogram?: { dataPoints: JsonDataPoint[] } }[] }[];
  }[];
}

const serviceOf = (resource: { attributes?: KeyValue[] } | undefined): string => String(flat(resource?.attributes)['service.name']);

export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedDataPoint[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (req.url === '/v1/traces') {
        for (const rs of (body as ExportTraceRequest).resourceSpans ?? []) {
          const service = serviceOf(rs.resource);
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, service, parentSpanId: s.parentSpanId || undefined, attributes: flat(s.attributes as KeyValue[] | undefined) });
        }
      } else if (req.url === '/v1/metrics') {
        for (const rm of (body as ExportMetricsRequest).resourceMetrics ?? []) {
          const service = serviceOf(rm.resource);
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? []) {
              const [type, data] = m.sum
                ? (['sum', m.sum] as const)
                : m.exponentialHistogram
                  ? (['exponentialHistogram', m.exponentialHistogram] as const)
                  : m.histogram
                    ? (['histogram', m.histogram] as const)
                    : (['gauge', m.gauge!] as const);
              for (const p of data.dataPoints) {
                const value = type === 'histogram' || type === 'exponentialHistogram' ? Number(p.count) : Number(p.asInt ?? p.asDouble);
                points.push({ service, name: m.name, unit: m.unit, type, attributes: flat(p.attributes), value });
              }
            }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    dataPoints: () => [...points],
    requests: () => [...paths],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
