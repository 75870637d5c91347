/**
 * ioredis tuned to fail fast: while Redis is down no command waits (no offline queue), a
 * command on a live-but-stuck connection rejects after `commandTimeout`, and reconnects back
 * off with a cap. Callers treat a rejected cache call as a miss.
 */
import { Pipeline, Redis } from 'ioredis';
import { backoffDelay } from '../backoff';
import type { HealthCheck } from '../health';
import type { Logger } from '../logger';
import { keepQueuedCommandContext } from '../telemetry/ioredis-context';
import { instrument } from '../telemetry/instrument';
import { generateElastiCacheIamToken, type IamTokenOptions } from './elasticache-iam';

export interface RedisConfig {
  REDIS_URL: string;
  REDIS_IAM_USER?: string;
  REDIS_CACHE_ID?: string;
  AWS_REGION?: string;
}

export interface RedisOptions {
  logger?: Logger;
  /** Default 500 ms. */
  commandTimeoutMs?: number;
  /** Default 1000 ms (TLS handshake included). */
  connectTimeoutMs?: number;
  /** Test hook for the IAM token (credentials, clock). */
  iam?: Pick<IamTokenOptions, 'credentials'>;
}

export const MAX_RECONNECT_DELAY_MS = 2000;

/** Tokens live 15 min; refresh well before so a reconnect never presents an expired one. */
const IAM_REFRESH_MS = 10 * 60 * 1000;

export const createRedis = async (cfg: RedisConfig, opts: RedisOptions = {}): Promise<Redis> => {
  let iam: IamTokenOptions | undefined;
  if (cfg.REDIS_IAM_USER) {
    if (!cfg.REDIS_CACHE_ID || !cfg.AWS_REGION) throw new Error('REDIS_IAM_USER needs REDIS_CACHE_ID and AWS_REGION');
    iam = { userId: cfg.REDIS_IAM_USER, cacheId: cfg.REDIS_CACHE_ID, region: cfg.AWS_REGION, ...opts.iam };
  }
  if (instrument('ioredis', Redis)) keepQueuedCommandContext(Redis, Pipeline);
  const redis = new Redis(cfg.REDIS_URL, {
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: opts.connectTimeoutMs ?? 1000,
    maxRetriesPerRequest: 1,
    // Commands issued in the same event-loop tick share one socket write: under concurrent load
    // the per-command write syscall was a fifth of the user service's CPU (bench/results/user.md).
    enableAutoPipelining: true,
    // Never gives up (the service outlives outages); exponential from 50 ms, capped, jittered.
    retryStrategy: (times) => backoffDelay(times, { baseMs: 50, maxMs: MAX_RECONNECT_DELAY_MS }),
    ...(iam ? { username: iam.userId, password: await generateElastiCacheIamToken(iam) } : {}),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // One line per distinct failure, not one per reconnect attempt.
    if (err.message !== lastError) opts.logger?.warn({ err: err.message }, 'redis: connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) opts.logger?.info('redis: connection restored');
    lastError = '';
  });
  if (iam) {
    const tokenFor = iam;
    const timer = setInterval(() => {
      generateElastiCacheIamToken(tokenFor).then(
        (token) => {
          redis.options.password = token; // used by the next (re)connect's AUTH
        },
        (err: unknown) => opts.logger?.error({ err }, 'redis: IAM token refresh failed'),
      );
    }, IAM_REFRESH_MS);
    timer.unref();
    redis.once('end', () => clearInterval(timer));
  }
  return redis;
};

export const redisHealthCheck = (redis: Redis): HealthCheck => ({
  name: 'redis',
  check: () => redis.ping(),
});
