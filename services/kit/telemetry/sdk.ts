/**
 * The process's OpenTelemetry SDK: traces and metrics exported as OTLP/HTTP (JSON) to the
 * collector sidecar (docs/decisions/0015) or, locally, the dev stack's receiver. Configured by the
 * standard variables the task definition sets (modules/observability/telemetry-collector.ts):
 * OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER,
 * OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL. Off entirely (nothing registered, nothing patched:
 * the API stays a no-op) with OTEL_SDK_DISABLED=true or without an endpoint.
 */
import { createNoopMeter, metrics, type MeterProvider as MeterProviderApi } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporalityPreference, OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, InstrumentType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { enableServerSpans } from './http';
import { installInstrumentations, type InstrumentedModule } from './instrument';
import { bindAppMetrics } from './metrics';

export interface Telemetry {
  /** False when OTEL_SDK_DISABLED=true or no endpoint is set: everything below is a no-op. */
  readonly enabled: boolean;
  /** Export what is buffered (spans, metrics), then stop the exporters. Idempotent. */
  shutdown(): Promise<void>;
}

const DISABLED: Telemetry = { enabled: false, shutdown: async () => undefined };

/** One minute, CloudWatch's standard resolution (OTEL_METRIC_EXPORT_INTERVAL overrides). */
const DEFAULT_METRIC_INTERVAL_MS = 60_000;

export const isTelemetryEnabled = (env: NodeJS.ProcessEnv): boolean =>
  env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true' && Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());

/**
 * Only the instrumentations' spans are wanted: their own metrics (http.server.request.duration,
 * db.client.operation.duration, ...) would be ad hoc next to the catalog's (services/telemetry.ts).
 */
const NO_METRICS: MeterProviderApi = { getMeter: () => createNoopMeter() };
const spansOnly = <T extends InstrumentationBase>(instrumentation: T): T => {
  instrumentation.setMeterProvider(NO_METRICS);
  return instrumentation;
};

const createInstrumentations = (): Map<InstrumentedModule, InstrumentationBase> => {
  // `enabled: false`: no require hooks; the kit patches the modules it uses (instrument.ts).
  // Server spans are the kit's own (telemetry/http.ts); outgoing calls go through fetch (undici).
  const pg = new PgInstrumentation({ enabled: false, requireParentSpan: true, ignoreConnectSpans: true });
  const redis = new IORedisInstrumentation({
    enabled: false,
    requireParentSpan: true,
    // The command name only: keys carry user ids, and serializing arguments costs on the read path.
    dbStatementSerializer: (command) => command,
  });
  const aws = new AwsInstrumentation({ enabled: false, suppressInternalInstrumentation: true });
  for (const instrumentation of [pg, redis, aws]) spansOnly(instrumentation);
  return new Map<InstrumentedModule, InstrumentationBase>([
    ['pg', pg],
    ['pg-pool', pg],
    ['ioredis', redis],
    ['@smithy/smithy-client', aws],
  ]);
};

/**
 * Starts tracing and metrics for this process (once, before the service builds its clients).
 * `serviceName` is the catalog name: the metrics' `Service` dimension, and the resource's
 * `service.name` unless OTEL_SERVICE_NAME says otherwise.
 */
export const startTelemetry = (serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry => {
  if (!isTelemetryEnabled(env)) return DISABLED;

  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }).merge(detectResources({ detectors: [envDetector] }));
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  // W3C trace context only (OTEL_PROPAGATORS=tracecontext): what the gateway, SQS attributes and outboxes carry.
  tracerProvider.register({ propagator: new W3CTraceContextPropagator() });

  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  const meterProvider = new MeterProvider({
    resource,
    // Base-2 exponential histograms: the collector's EMF exporter turns them into CloudWatch value
    // distributions, so p99 alarms get data; explicit buckets would reach CloudWatch as min/max/sum/count only.
    views: [{ instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    readers: [
      new PeriodicExportingMetricReader({
        // Delta: each export carries one interval, what CloudWatch (EMF) aggregates per period.
        exporter: new OTLPMetricExporter({ temporalityPreference: AggregationTemporalityPreference.DELTA }),
        exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : DEFAULT_METRIC_INTERVAL_MS,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  // The `Service` dimension is the catalog name, whatever OTEL_SERVICE_NAME says.
  bindAppMetrics(meterProvider.getMeter('platform-services'), serviceName);

  const instrumentations = createInstrumentations();
  for (const instrumentation of new Set(instrumentations.values())) instrumentation.setTracerProvider(tracerProvider);
  installInstrumentations(instrumentations);
  enableServerSpans();
  // fetch (undici) reports through diagnostics channels: no patch, constructing it subscribes.
  spansOnly(new UndiciInstrumentation()).setTracerProvider(tracerProvider);

  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () =>
      (stopping ??= Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => undefined)),
  };
};
