import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { EventEnvelope } from '../kit/events';
import { currentTraceparent } from '../kit/telemetry/trace-context';
import { outbox, users, type UserRow } from './db/schema';

/** The email is taken by another user (case-insensitively). */
export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
    this.name = 'EmailTakenError';
  }
}

const EMAIL_UNIQUE_INDEX = 'users_email_lower_key';

/** drizzle wraps driver errors (`DrizzleQueryError.cause`); look through the chain for pg's code. */
const isEmailUniqueViolation = (err: unknown): boolean => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const pg = e as Error & { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === EMAIL_UNIQUE_INDEX) return true;
  }
  return false;
};

const translateUniqueViolation = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (isEmailUniqueViolation(err)) throw new EmailTakenError();
    throw err;
  }
};

const byEmail = (email: string) => sql`lower(${users.email}) = lower(${email})`;

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
}

export interface UserPatch {
  email?: string;
  name?: string;
  passwordHash?: string;
  /** Set with a new password: tokens issued before it are refused (revocation.ts). */
  tokensValidAfter?: Date;
}

export function createUserRepository(db: NodePgDatabase) {
  return {
    /**
     * Inserts the user and the event announcing it in one transaction: the event exists iff the
     * user does (transactional outbox).
     */
    async createWithEvent(input: NewUser, event: (user: UserRow) => EventEnvelope): Promise<UserRow> {
      return translateUniqueViolation(() =>
        db.transaction(async (tx) => {
          const [user] = await tx
            .insert(users)
            .values({ id: randomUUID(), ...input })
            .returning();
          const envelope = event(user);
          await tx.insert(outbox).values({ id: envelope.id, type: envelope.type, payload: envelope, traceparent: currentTraceparent() });
          return user;
        }),
      );
    },

    async findById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row;
    },

    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(byEmail(email));
      return row;
    },

    async update(id: string, patch: UserPatch): Promise<UserRow | undefined> {
      return translateUniqueViolation(async () => {
        const [row] = await db
          .update(users)
          .set({ ...patch, updatedAt: sql`now()` })
          .where(eq(users.id, id))
          .returning();
        return row;
      });
    },

    async delete(id: string): Promise<boolean> {
      const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return deleted.length > 0;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
