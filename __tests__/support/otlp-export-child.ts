/**
 * Sends spans or metrics to an OTLP/HTTP endpoint with the real OpenTelemetry exporters, in a
 * process of its own: the exporters load node:http through dynamic import(), which Jest's module
 * sandbox refuses. Prints the span contexts it created as one JSON line.
 *
 *   node --import tsx otlp-export-child.ts <endpoint> traces '<SpanSpec[]>'
 *   node --import tsx otlp-export-child.ts <endpoint> metrics '<{"name","adds":[{"value","attributes"}]}>'
 */
import { context, SpanStatusCode, trace, type Attributes, type SpanKind } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type Span } from '@opentelemetry/sdk-trace-base';

export interface SpanSpec {
  readonly service: string;
  readonly name: string;
  readonly kind?: SpanKind;
  /** Index of an earlier span in the list. */
  readonly parent?: number;
  readonly error?: string;
  readonly attributes?: Attributes;
  /** Started this long ago (default: now). */
  readonly startAgoMs?: number;
}

export interface MetricSpec {
  readonly name: string;
  readonly adds: readonly { readonly value: number; readonly attributes?: Attributes }[];
}

const [endpoint, signal, spec] = process.argv.slice(2);

const sendTraces = async (specs: SpanSpec[]) => {
  const providers = new Map<string, BasicTracerProvider>();
  const providerOf = (service: string) => {
    if (!providers.has(service)) {
      const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces` });
      providers.set(service, new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    }
    return providers.get(service)!;
  };
  const spans: Span[] = [];
  for (const s of specs) {
    const parent = s.parent === undefined ? context.active() : trace.setSpan(context.active(), spans[s.parent]);
    const span = providerOf(s.service)
      .getTracer('otlp-export-child')
      .startSpan(s.name, { kind: s.kind, attributes: s.attributes, startTime: Date.now() - (s.startAgoMs ?? 0) }, parent) as Span;
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
    spans.push(span);
  }
  for (const span of [...spans].reverse()) span.end();
  await Promise.all([...providers.values()].map((p) => p.shutdown()));
  return spans.map((span) => span.spanContext()).map(({ traceId, spanId }) => ({ traceId, spanId }));
};

const sendMetrics = async ({ name, adds }: MetricSpec) => {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }), exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'otlp-export-child' }), readers: [reader] });
  const counter = provider.getMeter('otlp-export-child').createCounter(name);
  for (const add of adds) counter.add(add.value, add.attributes);
  await provider.shutdown(); // exports what was recorded
  return {};
};

void (signal === 'traces' ? sendTraces(JSON.parse(spec) as SpanSpec[]) : sendMetrics(JSON.parse(spec) as MetricSpec)).then((result) => {
  console.log(JSON.stringify(result));
});
