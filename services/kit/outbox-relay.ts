/**
 * Generic transactional-outbox relay: claims committed items from a store (Postgres table,
 * DynamoDB table, ...) and publishes them to SQS in batches. An item is marked sent only after
 * SQS acknowledged it, so nothing is ever dropped; a crash between send and mark means a
 * duplicate, which consumers absorb (they de-duplicate by event id).
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';
import { backoffDelay } from './backoff';
import { queueNameOf } from './clients/sqs';
import type { Logger } from './logger';
import type { Worker } from './service';
import { Dimension } from '../telemetry';
import { appMetrics } from './telemetry/metrics';
import { contextFromTraceparent, untraced } from './telemetry/trace-context';

export interface OutboxItem {
  /** The event id. */
  id: string;
  /** The serialized event envelope (becomes the SQS message body). */
  body: string;
  /** W3C traceparent of the span that wrote the event (`currentTraceparent()`), when traced. */
  traceparent?: string;
}

export interface OutboxSource {
  /** Up to `limit` unsent items, oldest first. Claiming twice without markSent returns them again (eventually). */
  claim(limit: number): Promise<OutboxItem[]>;
  markSent(ids: string[]): Promise<void>;
  /** Optional bookkeeping (attempt counters, lease release); the items stay unsent. */
  markFailed?(ids: string[], error: string): Promise<void>;
  /** When the oldest unsent item was written (undefined when none): the `OutboxLag` gauge. */
  oldestUnsentAt(): Promise<Date | undefined>;
}

export interface OutboxRelayOptions {
  /** The outbox's name: logs, and the `Outbox` dimension of `OutboxLag` (services/telemetry.ts OUTBOXES). */
  name: string;
  logger: Logger;
  sqs: Pick<SQSClient, 'send'>;
  queueUrl: string;
  source: OutboxSource;
  /** Idle poll; `kick()` after a commit avoids waiting for it. Default 1000 ms. */
  pollIntervalMs?: number;
  /** 1..10 (the SQS batch limit). Default 10. */
  batchSize?: number;
  /** Backoff after failures: from `retryBaseMs` (default 200) up to `maxBackoffMs` (default 30 000). */
  retryBaseMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
}

export interface OutboxRelay extends Worker {
  /** Publish now (call after committing an outbox row). */
  kick(): void;
  /** Consecutive failed rounds (0 when healthy); exposed for logs, tests and readiness. */
  consecutiveFailures(): number;
}

/**
 * SQS batch entry ids allow only [A-Za-z0-9_-]{1,80}; positions are always valid. The message
 * carries the W3C trace context of its send span (`traceparent`), so the consumer's span joins
 * the trace of the request that wrote the event.
 */
const toEntry = (item: OutboxItem, index: number, sendContext: Context): SendMessageBatchRequestEntry => {
  const attributes: SendMessageBatchRequestEntry['MessageAttributes'] = {
    eventId: { DataType: 'String', StringValue: item.id },
  };
  const type = eventTypeOf(item.body);
  if (type) attributes.eventType = { DataType: 'String', StringValue: type };
  const carrier: Record<string, string> = {};
  propagation.inject(sendContext, carrier);
  for (const [name, value] of Object.entries(carrier)) attributes[name] = { DataType: 'String', StringValue: value };
  return { Id: `m${index}`, MessageBody: item.body, MessageAttributes: attributes };
};

const eventTypeOf = (body: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body);
    const type = (parsed as { type?: unknown } | null)?.type;
    return typeof type === 'string' && type !== '' ? type : undefined;
  } catch {
    return undefined;
  }
};

const messageOf = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

