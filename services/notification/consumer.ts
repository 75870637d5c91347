/**
 * Long-polling SQS consumer (at-least-once): receive up to `batchSize`, process with a
 * concurrency limit, keep slow messages invisible with a heartbeat, delete in batches only after
 * success. Failed messages are left on the queue (sooner, with a backoff) and poison ones reach
 * the DLQ through the queue's redrive policy, never deleted here.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';
import { backoffDelay } from '../kit/backoff';
import { queueNameOf } from '../kit/clients/sqs';
import type { Logger } from '../kit/logger';
import type { Worker } from '../kit/service';
import { appMetrics } from '../kit/telemetry/metrics';
import { untraced } from '../kit/telemetry/trace-context';
import { Dimension } from '../telemetry';

/** Thrown by a handler for a message that can never succeed (bad JSON, unknown schema). */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

export interface QueueConsumerOptions {
  name: string;
  /** The queue's catalog name: the `Queue` dimension of ConsumerLag / ConsumerProcessingTime. */
  queue: string;
  logger: Logger;
  sqs: SQSClient;
  queueUrl: string;
  /** Resolve = done (the message is deleted); throw = leave it for another attempt. */
  handle(message: Message): Promise<void>;
  /** The queue's visibility timeout; the heartbeat re-extends by it every half period. */
  visibilityTimeoutSeconds: number;
  /** Messages per ReceiveMessage, 1..10. Default 10. */
  batchSize?: number;
  /** Long-poll wait, 0..20. Default 20. stop() waits for a pending poll, so at most this long. */
  waitTimeSeconds?: number;
  /** Messages processed at once. Default 10. */
  concurrency?: number;
  /** Retry delay after a failure: base · 2^(receives−1), capped. Defaults 2 s and 60 s. */
  retryBaseSeconds?: number;
  retryMaxSeconds?: number;
  /** Backoff after a failed receive (SQS unreachable). Defaults 200 ms … 10 s. */
  receiveBackoffMs?: { initial: number; max: number };
  /** How long stop() waits for in-flight messages before releasing them. Default 20 s. */
  drainTimeoutMs?: number;
}

export interface ConsumerHealth {
  running: boolean;
  inFlight: number;
  processed: number;
  failed: number;
  lastReceiveAt?: string;
  consecutiveReceiveErrors: number;
  lastReceiveError?: string;
}

export type QueueConsumer = Worker & { health(): ConsumerHealth };

