import type { Logger } from '../kit/logger';
import { appMetrics } from '../kit/telemetry/metrics';
import type { UserRow } from './db/schema';
import { cutoffSeconds } from './revocation';
import { toPublicUser, type PublicUser } from './schemas';

/** The Redis commands the cache uses (ioredis signatures). */
export interface CacheRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'EX', seconds: number): Promise<unknown>;
  del(key: string): Promise<number>;
}

export interface UserCacheOptions {
  logger: Logger;
  ttlSeconds?: number;
  /** After a Redis failure, reads skip Redis for this long (circuit breaker). */
  cooldownMs?: number;
}

/** What is cached per user: the public view, and the revocation cut-off every authenticated request checks. */
export interface CachedUser {
  user: PublicUser;
  /** Epoch seconds; null until the first password change. */
  tokensValidAfter: number | null;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * The entry when a parsed cache value has the layout this version writes, else undefined.
 * Field types only, not the formats `publicUserSchema` describes (uuid, ISO dates): only this
 * service writes these keys, only from `toCachedUser`, and the versioned key keeps other layouts
 * out. A full zod parse was a measurable share of a cached read's CPU (docs/decisions/0019).
 * The public view is rebuilt field by field, so nothing else stored in an entry is ever served.
 */
const asCachedUser = (v: unknown): CachedUser | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  const { user, tokensValidAfter } = v as Record<string, unknown>;
  if (tokensValidAfter !== null && !Number.isInteger(tokensValidAfter)) return undefined;
  if (typeof user !== 'object' || user === null) return undefined;
  const { id, email, name, createdAt, updatedAt } = user as Record<string, unknown>;
  if (!(isString(id) && isString(email) && isString(name) && isString(createdAt) && isString(updatedAt))) return undefined;
  return { user: { id, email, name, createdAt, updatedAt }, tokensValidAfter: tokensValidAfter as number | null };
};

export const toCachedUser = (row: UserRow): CachedUser => ({
  user: toPublicUser(row),
  tokensValidAfter: cutoffSeconds(row.tokensValidAfter) ?? null,
});

// v2: the entry carries the revocation cut-off (v1 entries are simply never read again).
export const USER_CACHE_KEY_PREFIX = 'user:v2:';
const key = (id: string): string => USER_CACHE_KEY_PREFIX + id;

/**
 * Cache-aside for users. Redis is only a cache: every failure degrades to "miss" and the caller
 * reads PostgreSQL. After a failure the breaker opens for `cooldownMs`, so while Redis is down
 * reads go straight to PostgreSQL instead of paying the client timeout each time.
 * Invalidation ignores the breaker (a skipped delete could leave a stale entry, and with it a
 * revoked token's acceptance, for a whole TTL); writes are rare, and the client fails fast anyway.
 */
export function createUserCache(redis: CacheRedis, { logger, ttlSeconds = 300, cooldownMs = 5000 }: UserCacheOptions) {
  let openUntil = 0;

  const attempt = async <T>(op: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      if (Date.now() >= openUntil) logger.warn({ err, op }, 'redis unavailable; bypassing the user cache');
      openUntil = Date.now() + cooldownMs;
      return undefined;
    }
  };
  const breakerOpen = (): boolean => Date.now() < openUntil;

  const lookup = async (id: string): Promise<CachedUser | undefined> => {
    if (breakerOpen()) return undefined;
    const raw = await attempt('get', () => redis.get(key(id)));
    if (!raw) return undefined;
    // An entry written by another version (or corrupted) is a miss, not an error.
    try {
      return asCachedUser(JSON.parse(raw));
    } catch {
      return undefined;
    }
  };

  return {
    /** A hit, or undefined (a miss: absent, unreadable, or Redis unavailable); counted either way. */
    async get(id: string): Promise<CachedUser | undefined> {
      const entry = await lookup(id);
      appMetrics().add(entry ? 'cacheHits' : 'cacheMisses', {});
      return entry;
    },

    async set(entry: CachedUser): Promise<void> {
      if (breakerOpen()) return;
      await attempt('set', () => redis.set(key(entry.user.id), JSON.stringify(entry), 'EX', ttlSeconds));
    },

    async invalidate(id: string): Promise<void> {
      await attempt('del', () => redis.del(key(id)));
    },
  };
}

export type UserCache = ReturnType<typeof createUserCache>;

