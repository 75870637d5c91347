/**
 * The Redis client fails fast against a real redis-server that is stopped and restarted,
 * and the ElastiCache IAM token has the documented shape (signed offline, no network).
 */
import type { Redis } from 'ioredis';
import { startRedis, type RedisEngine } from '../../../scripts/engines';
import { waitUntil } from '../../../scripts/engines/process';
import { generateElastiCacheIamToken, IAM_TOKEN_TTL_SECONDS } from '../../../services/kit/clients/elasticache-iam';
import { createRedis, redisHealthCheck } from '../../../services/kit/clients/redis';
import { runChecks } from '../../../services/kit/health';
import { captureLogger } from './helpers';

const waitFor = (what: string, probe: () => Promise<boolean>, timeoutMs = 10_000) =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 50 });

describe('createRedis against a real redis-server', () => {
  let engine: RedisEngine;
  let redis: Redis;
  const log = captureLogger();

  beforeAll(async () => {
    engine = await startRedis();
    redis = await createRedis({ REDIS_URL: engine.url }, { logger: log.logger });
    await waitFor('redis ready', async () => (await redis.ping()) === 'PONG');
  });
  afterAll(async () => {
    redis?.disconnect();
    await engine?.destroy();
  });

  it('works while Redis is up', async () => {
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    expect(await runChecks([redisHealthCheck(redis)])).toEqual([expect.objectContaining({ name: 'redis', ok: true })]);
  });

  it('a command on a live but stuck server rejects at the command timeout', async () => {
    // CLIENT PAUSE makes the server hold every client's commands: a hang, not a refusal.
    await redis.call('client', 'pause', '1500', 'ALL');
    const started = Date.now();
    await expect(redis.get('k')).rejects.toThrow(/timed out/i);
    // Rejected by the command timeout, before the pause ended (after it the GET would succeed).
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await waitFor('unpause', async () => (await redis.ping()) === 'PONG', 5000);
  });

  it('rejects every command quickly while Redis is down, then recovers by itself', async () => {
    await engine.stop();
    await waitFor('client to notice', async () => redis.status !== 'ready');

    // Rejected at once by the client (no offline queue), not after a timeout: never a hang.
    const failFast = /enableOfflineQueue/;
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => redis.get(`k${i}`)));
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'fulfilled'))).toEqual(results.map(() => expect.stringMatching(failFast)));
    const [check] = await runChecks([redisHealthCheck(redis)]);
    expect(check).toMatchObject({ ok: false, error: expect.stringMatching(failFast) });
    await waitFor('the outage to be logged', async () => log.lines().some((l) => l.msg === 'redis: connection error'));

    await engine.start();
    await waitFor('reconnect', async () => (await redis.ping()) === 'PONG', 5000);
    await redis.set('after', '1');
    expect(await redis.get('after')).toBe('1');
  });
});

describe('ElastiCache IAM token', () => {
  it('is a SigV4-presigned connect URL for the user and cache, without scheme, valid 900 s', async () => {
    const token = await generateElastiCacheIamToken({
      userId: 'payment-svc',
      cacheId: 'platform-prod-cache',
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session/token+=' }),
      signingDate: new Date('2026-01-01T00:00:00Z'),
    });
    expect(token.startsWith('platform-prod-cache/?')).toBe(true);
    expect(token).not.toMatch(/^https?:/);
    const q = new URL(`http://${token}`).searchParams;
    expect(q.get('Action')).toBe('connect');
    expect(q.get('User')).toBe('payment-svc');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260101/eu-west-1/elasticache/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20260101T000000Z');
    expect(q.get('X-Amz-Expires')).toBe(String(IAM_TOKEN_TTL_SECONDS));
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Security-Token')).toBe('session/token+=');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic for the same inputs and changes with the user', async () => {
    const base = {
      cacheId: 'c1',
      region: 'us-east-1',
      credentials: async () => ({ accessKeyId: 'AK', secretAccessKey: 'SK' }),
      signingDate: new Date('2026-01-01T00:00:00Z'),
    };
    const a = await generateElastiCacheIamToken({ ...base, userId: 'u1' });
    expect(await generateElastiCacheIamToken({ ...base, userId: 'u1' })).toBe(a);
    expect(await generateElastiCacheIamToken({ ...base, userId: 'u2' })).not.toBe(a);
  });
});
