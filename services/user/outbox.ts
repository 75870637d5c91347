import { and, inArray, isNull, lte, min, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { OutboxSource } from '../kit/outbox-relay';
import { outbox } from './db/schema';

export interface PgOutboxOptions {
  /**
   * How long a claimed row stays invisible to other relays while it is being sent. It must
   * exceed one send (with the relay's retries); if a task dies mid-send, the row is claimed again
   * once the lease runs out (at-least-once, the consumer de-duplicates by event id).
   */
  leaseSeconds?: number;
  /** Cap of the exponential backoff after a failed send. */
  maxBackoffSeconds?: number;
  /** Sent rows are kept this long for troubleshooting, then deleted; default 7 days. */
  retentionSeconds?: number;
  /** At most one purge per this interval per task (rides on markSent); default 1 hour. */
  purgeIntervalMs?: number;
}

/** Rows deleted per purge statement: bounds the transaction when a backlog of old rows exists. */
const PURGE_BATCH = 1000;

/**
 * OutboxSource over the `outbox` table. A claim is a short transaction that picks pending rows
 * with `FOR UPDATE SKIP LOCKED` (concurrent relays never pick the same row) and pushes their
 * `next_attempt_at` out by the lease, so a row has one owner at a time across tasks.
 */
export function createPgOutboxSource(db: NodePgDatabase, options: PgOutboxOptions = {}): OutboxSource {
  const leaseSeconds = options.leaseSeconds ?? 60;
  const maxBackoffSeconds = options.maxBackoffSeconds ?? 30;
  const retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;
  const purgeIntervalMs = options.purgeIntervalMs ?? 3600_000;
  let lastPurge = 0;

  // Without it the table grows by one row per registration forever.
  const purgeExpired = async () => {
    if (Date.now() - lastPurge < purgeIntervalMs) return;
    lastPurge = Date.now();
    const expired = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(lte(outbox.sentAt, sql`now() - make_interval(secs => ${retentionSeconds})`))
      .limit(PURGE_BATCH);
    await db.delete(outbox).where(inArray(outbox.id, expired));
  };

  return {
    async claim(limit) {
      const due = db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(isNull(outbox.sentAt), lte(outbox.nextAttemptAt, sql`now()`)))
        .orderBy(outbox.nextAttemptAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      const rows = await db
        .update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})`,
        })
        .where(inArray(outbox.id, due))
        .returning({ id: outbox.id, payload: outbox.payload, traceparent: outbox.traceparent });
      return rows.map((row) => ({ id: row.id, body: JSON.stringify(row.payload), traceparent: row.traceparent ?? undefined }));
    },

    async oldestUnsentAt() {
      // Pending rows only (the partial index outbox_pending_idx covers them).
      const [row] = await db.select({ oldest: min(outbox.createdAt) }).from(outbox).where(isNull(outbox.sentAt));
      return row?.oldest ?? undefined;
    },

    async markSent(ids) {
      if (ids.length === 0) return;
      await db
        .update(outbox)
        .set({ sentAt: sql`now()`, lastError: null })
        .where(inArray(outbox.id, [...ids]));
      await purgeExpired();
    },

    async markFailed(ids, error) {
      if (ids.length === 0) return;
      // Exponential backoff on the row's own attempt count, with jitter, capped.
      const backoff = sql`least(${maxBackoffSeconds}, power(2, least(${outbox.attempts}, 16))) * (0.5 + random() / 2)`;
      await db
        .update(outbox)
        .set({ lastError: String(error).slice(0, 1000), nextAttemptAt: sql`now() + make_interval(secs => ${backoff})` })
        .where(inArray(outbox.id, [...ids]));
    },
  };
}