interface InFlight {
  message: Message;
  /** `performance.now()` at receipt (ConsumerProcessingTime). */
  receivedAt: number;
  heartbeat?: NodeJS.Timeout;
  /** Set when stop() gave up waiting: the outcome is no longer ours to act on. */
  released: boolean;
  /** The handler returned or threw: no more heartbeats. */
  settled: boolean;
  done: Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Reads W3C trace context from SQS message attributes (what the outbox relay writes). */
const messageAttributeGetter = {
  keys: (carrier: Message['MessageAttributes']) => Object.keys(carrier ?? {}),
  get: (carrier: Message['MessageAttributes'], key: string) => carrier?.[key]?.StringValue,
};


export const createQueueConsumer = (opts: QueueConsumerOptions): QueueConsumer => {
  const {
    name,
    sqs,
    queueUrl,
    handle,
    visibilityTimeoutSeconds,
    batchSize = 10,
    waitTimeSeconds = 20,
    concurrency = 10,
    retryBaseSeconds = 2,
    retryMaxSeconds = 60,
    receiveBackoffMs = { initial: 200, max: 10_000 },
    drainTimeoutMs = 20_000,
  } = opts;
  const logger = opts.logger.child({ worker: name });
  const tracer = trace.getTracer('queue-consumer');
  const queueName = queueNameOf(queueUrl);
  const queueDimension = { [Dimension.queue]: opts.queue };
  const inFlight = new Map<string, InFlight>();
  const stats: Omit<ConsumerHealth, 'running' | 'inFlight'> = { processed: 0, failed: 0, consecutiveReceiveErrors: 0 };
  let running = false;
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let slotFreed: (() => void) | undefined;

  const setVisibility = async (m: Message, seconds: number, why: string): Promise<void> => {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds }),
      );
    } catch (err) {
      // Not fatal: the message reappears when its current visibility runs out.
      logger.warn({ messageId: m.MessageId, why, err: errorMessage(err) }, 'ChangeMessageVisibility failed');
    }
  };

  // ---- deletes: collected for a few ms so concurrent successes share one DeleteMessageBatch
  let pendingDeletes: Message[] = [];
  let deleteTimer: NodeJS.Timeout | undefined;
  const deletesInFlight = new Set<Promise<void>>();

  const flushDeletes = (): void => {
    clearTimeout(deleteTimer);
    deleteTimer = undefined;
    while (pendingDeletes.length > 0) {
      const batch = pendingDeletes.splice(0, 10);
      const request = sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        )
        .then((out) => {
          // A message whose delete failed comes back and is recognised as a duplicate.
          for (const f of out.Failed ?? []) {
            logger.warn({ messageId: batch[Number(f.Id)]?.MessageId, code: f.Code }, 'delete failed; will be redelivered');
          }
        })
        .catch((err) => logger.warn({ count: batch.length, err: errorMessage(err) }, 'DeleteMessageBatch failed; will be redelivered'))
        .finally(() => deletesInFlight.delete(request));
      deletesInFlight.add(request);
    }
  };

  const scheduleDelete = (m: Message): void => {
    pendingDeletes.push(m);
    if (pendingDeletes.length >= 10) flushDeletes();
    else deleteTimer ??= setTimeout(flushDeletes, 20);
  };

  // ---- one message
  const scheduleHeartbeat = (entry: InFlight): void => {
    entry.heartbeat = setTimeout(async () => {
      if (entry.settled || entry.released) return;
      await setVisibility(entry.message, visibilityTimeoutSeconds, 'heartbeat');
      if (!entry.settled && !entry.released) scheduleHeartbeat(entry);
    }, (visibilityTimeoutSeconds * 1000) / 2);
  };

  const retryDelaySeconds = (m: Message): number => {
    const receives = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
    return Math.min(retryMaxSeconds, Math.round(retryBaseSeconds * 2 ** Math.max(0, receives - 1)));
  };

  /**
   * The handler inside a CONSUMER span whose parent is the span that sent the message (its
   * `traceparent` attribute): processing joins the producer's trace, and what the handler does
   * (its DynamoDB writes) nests under it.
   */
  const handleTraced = (message: Message): Promise<void> => {
    const parent = propagation.extract(ROOT_CONTEXT, message.MessageAttributes, messageAttributeGetter);
    const attributes = {
      [ATTR_MESSAGING_SYSTEM]: 'aws_sqs',
      [ATTR_MESSAGING_DESTINATION_NAME]: queueName,
      [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
      ...(message.MessageId ? { [ATTR_MESSAGING_MESSAGE_ID]: message.MessageId } : {}),
    };
    return tracer.startActiveSpan(`process ${queueName}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        await handle(message);
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  };

  const run = async (entry: InFlight): Promise<void> => {
    const context = { messageId: entry.message.MessageId, receiveCount: entry.message.Attributes?.ApproximateReceiveCount };
    try {
      await handleTraced(entry.message).finally(() => {
        entry.settled = true;
        clearTimeout(entry.heartbeat);
      });
      stats.processed += 1;
      appMetrics().record('consumerProcessingTime', performance.now() - entry.receivedAt, queueDimension);
      if (!entry.released) scheduleDelete(entry.message);
    } catch (err) {
      const { message } = entry;
      stats.failed += 1;
      if (entry.released) return;
      if (err instanceof PoisonMessageError) {
        // Redelivered at once: each receive counts towards maxReceiveCount, then SQS moves it to the DLQ.
        logger.error({ ...context, reason: err.message }, 'poison message; left for the dead-letter queue');
        await setVisibility(message, 0, 'poison');
      } else {
        const delay = retryDelaySeconds(message);
        logger.warn({ ...context, err: errorMessage(err), retryInSeconds: delay }, 'message failed; will be retried');
        await setVisibility(message, delay, 'retry backoff');
      }
    }
  };

  const start = (message: Message): void => {
    const sentAt = Number(message.Attributes?.SentTimestamp);
    if (sentAt > 0) appMetrics().record('consumerLag', Math.max(0, Date.now() - sentAt) / 1000, queueDimension);
    const entry: InFlight = { message, receivedAt: performance.now(), released: false, settled: false, done: Promise.resolve() };
    inFlight.set(message.MessageId!, entry);
    scheduleHeartbeat(entry);
    entry.done = run(entry).finally(() => {
      inFlight.delete(message.MessageId!);
      slotFreed?.();
    });
  };

  const waitForSlot = async (): Promise<void> => {
    while (running && inFlight.size >= concurrency) {
      await new Promise<void>((resolve) => {
        slotFreed = resolve;
      });
    }
  };

  const pollLoop = async (signal: AbortSignal): Promise<void> => {
    while (running) {
      await waitForSlot();
      if (!running) return;
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(batchSize, concurrency - inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
            // The trace context the outbox relay attached (empty while telemetry is off).
            MessageAttributeNames: propagation.fields(),
          }),
        );
        messages = out.Messages ?? [];
        stats.lastReceiveAt = new Date().toISOString();
        stats.consecutiveReceiveErrors = 0;
        stats.lastReceiveError = undefined;
      } catch (err) {
        if (!running) return;
        stats.consecutiveReceiveErrors += 1;
        stats.lastReceiveError = errorMessage(err);
        const delay = backoffDelay(stats.consecutiveReceiveErrors, { baseMs: receiveBackoffMs.initial, maxMs: receiveBackoffMs.max });
        logger.warn({ err: stats.lastReceiveError, attempt: stats.consecutiveReceiveErrors, retryInMs: delay }, 'receive failed; backing off');
        await sleep(delay, signal);
        continue;
      }
      if (!running) {
        // stop() came during the long poll: hand these back untouched.
        await Promise.all(messages.map((m) => setVisibility(m, 0, 'received during stop')));
        return;
      }
      for (const m of messages) {
        const current = inFlight.get(m.MessageId!);
        // Back while still being worked on (a heartbeat came late): only the newest receipt
        // handle can delete or extend it, so keep working with that one.
        if (current) current.message = m;
        else start(m);
      }
    }
  };

  return {
    name,
    start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      // Untraced: a long poll every 20 s (and the deletes and heartbeats it schedules) would make a
      // trace each; a message's processing gets its own span, in its producer's trace.
      loop = context.with(untraced(), () => pollLoop(stopping!.signal)).catch((err) => {
        // Unreachable by design (every await above is guarded); logged rather than crashing the process.
        logger.error({ err: errorMessage(err) }, 'consumer loop crashed');
      });
      logger.info({ queueUrl, concurrency, waitTimeSeconds }, 'consumer started');
    },

    async stop() {
      if (!running) return;
      running = false;
      stopping?.abort(); // ends a receive backoff early
      slotFreed?.();
      // The pending long poll is not aborted: SQS may already have handed it messages that an
      // aborted request would hide for a whole visibility timeout. It returns within
      // waitTimeSeconds (in parallel with the drain below) and its messages are released.
      const polled = loop;
      const drainTimer = new AbortController();
      const drained = Promise.all([...inFlight.values()].map((e) => e.done)).then(() => true);
      const finished = await Promise.race([drained, sleep(drainTimeoutMs, drainTimer.signal).then(() => false)]);
      drainTimer.abort();
      if (!finished) {
        // Unfinished work is handed back: never deleted, visible again right away for another task.
        const left = [...inFlight.values()];
        logger.warn({ count: left.length }, 'drain timeout; releasing unfinished messages');
        await Promise.all(
          left.map((e) => {
            e.released = true;
            clearTimeout(e.heartbeat);
            return setVisibility(e.message, 0, 'released on stop');
          }),
        );
      }
      await polled;
      flushDeletes();
      await Promise.all([...deletesInFlight]);
      logger.info({ processed: stats.processed, failed: stats.failed }, 'consumer stopped');
    },

    health: () => ({ running, inFlight: inFlight.size, ...stats }),
  };
};
