/**
 * Logs never hold secrets (issue 7, item 2): secret-named fields are redacted at any depth, and
 * database errors from the real PostgreSQL are logged by the kit without parameter values.
 */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../../../services/kit/app';
import { newEvent } from '../../../services/kit/events';
import { users } from '../../../services/user/db/schema';
import { hashPassword } from '../../../services/user/password';
import { createUserRepository } from '../../../services/user/repository';
import { startUserService, type UserServiceHandle } from '../user/harness';
import { captureLogger } from './helpers';

describe('redaction at any depth', () => {
  const SECRETS = ['hunter2', 'scrypt$15$8$1$c2FsdA$a2V5', 'eyJhbGciOiJFUzI1NiJ9.e30.sig', 'sk_live_123', 'session=abc', 'Bearer tok'];
  const [password, hash, token, secret, cookie, authorization] = SECRETS;

  it('redacts password, hash, token, secret, authorization and cookie fields wherever they are', () => {
    const log = captureLogger();
    const deep = { a: { b: { c: { d: { password, passwordHash: hash, password_hash: hash } } } } };
    log.logger.info({ deep, list: [{ accessToken: token }, [{ clientSecret: secret }]], req: { headers: { authorization, cookie } } }, 'deep');
    log.logger.child({ ctx: { apiKey: secret } }).warn({ body: { user: { newPassword: password, currentPassword: password } } }, 'child');
    const err = Object.assign(new Error('boom'), { config: { headers: { Authorization: authorization } }, token });
    log.logger.error({ err, nested: { errors: [err] } }, 'error');
    const text = JSON.stringify(log.lines());
    for (const value of SECRETS) expect(text).not.toContain(value);
    const [first] = log.lines();
    expect(first).toMatchObject({ deep: { a: { b: { c: { d: { password: '[redacted]', passwordHash: '[redacted]', password_hash: '[redacted]' } } } } } });
    expect(first).toMatchObject({ req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } } });
  });

  it('leaves other fields alone, and does not change what the caller passed', () => {
    const log = captureLogger();
    const obj = { user: { id: 'u1', password: 'hunter2' }, status: 201 };
    log.logger.info(obj, 'kept');
    expect(log.lines()[0]).toMatchObject({ user: { id: 'u1', password: '[redacted]' }, status: 201, msg: 'kept' });
    expect(obj.user.password).toBe('hunter2');
  });

  it('survives cycles and very deep objects', () => {
    const log = captureLogger();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { token: 'deep-secret' };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    log.logger.info({ cyclic, deep }, 'odd');
    const text = JSON.stringify(log.lines());
    expect(text).not.toContain('deep-secret');
    expect(log.lines()[0]).toMatchObject({ cyclic: { name: 'loop', self: '[Circular]' } });
  });
});

describe('database errors on the real PostgreSQL', () => {
  let svc: UserServiceHandle;
  let pool: pg.Pool;
  let db: NodePgDatabase;
  beforeAll(async () => {
    svc = await startUserService(); // provisions and migrates the user database
    pool = new pg.Pool({ connectionString: svc.env.DATABASE_URL, max: 2 });
    db = drizzle(pool);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await svc?.stop();
  });

  /** Runs `work` in a kit app route; returns the status and the raw log output. */
  const failingRoute = async (work: () => Promise<unknown>) => {
    const log = captureLogger('user');
    const app = createApp({ serviceName: 'user', logger: log.logger });
    app.post('/work', async (c) => c.json(await work()));
    const res = await app.request('/work', { method: 'POST' });
    return { status: res.status, body: await res.text(), lines: log.lines(), text: JSON.stringify(log.lines()) };
  };

  it('a failing insert (NUL in a text column) is logged with the query, without the hash or any parameter value', async () => {
    const passwordHash = await hashPassword('correct horse battery');
    const email = `leak-${randomUUID()}@example.com`;
    const repo = createUserRepository(db);
    const { status, lines, text } = await failingRoute(() =>
      repo.createWithEvent({ email, name: 'a\u0000b', passwordHash }, (u) => newEvent('user.registered', 'user', { userId: u.id, email: u.email, name: u.name })),
    );
    expect(status).toBe(500);
    const line = lines.find((l) => l.msg === 'unhandled error')!;
    expect(line).toMatchObject({ level: 'error', err: { type: 'DrizzleQueryError', message: expect.stringContaining('insert into "users"') } });
    expect(JSON.stringify(line)).toContain('22021'); // PostgreSQL's character_not_in_repertoire, from the cause
    for (const value of [passwordHash, passwordHash.split('$').at(-1)!, email, 'a\\u0000b']) expect(text).not.toContain(value);
    expect(text).not.toMatch(/params/);
  });

  it('a unique violation is logged without the row values PostgreSQL puts in `detail`', async () => {
    const passwordHash = await hashPassword('another battery horse');
    const email = `dup-${randomUUID()}@example.com`;
    const row = () => ({ id: randomUUID(), email, name: 'Ada', passwordHash });
    await db.insert(users).values(row());
    const { lines, text } = await failingRoute(() => db.insert(users).values(row()));
    expect(JSON.stringify(lines.find((l) => l.msg === 'unhandled error'))).toContain('23505');
    expect(text).not.toContain(email);
    expect(text).not.toContain(passwordHash.split('$').at(-1)!);
  });

  it('a data exception quoting its value (invalid uuid) is logged with the value masked', async () => {
    const value = `not-a-uuid-${randomUUID()}`;
    const { lines, text } = await failingRoute(() => db.execute(sql`select ${value}::uuid`));
    expect(JSON.stringify(lines.find((l) => l.msg === 'unhandled error'))).toContain('22P02');
    expect(text).not.toContain(value);
  });

  it('logging the error object itself (pino takes its message as the line message) holds no value either', async () => {
    const log = captureLogger('user');
    const email = `direct-${randomUUID()}@example.com`;
    const error = await db
      .insert(users)
      .values({ id: 'not-a-uuid', email, name: 'Ada', passwordHash: 'scrypt$hash-value-that-must-not-leak' })
      .then(() => undefined, (e: unknown) => e);
    log.logger.error(error);
    log.logger.error({ err: error });
    const text = JSON.stringify(log.lines());
    expect(log.lines()).toHaveLength(2);
    for (const leaked of [email, 'hash-value-that-must-not-leak', 'not-a-uuid']) expect(text).not.toContain(leaked);
  });
});
