import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    // Stored as the user typed it (trimmed); uniqueness is case-insensitive through the index below.
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    /**
     * Revocation cut-off: tokens issued (`iat`) before it are refused. Set, rounded up to the
     * second, by a password change; NULL until then. See services/user/revocation.ts.
     */
    tokensValidAfter: timestamptz('tokens_valid_after'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)],
);

/** Transactional outbox: rows are written in the same transaction as the change they announce. */
export const outbox = pgTable(
  'outbox',
  {
    /** The event id (the envelope's `id`). */
    id: uuid('id').primaryKey(),
    type: text('type').notNull(),
    /** The full event envelope, sent as the SQS message body. */
    payload: jsonb('payload').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    /** Earliest time a relay may claim the row: backoff after failures, lease while in flight. */
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    sentAt: timestamptz('sent_at'),
    lastError: text('last_error'),
    /** W3C traceparent of the request that wrote the event: the consumer's span joins its trace. */
    traceparent: text('traceparent'),
  },
  (t) => [index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`${t.sentAt} is null`)],
);

export type UserRow = typeof users.$inferSelect;
