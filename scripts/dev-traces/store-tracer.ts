/**
 * A tracer whose spans go straight into the trace store, for code that runs inside the dev
 * process (the gateway): no OTLP round trip, and each span is in the store as soon as it ends.
 * Not registered globally, so it never touches other tracers in the same process.
 */
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, SpanKindName, StatusCodeName, StoredSpan, TraceStore } from './store';

const KIND: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};
const STATUS: Record<SpanStatusCode, StatusCodeName> = { [SpanStatusCode.UNSET]: 'UNSET', [SpanStatusCode.OK]: 'OK', [SpanStatusCode.ERROR]: 'ERROR' };

export const storedSpan = (span: ReadableSpan): StoredSpan => {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    service: String(span.resource.attributes['service.name'] ?? 'unknown_service'),
    name: span.name,
    kind: KIND[span.kind],
    startMs: hrTimeToMilliseconds(span.startTime),
    durationMs: hrTimeToMilliseconds(span.duration),
    status: { code: STATUS[span.status.code], ...(span.status.message ? { message: span.status.message } : {}) },
    attributes: Object.fromEntries(Object.entries(span.attributes).map(([key, value]) => [key, (value ?? null) as AttributeValue])),
  };
};

class StoreSpanExporter implements SpanExporter {
  constructor(private readonly store: TraceStore) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.store.add(spans.map(storedSpan));
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

export interface StoreTracer {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/** Records every span (as the services do in dev: `always_on`) as service `serviceName`. */
export const storeTracer = (store: TraceStore, serviceName: string): StoreTracer => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(new StoreSpanExporter(store))],
  });
  return { tracer: provider.getTracer(serviceName), shutdown: () => provider.shutdown() };
};
