/**
 * The local stack's trace store: spans from the services (through the OTLP receiver) and from the
 * gateway (in process), grouped by trace, in a bounded ring of traces. When it holds `maxTraces`
 * traces or `maxSpans` spans in all, the traces that arrived first are dropped; a trace keeps at
 * most `maxSpansPerTrace` spans. Nothing is written to disk: it is a development aid, gone with
 * `npm run dev`.
 */

export const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKindName = (typeof SPAN_KINDS)[number];
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

export type AttributeValue = string | number | boolean | null | readonly AttributeValue[] | { readonly [key: string]: AttributeValue };

/** One span as stored: times in epoch milliseconds (fractional: microsecond resolution survives). */
export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  /** `service.name` of the resource that reported it. */
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: { readonly code: StatusCodeName; readonly message?: string };
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface TraceSummary {
  readonly traceId: string;
  readonly rootName: string;
  /** In order of their first span. */
  readonly services: readonly string[];
  readonly spanCount: number;
  readonly startTime: string;
  readonly durationMs: number;
  readonly error: boolean;
}

export interface SpanView {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startTime: string;
  /** From the trace's first span: what a waterfall draws. */
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly status: StoredSpan['status'];
  readonly attributes: StoredSpan['attributes'];
}

export interface TraceDetail {
  readonly traceId: string;
  readonly spans: readonly SpanView[];
}

export const TRACE_ID = /^[0-9a-f]{32}$/;
export const SPAN_ID = /^[0-9a-f]{16}$/;

export interface TraceStoreLimits {
  readonly maxTraces?: number;
  readonly maxSpansPerTrace?: number;
  /** In all traces together: about 1-2 KiB each with their attributes. */
  readonly maxSpans?: number;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export class TraceStore {
  readonly maxTraces: number;
  readonly maxSpansPerTrace: number;
  readonly maxSpans: number;
  /** Insertion order = arrival order of each trace's first span: the first key is the oldest. */
  private readonly traces = new Map<string, Map<string, StoredSpan>>();
  private spanCount = 0;

  constructor(limits: TraceStoreLimits = {}) {
    this.maxTraces = limits.maxTraces ?? 200;
    this.maxSpansPerTrace = limits.maxSpansPerTrace ?? 1000;
    this.maxSpans = limits.maxSpans ?? 20_000;
  }

  private dropOldest(): void {
    const [traceId, spans] = this.traces.entries().next().value!;
    this.spanCount -= spans.size;
    this.traces.delete(traceId);
  }

  /** Stores the spans (a span id seen again replaces the earlier one); returns how many were dropped for the per-trace limit. */
  add(spans: Iterable<StoredSpan>): { rejected: number } {
    let rejected = 0;
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) {
        if (this.traces.size >= this.maxTraces) this.dropOldest();
        trace = new Map();
        this.traces.set(span.traceId, trace);
      }
      if (trace.has(span.spanId)) trace.set(span.spanId, span);
      else if (trace.size >= this.maxSpansPerTrace) rejected++;
      else {
        trace.set(span.spanId, span);
        this.spanCount++;
      }
    }
    // The trace just written to is kept: it is the newest.
    while (this.spanCount > this.maxSpans && this.traces.size > 1) this.dropOldest();
    return { rejected };
  }

  get size(): number {
    return this.traces.size;
  }

  /** Every trace, newest (latest start) first. */
  list(): TraceSummary[] {
    const firstStart = (spans: Map<string, StoredSpan>) => Math.min(...[...spans.values()].map((s) => s.startMs));
    return [...this.traces.entries()]
      .map(([traceId, spans]) => ({ start: firstStart(spans), traceId, spans }))
      .sort((a, b) => b.start - a.start)
      .map(({ traceId, spans }) => summarize(traceId, [...spans.values()]));
  }

  /** The trace's spans by start time, or undefined when it is not (or no longer) stored. */
  get(traceId: string): TraceDetail | undefined {
    const stored = this.traces.get(traceId);
    if (!stored) return undefined;
    // SDKs stamp a span's start in whole milliseconds (Date.now()): on a tie the parent goes first.
    const depth = (span: StoredSpan, seen = 0): number => {
      const parent = span.parentSpanId === null ? undefined : stored.get(span.parentSpanId);
      return parent && seen < stored.size ? 1 + depth(parent, seen + 1) : 0;
    };
    const spans = [...stored.values()].map((s) => ({ s, depth: depth(s) })).sort((a, b) => a.s.startMs - b.s.startMs || a.depth - b.depth).map(({ s }) => s);
    const start = spans[0].startMs;
    return {
      traceId,
      spans: spans.map((s) => ({
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        service: s.service,
        name: s.name,
        kind: s.kind,
        startTime: new Date(s.startMs).toISOString(),
        offsetMs: round(s.startMs - start),
        durationMs: round(s.durationMs),
        status: s.status,
        attributes: s.attributes,
      })),
    };
  }
}

const summarize = (traceId: string, spans: StoredSpan[]): TraceSummary => {
  spans.sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(spans.map((s) => s.spanId));
  // The root: no parent, or a parent that never reached the store (e.g. a client's own span).
  const root = spans.find((s) => s.parentSpanId === null) ?? spans.find((s) => !ids.has(s.parentSpanId!)) ?? spans[0];
  const start = spans[0].startMs;
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  return {
    traceId,
    rootName: root.name,
    services: [...new Set(spans.map((s) => s.service))],
    spanCount: spans.length,
    startTime: new Date(start).toISOString(),
    durationMs: round(end - start),
    error: spans.some((s) => s.status.code === 'ERROR'),
  };
};
