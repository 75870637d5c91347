/**
 * OTLP/HTTP JSON (the encoding `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` sends, see
 * https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): trace and span ids as hex,
 * 64-bit integers as decimal strings or numbers, enums as integers. Validated here, then turned
 * into the store's spans; a request with one invalid span is refused whole (400), as a collector does.
 */
import { z } from 'zod';
import { SPAN_KINDS, type AttributeValue, type StatusCodeName, type StoredSpan } from './store';

/** Longest attribute string kept (the rest is cut): a stray SQL text or body must not fill memory. */
export const MAX_ATTRIBUTE_CHARS = 2048;
/** Deepest nesting of array/kvlist values accepted. */
const MAX_VALUE_DEPTH = 8;

const nanos = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]);
const keyValue = z.object({ key: z.string().max(256), value: z.unknown().optional() });
const attributes = z.array(keyValue).max(1024).optional();

const span = z.object({
  traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'traceId must be 32 hex digits'),
  spanId: z.string().regex(/^[0-9a-fA-F]{16}$/, 'spanId must be 16 hex digits'),
  parentSpanId: z
    .string()
    .regex(/^([0-9a-fA-F]{16})?$/, 'parentSpanId must be 16 hex digits or empty')
    .optional(),
  name: z.string().max(1024),
  kind: z.number().int().min(0).max(5).optional(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes,
  status: z.object({ code: z.number().int().min(0).max(2).optional(), message: z.string().optional() }).optional(),
});

const exportTraceRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(span).optional() })).optional(),
      }),
    )
    .optional(),
});

const dataPoints = z.object({ dataPoints: z.array(z.unknown()).optional() }).optional();
const exportMetricsRequest = z.object({
  resourceMetrics: z
    .array(
      z.object({
        scopeMetrics: z
          .array(
            z.object({
              metrics: z
                .array(
                  z.object({
                    name: z.string(),
                    gauge: dataPoints,
                    sum: dataPoints,
                    histogram: dataPoints,
                    exponentialHistogram: dataPoints,
                    summary: dataPoints,
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** Bad input from an exporter: the receiver answers 400 with this message. */
export class OtlpFormatError extends Error {}

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new OtlpFormatError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
};

const toValue = (value: unknown, depth = 0): AttributeValue => {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpFormatError('attribute value nested too deeply');
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') throw new OtlpFormatError('attribute value must be an AnyValue object');
  const v = value as Record<string, unknown>;
  if (typeof v.stringValue === 'string') return v.stringValue.slice(0, MAX_ATTRIBUTE_CHARS);
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (typeof v.intValue === 'number' || (typeof v.intValue === 'string' && /^-?\d{1,20}$/.test(v.intValue))) return Number(v.intValue);
  if (typeof v.doubleValue === 'number') return v.doubleValue;
  if (typeof v.bytesValue === 'string') return v.bytesValue.slice(0, MAX_ATTRIBUTE_CHARS);
  const list = (v.arrayValue as { values?: unknown } | undefined)?.values ?? (v.kvlistValue as { values?: unknown } | undefined)?.values;
  if (v.arrayValue !== undefined) {
    if (!Array.isArray(list)) throw new OtlpFormatError('arrayValue.values must be an array');
    return list.map((item) => toValue(item, depth + 1));
  }
  if (v.kvlistValue !== undefined) return toAttributes(parse(z.array(keyValue), list), depth + 1);
  if (Object.keys(v).length === 0) return null; // an empty AnyValue is allowed by the spec
  throw new OtlpFormatError(`unknown attribute value ${Object.keys(v).join(', ')}`);
};

const toAttributes = (list: z.infer<typeof keyValue>[] | undefined, depth = 0): Record<string, AttributeValue> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, toValue(value, depth)]));

const nanosToMs = (value: string | number): number => {
  const n = BigInt(value);
  return Number(n / 1_000_000n) + Number(n % 1_000_000n) / 1e6;
};

const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

/** The spans of an ExportTraceServiceRequest; throws OtlpFormatError on anything malformed. */
export const spansFromOtlpJson = (body: unknown): StoredSpan[] => {
  const request = parse(exportTraceRequest, body);
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = toAttributes(resourceSpans.resource?.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((s): StoredSpan => {
        const startMs = nanosToMs(s.startTimeUnixNano);
        return {
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: s.parentSpanId ? s.parentSpanId.toLowerCase() : null,
          service,
          name: s.name,
          kind: SPAN_KINDS[s.kind ?? 0],
          startMs,
          durationMs: Math.max(0, nanosToMs(s.endTimeUnixNano) - startMs),
          status: { code: STATUS_CODES[s.status?.code ?? 0], ...(s.status?.message ? { message: s.status.message } : {}) },
          attributes: toAttributes(s.attributes),
        };
      }),
    );
  });
};

/** Metric name → data points in an ExportMetricsServiceRequest; throws OtlpFormatError on a malformed one. */
export const dataPointsFromOtlpJson = (body: unknown): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const resource of parse(exportMetricsRequest, body).resourceMetrics ?? []) {
    for (const scope of resource.scopeMetrics ?? []) {
      for (const m of scope.metrics ?? []) {
        const points = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints?.length ?? 0;
        counts.set(m.name, (counts.get(m.name) ?? 0) + points);
      }
    }
  }
  return counts;
};
