/**
 * W3C trace context where the kit carries it by hand: into an outbox row and out of it onto an
 * SQS message, from a message into the consumer's span, and back to the client as
 * `traceresponse`. With telemetry off these return nothing and cost next to nothing.
 */
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export const TRACEPARENT = 'traceparent';

/** The active span's context as a W3C `traceparent`, to store with an event; undefined when not traced. */
export const currentTraceparent = (): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier[TRACEPARENT];
};

/** A context whose parent is the span `traceparent` names (a fresh root context when absent or invalid). */
export const contextFromTraceparent = (traceparent: string | undefined): Context =>
  traceparent ? propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent }) : ROOT_CONTEXT;

/**
 * A context in which nothing is traced: background polling (an outbox relay's claims, a
 * consumer's long polls, a gauge's query) would otherwise make a trace every few seconds, or land
 * in the trace of whichever request happened to schedule the timer.
 */
export const untraced = (): Context => suppressTracing(ROOT_CONTEXT);

/**
 * W3C Trace Context Level 2 `traceresponse`: `00-<trace id>-<span id of this service's server
 * span>-<flags>`, so a client can find the trace of its request. Undefined when not traced.
 */
export const traceresponseOf = (span: Span | undefined): string | undefined => {
  const spanContext = span?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags.toString(16).padStart(2, '0')}`;
};

export const TRACERESPONSE_HEADER = 'traceresponse';

/** trace_id/span_id of the active span, for log lines; undefined when not traced. */
export const activeTraceIds = (): { trace_id: string; span_id: string } | undefined => {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
};
