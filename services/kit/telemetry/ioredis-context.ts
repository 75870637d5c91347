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
  prototype: { sendCommand(command: object, ...rest: unknown[]): unknown };
}

const queuedIn = new WeakMap<object, Context>();
const fixed = new WeakSet<object>();

/** Call after the instrumentation patched `redis` (its `sendCommand` is then wrapped outside the span). */
export const keepQueuedCommandContext = (redis: Sender, pipeline: Sender): void => {
  if (fixed.has(redis)) return;
  fixed.add(redis);
  const queue = pipeline.prototype.sendCommand;
  pipeline.prototype.sendCommand = function sendCommand(this: unknown, command: object, ...rest: unknown[]) {
    queuedIn.set(command, context.active());
    return queue.call(this, command, ...rest);
  };
  const send = redis.prototype.sendCommand;
  redis.prototype.sendCommand = function sendCommand(this: unknown, command: object, ...rest: unknown[]) {
    const queued = queuedIn.get(command);
    return queued ? context.with(queued, () => send.call(this, command, ...rest)) : send.call(this, command, ...rest);
  };
};
