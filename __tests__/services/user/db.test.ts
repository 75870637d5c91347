/** Migrations under the advisory lock, the migrate command, and the outbox claim semantics. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import pino from 'pino';
import { waitUntil } from '../../../scripts/engines/process';
import { newEvent } from '../../../services/kit/events';
import { MIGRATION_LOCK_KEY, migrateDatabase } from '../../../services/user/db/migrate';
import { outbox } from '../../../services/user/db/schema';
import { createPgOutboxSource } from '../../../services/user/outbox';
import { userEnv } from './harness';

jest.setTimeout(60_000);

const logger = pino({ level: 'silent' });
const REPO_ROOT = path.resolve(__dirname, '../../..');
const pools: pg.Pool[] = [];
const poolFor = (url: string) => {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pools.push(pool);
  return pool;
};
afterAll(() => Promise.all(pools.map((p) => p.end())));

describe('migrations', () => {
  it('are safe when several tasks migrate the same fresh database at once', async () => {
    const { DATABASE_URL } = await userEnv();
    const migrators = Array.from({ length: 6 }, () => poolFor(DATABASE_URL));
    await Promise.all(migrators.map((pool) => migrateDatabase(pool, { logger })));
    const check = migrators[0];
    expect((await check.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n).toBe(1);
    const indexes = (await check.query(`SELECT indexname FROM pg_indexes WHERE tablename IN ('users', 'outbox') ORDER BY 1`)).rows;
    expect(indexes.map((r) => r.indexname)).toEqual(['outbox_pending_idx', 'outbox_pkey', 'users_email_lower_key', 'users_pkey']);
    // The lock is not left behind.
    expect((await check.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0].n).toBe(0);
  });

  it('wait for the advisory lock held by another migrator', async () => {
    const { DATABASE_URL } = await userEnv();
    const holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      let done = false;
      const migrating = migrateDatabase(poolFor(DATABASE_URL), { logger }).then(() => (done = true));
      await waitUntil('the migrator to wait for the lock', async () => {
        const { rows } = await holder.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
           WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`,
        );
        return rows[0].n > 0;
      });
      expect(done).toBe(false);
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await migrating;
      expect(done).toBe(true);
    } finally {
      await holder.end();
    }
  });

  it('the migrate command exits 0 when applied (twice), 1 when the database is unreachable or config is missing', async () => {
    const { DATABASE_URL } = await userEnv();
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/user/migrate.ts'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH!, LOG_LEVEL: 'silent', ...env },
      }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
    const [first, second] = await Promise.all([run({ DATABASE_URL }), run({ DATABASE_URL })]);
    expect([first, second]).toEqual([0, 0]);
    const unreachable = new URL(DATABASE_URL);
    unreachable.port = '1';
    expect(await run({ DATABASE_URL: unreachable.toString() })).toBe(1);
    expect(await run({})).toBe(1);
  });
});

describe('outbox source', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    const { DATABASE_URL } = await userEnv();
    pool = poolFor(DATABASE_URL);
    await migrateDatabase(pool, { logger });
  });

  const insertEvents = async (n: number): Promise<string[]> => {
    const events = Array.from({ length: n }, () =>
      newEvent('user.registered', 'user', { userId: randomUUID(), email: 'a@example.com', name: 'A' }),
    );
    await drizzle(pool).insert(outbox).values(events.map((e) => ({ id: e.id, type: e.type, payload: e })));
    return events.map((e) => e.id);
  };

  it('concurrent claims (one pool per task) never hand the same row to two relays', async () => {
    const ids = await insertEvents(60);
    const relays = Array.from({ length: 6 }, () => createPgOutboxSource(drizzle(poolFor(pool.options.connectionString!))));
    const claimed = (await Promise.all(relays.map((r) => r.claim(10)))).flat();
    expect(claimed.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(JSON.parse(claimed[0].body)).toMatchObject({ type: 'user.registered', version: 1 });
    // Leased: nothing is claimable until sent, failed or expired.
    expect(await relays[0].claim(10)).toEqual([]);
    await relays[0].markSent(ids);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    expect(rows[0].n).toBe(0);
  });

  it('an expired lease makes a row claimable again; a failure records the error and backs off', async () => {
    await pool.query('DELETE FROM outbox');
    const source = createPgOutboxSource(drizzle(pool), { leaseSeconds: 1, maxBackoffSeconds: 1 });
    const [id] = await insertEvents(1);
    expect((await source.claim(5)).map((c) => c.id)).toEqual([id]);
    expect(await source.claim(5)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await source.claim(5)).map((c) => c.id)).toEqual([id]); // the relay that held it died
    await source.markFailed!([id], 'SQS unreachable');
    const row = (await pool.query('SELECT attempts, last_error, next_attempt_at > now() AS later FROM outbox WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ attempts: 2, last_error: 'SQS unreachable', later: true });
    expect(await source.claim(5)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await source.claim(5)).map((c) => c.id)).toEqual([id]);
  });

  it('deletes rows sent longer ago than the retention, keeps recent and pending ones', async () => {
    await pool.query('DELETE FROM outbox');
    const source = createPgOutboxSource(drizzle(pool), { retentionSeconds: 3600, purgeIntervalMs: 0 });
    const [old, recent, pending] = await insertEvents(3);
    await pool.query(`UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE id = $1`, [old]);
    await source.markSent([recent]);
    const left = (await pool.query('SELECT id FROM outbox ORDER BY id')).rows.map((r) => r.id);
    expect(left.sort()).toEqual([recent, pending].sort());
  });
});