export const createOutboxRelay = (opts: OutboxRelayOptions): OutboxRelay => {
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const batchSize = opts.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) throw new Error('outbox relay: batchSize must be 1..10');
  const backoff = { baseMs: opts.retryBaseMs ?? 200, maxMs: opts.maxBackoffMs ?? 30_000, random: opts.random };
  const log = opts.logger.child({ worker: opts.name });
  const queueName = queueNameOf(opts.queueUrl);
  const tracer = trace.getTracer('outbox-relay');
  let stopObservingLag: (() => void) | undefined;

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let kicked = false;
  let failures = 0;

  const schedule = (delayMs: number): void => {
    clearTimeout(timer);
    if (running) timer = setTimeout(tick, delayMs);
  };

  /**
   * One PRODUCER span per item, in the trace of the request that wrote it (its stored
   * traceparent; a new trace when it has none).
   */
  const startSendSpans = (items: OutboxItem[]): Span[] =>
    items.map((item) =>
      tracer.startSpan(
        `send ${queueName}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [ATTR_MESSAGING_SYSTEM]: 'aws_sqs',
            [ATTR_MESSAGING_DESTINATION_NAME]: queueName,
            [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
            [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: items.length,
            'outbox.name': opts.name,
            'event.id': item.id,
          },
        },
        contextFromTraceparent(item.traceparent),
      ),
    );

  /**
   * A batch of one (the usual case: a kick after a commit) runs the SDK call under its item's
   * span, so the AWS SDK's own SQS span nests there (and its context, a child, is what the message
   * carries). Several items: one SDK span cannot sit in several traces, and the SDK would overwrite
   * each message's own context with it, so the SDK call is untraced and each item's span stands.
   */
  const sdkContextFor = (spans: Span[]): Context => (spans.length === 1 ? trace.setSpan(ROOT_CONTEXT, spans[0]!) : untraced());

  /** Send one batch. Returns how many items were claimed, or throws when nothing could be sent. */
  const sendBatch = async (): Promise<{ claimed: number; failed: number }> => {
    const items = await opts.source.claim(batchSize);
    if (items.length === 0) return { claimed: 0, failed: 0 };
    let sent: string[];
    let failed: { ids: string[]; error: string };
    const spans = startSendSpans(items);
    try {
      // ROOT_CONTEXT, not the active one: the relay's round runs untraced, which would suppress injection.
      const entries = items.map((item, i) => toEntry(item, i, trace.setSpan(ROOT_CONTEXT, spans[i]!)));
      const out = await context.with(sdkContextFor(spans), () => opts.sqs.send(new SendMessageBatchCommand({ QueueUrl: opts.queueUrl, Entries: entries })));
      const ok = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId]));
      sent = items.filter((_, i) => ok.has(`m${i}`)).map((i) => i.id);
      const failedIds = items.filter((_, i) => !ok.has(`m${i}`)).map((i) => i.id);
      failed = { ids: failedIds, error: (out.Failed ?? []).map((f) => `${f.Code}: ${f.Message ?? ''}`).join('; ') };
      spans.forEach((span, i) => {
        const messageId = ok.get(`m${i}`);
        if (messageId) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, messageId);
        else span.setStatus({ code: SpanStatusCode.ERROR, message: failed.error });
      });
    } catch (err) {
      sent = [];
      failed = { ids: items.map((i) => i.id), error: messageOf(err) };
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: failed.error });
    } finally {
      for (const span of spans) span.end();
    }
    if (sent.length > 0) await opts.source.markSent(sent);
    if (failed.ids.length > 0) {
      log.warn({ failed: failed.ids.length, error: failed.error }, 'outbox relay: send failed, will retry');
      await opts.source.markFailed?.(failed.ids, failed.error);
    }
    return { claimed: items.length, failed: failed.ids.length };
  };

  const failedRound = (): void => {
    failures += 1;
    schedule(backoffDelay(failures, backoff));
  };

  /** Drain the backlog batch after batch; decide when to run next. */
  const round = async (): Promise<void> => {
    try {
      for (;;) {
        kicked = false;
        const { claimed, failed } = await sendBatch();
        if (failed > 0) return failedRound();
        if (failures > 0) log.info({ afterFailures: failures }, 'outbox relay: recovered');
        failures = 0;
        // A short batch means the backlog is empty (unless a kick arrived meanwhile).
        if (!running || (claimed < batchSize && !kicked)) break;
      }
      schedule(pollIntervalMs);
    } catch (err) {
      // The store failed (claim or markSent); the items are still unsent there.
      log.warn({ err: messageOf(err) }, 'outbox relay: outbox store error, will retry');
      failedRound();
    }
  };

  function tick(): void {
    if (!running || inFlight) return;
    // Untraced: the claims and marks are bookkeeping, and a kick's timer would otherwise run them
    // in the trace of the request that kicked (after its response).
    inFlight = context.with(untraced(), round).finally(() => {
      inFlight = undefined;
      // A kick that landed after the last claim must not wait for the poll.
      if (kicked && failures === 0) schedule(0);
    });
  }

  return {
    name: opts.name,
    start() {
      if (running) return;
      running = true;
      stopObservingLag = appMetrics().observe('outboxLag', { [Dimension.outbox]: opts.name }, async () => {
        const oldest = await opts.source.oldestUnsentAt();
        return oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
      });
      schedule(0);
    },
    kick() {
      kicked = true;
      // While failing, keep the backoff: a kick must not turn into hammering a down SQS.
      if (running && !inFlight && failures === 0) schedule(0);
    },
    consecutiveFailures: () => failures,
    async stop() {
      running = false;
      stopObservingLag?.();
      clearTimeout(timer);
      await inFlight;
    },
  };
};
