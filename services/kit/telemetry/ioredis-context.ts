/**
 * ioredis auto-pipelining (on in the kit's client: clients/redis.ts) sends a command from a later
 * tick, and while an earlier pipeline is in flight from that pipeline's callback: in the context of
 * whichever request issued the earlier one. The ioredis instrumentation starts its span in the
 * context active at send time, so a cached read's GET landed in another request's trace (seen in
 * __tests__/services/telemetry/traces.test.ts). This keeps the context a command was queued in
 * and restores it around the (instrumented) send.
 */
import { context, type Context } from '@opentelemetry/api';

interface Sender {
  prototype: { sendCommand(command: object, stream?: unknown, node?: unknown): unknown };
}

/** Where a queued command keeps its context: a property, cheaper per command than a WeakMap entry. */
const QUEUED_IN = Symbol('kit.queuedContext');
type Queued = { [QUEUED_IN]?: Context };
const fixed = new WeakSet<object>();

/** Call after the instrumentation patched `redis` (its `sendCommand` is then wrapped outside the span). */
export const keepQueuedCommandContext = (redis: Sender, pipeline: Sender): void => {
  if (fixed.has(redis)) return;
  fixed.add(redis);
  const queue = pipeline.prototype.sendCommand;
  pipeline.prototype.sendCommand = function sendCommand(this: unknown, command: object) {
    (command as Queued)[QUEUED_IN] = context.active();
    return queue.call(this, command);
  };
  const send = redis.prototype.sendCommand;
  redis.prototype.sendCommand = function sendCommand(this: unknown, command: object, stream?: unknown, node?: unknown) {
    const queued = (command as Queued)[QUEUED_IN];
    // Sent in the tick it was queued: its context is already the active one.
    return queued && queued !== context.active() ? context.with(queued, () => send.call(this, command, stream, node)) : send.call(this, command, stream, node);
  };
};
