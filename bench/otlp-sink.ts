/**
 * A local OTLP/HTTP receiver that accepts every export with 200 and keeps only counts: the
 * cheapest collector a traced service can export to, so a bench measures the SDK's own cost.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the SDK appends /v1/traces, /v1/metrics). */
  url: string;
  /** Export requests and body bytes received, per path. */
  received(): Record<string, { requests: number; bytes: number }>;
  close(): Promise<void>;
}

export const startOtlpSink = async (): Promise<OtlpSink> => {
  const received: Record<string, { requests: number; bytes: number }> = {};
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const entry = (received[path] ??= { requests: 0, bytes: 0 });
    entry.requests += 1;
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => structuredClone(received),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
