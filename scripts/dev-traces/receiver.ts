/**
 * The dev stack's OTLP/HTTP receiver, where the collector sidecar listens in AWS
 * (modules/observability/telemetry-collector.ts `OTLP_ENDPOINT`): the services' exporters send to it
 * unchanged. `POST /v1/traces` stores the spans in the trace store; `POST /v1/metrics` is accepted
 * and only counted (metric name → data points; CloudWatch is where metrics are looked at).
 *
 * JSON only (`http/json`, what appTelemetryEnvironment configures), identity or gzip; protobuf
 * gets 415. Errors are OTLP's JSON `Status` (`{"code","message"}`, gRPC codes), as the spec asks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { clientErrorHandler, closeAfterResponse } from '../../services/kit/connection';
import { MAX_HEADER_BYTES } from '../../services/kit/limits';
import { dataPointsFromOtlpJson, OtlpFormatError, spansFromOtlpJson } from './otlp-json';
import type { TraceStore } from './store';

/** Largest request body, compressed or not (the JS exporters send at most 512 spans a request). */
export const MAX_OTLP_BODY_BYTES = 4 * 1024 * 1024;

/** gRPC status codes of OTLP's error body. */
const INVALID_ARGUMENT = 3;
const UNIMPLEMENTED = 12;

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface MetricTally {
  requests: number;
  dataPoints: number;
  /** Metric name → data points received. */
  readonly byName: Map<string, number>;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly server: Server;
  readonly metrics: MetricTally;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_OTLP_BODY_BYTES) return reject(new HttpFailure(413, INVALID_ARGUMENT, `body over ${MAX_OTLP_BODY_BYTES} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OTLP_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new HttpFailure(413, INVALID_ARGUMENT, `body over ${MAX_OTLP_BODY_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });

const decode = async (req: IncomingMessage, raw: Buffer): Promise<unknown> => {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let body = raw;
  if (encoding === 'gzip') {
    body = await promisify(gunzip)(raw, { maxOutputLength: MAX_OTLP_BODY_BYTES }).catch(() => {
      throw new HttpFailure(400, INVALID_ARGUMENT, `gzip body is corrupt or inflates over ${MAX_OTLP_BODY_BYTES} bytes`);
    });
  } else if (encoding !== 'identity') throw new HttpFailure(415, UNIMPLEMENTED, `content-encoding ${encoding} is not supported (identity or gzip)`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpFailure(400, INVALID_ARGUMENT, 'body is not valid JSON');
  }
};

const send = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
};

/** Listens on `port` (4318, as the sidecar) on 127.0.0.1; 0 picks a free port. */
export const startOtlpReceiver = async (store: TraceStore, { port = 4318, host = '127.0.0.1' } = {}): Promise<OtlpReceiver> => {
  const metrics: MetricTally = { requests: 0, dataPoints: 0, byName: new Map() };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/v1/traces' && path !== '/v1/metrics') throw new HttpFailure(404, UNIMPLEMENTED, `no OTLP signal at ${path}`);
    if (req.method !== 'POST') throw new HttpFailure(405, UNIMPLEMENTED, `${req.method} is not supported: POST`);
    const mediaType = String(req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
    if (mediaType !== 'application/json') {
      throw new HttpFailure(415, UNIMPLEMENTED, `content-type ${mediaType || '(none)'} is not supported here: send OTLP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)`);
    }
    const body = await decode(req, await readBody(req));
    if (path === '/v1/traces') {
      const spans = spansFromOtlpJson(body);
      const { rejected } = store.add(spans);
      send(res, 200, rejected ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: `a trace holds at most ${store.maxSpansPerTrace} spans here` } } : {});
    } else {
      const counts = dataPointsFromOtlpJson(body);
      metrics.requests++;
      for (const [name, points] of counts) {
        metrics.dataPoints += points;
        metrics.byName.set(name, (metrics.byName.get(name) ?? 0) + points);
      }
      send(res, 200, {});
    }
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof HttpFailure ? error : error instanceof OtlpFormatError ? new HttpFailure(400, INVALID_ARGUMENT, error.message) : new HttpFailure(500, 13, 'internal error');
      // A refused body may still be arriving: not read as the next request, and no reset.
      if (!req.complete) closeAfterResponse(req, res);
      send(res, failure.status, { code: failure.grpcCode, message: failure.message });
    });
  });
  server.on('clientError', clientErrorHandler());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${bound}`,
    server,
    metrics,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
