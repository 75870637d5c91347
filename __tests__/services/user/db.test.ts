/** The migrate command (`services/user/migrate.ts`, what `node main.js migrate` runs) and the outbox claim semantics. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import journalFile from '../../../services/user/db/migrations/meta/_journal.json';
import pg from 'pg';
import { newEvent } from '../../../services/kit/events';
import { outbox } from '../../../services/user/db/schema';
import { createPgOutboxSource } from '../../../services/user/outbox';
import { provisionTestNamespace } from '../../support/namespace';
import { adminUrlOf, migrateEnvOf, userEnv } from './harness';

jest.setTimeout(60_000);

const REPO_ROOT = path.resolve(__dirname, '../../..');
const pools: pg.Pool[] = [];
const poolFor = (url: string) => {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pools.push(pool);
  return pool;
};
afterAll(() => Promise.all(pools.map((p) => p.end())));

describe('the migrate command', () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/user/migrate.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH!, LOG_LEVEL: 'silent', ...env },
    }).then(
      () => ({ code: 0, output: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, output: err.stdout ?? '' }),
    );

  it('exits 0 when applied (twice at once), 1 when the database is unreachable or the config is incomplete', async () => {
    const ns = await provisionTestNamespace();
    const env = migrateEnvOf(ns);
    const [first, second] = await Promise.all([run(env), run(env)]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const journal = await poolFor(adminUrlOf(ns)).query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(journal.rows[0].n).toBe(journalFile.entries.length);
    const [unreachable, missing, remote] = await Promise.all([
      run({ ...env, DATABASE_PORT: '1' }),
      run({ LOG_LEVEL: 'info' }),
      // TLS is only optional on this machine's loopback interface.
      run({ ...env, DATABASE_HOST: 'aurora.internal', LOG_LEVEL: 'info' }),
    ]);
    expect(unreachable.code).toBe(1);
    expect(missing.code).toBe(1);
    const fatal = missing.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.level === 'fatal');
    expect(fatal.issues.map((i: { variable: string }) => i.variable).sort()).toEqual(
      ['DATABASE_ADMIN_PASSWORD', 'DATABASE_ADMIN_USER', 'DATABASE_APP_ROLE', 'DATABASE_HOST', 'DATABASE_MIGRATOR_ROLE', 'DATABASE_NAME'],
    );
    expect(remote.code).toBe(1);
    expect(remote.output).toContain('DATABASE_SSL');
  });
});

describe('outbox source', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    // The service's own role: the outbox needs DML only.
    pool = poolFor((await userEnv()).DATABASE_URL);
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

  it('hands back the traceparent stored with an event and reports the age of the oldest unsent one', async () => {
    await pool.query('DELETE FROM outbox');
    const source = createPgOutboxSource(drizzle(pool));
    expect(await source.oldestUnsentAt()).toBeUndefined();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const [traced, plain] = [newEvent('user.registered', 'user', { userId: randomUUID(), email: 'a@example.com', name: 'A' }), newEvent('user.registered', 'user', { userId: randomUUID(), email: 'b@example.com', name: 'B' })];
    await drizzle(pool).insert(outbox).values([{ id: traced.id, type: traced.type, payload: traced, traceparent }, { id: plain.id, type: plain.type, payload: plain }]);
    await pool.query(`UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE id = $1`, [traced.id]);
    const oldest = await source.oldestUnsentAt();
    expect(Date.now() - oldest!.getTime()).toBeGreaterThanOrEqual(89_000);
    const claimed = await source.claim(5);
    expect(Object.fromEntries(claimed.map((c) => [c.id, c.traceparent]))).toEqual({ [traced.id]: traceparent, [plain.id]: undefined });
    await source.markSent([traced.id, plain.id]);
    expect(await source.oldestUnsentAt()).toBeUndefined();
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
