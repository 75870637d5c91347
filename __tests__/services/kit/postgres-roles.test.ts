/**
 * The role split on the real PostgreSQL 15 (docs/decisions/0009): what the app role can and
 * cannot do, the migrator that nobody logs in as, concurrent and repeated runs, the hand-over of
 * objects an earlier administrator created, and an RDS-like administrator (CREATEROLE, not
 * superuser, `rds_iam` present) on a private cluster.
 */
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { startPostgres, type PostgresEngine } from '../../../scripts/engines';
import { createLogger } from '../../../services/kit/logger';
import { migrateServiceDatabase, MIGRATION_LOCK_KEY } from '../../../services/kit/postgres-roles';
import { MIGRATIONS_FOLDER } from '../../../services/user/db/migrate';
import migrationJournal from '../../../services/user/db/migrations/meta/_journal.json';
import { waitUntil } from '../../../scripts/engines/process';
import { testEngines } from '../../support/namespace';

jest.setTimeout(90_000);

const logger = createLogger({ service: 'roles-test', level: 'silent' });
const opened: { end(): Promise<void> }[] = [];
afterAll(() => Promise.all(opened.map((c) => c.end().catch(() => undefined))));

const pool = (url: string, max = 2): pg.Pool => {
  const p = new pg.Pool({ connectionString: url, max });
  p.on('error', () => undefined); // idle clients of a stopped private cluster
  opened.push(p);
  return p;
};
const withUser = (url: string, user: string, password: string): string => {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
};
const unique = () => `r${randomBytes(4).toString('hex')}`;

interface Fresh {
  adminUrl: string;
  roles: { app: string; migrator: string };
}

/** A fresh database on the shared cluster, with unique role names. */
const freshDatabase = async (superuserUrl = testEngines().postgres.url, create = testEngines().postgres.createDatabase): Promise<Fresh> => {
  const name = unique();
  await create(name);
  const adminUrl = new URL(superuserUrl);
  adminUrl.pathname = `/${name}`;
  return { adminUrl: adminUrl.toString(), roles: { app: `${name}_app`, migrator: `${name}_migrator` } };
};

/** Gives a role a password through the administrator (locally the harness does this for the app role). */
const setPassword = async (adminUrl: string, role: string): Promise<string> => {
  const password = randomBytes(12).toString('hex');
  await pool(adminUrl).query(`ALTER ROLE ${pg.escapeIdentifier(role)} PASSWORD ${pg.escapeLiteral(password)}`);
  return password;
};

const codeOf = async (work: Promise<unknown>): Promise<string | undefined> =>
  work.then(
    () => undefined,
    (err: { code?: string }) => err.code ?? 'no code',
  );

const INSUFFICIENT_PRIVILEGE = '42501';

describe('migrateServiceDatabase', () => {
  it('is safe when six runs start together on a fresh database, and idempotent', async () => {
    const { adminUrl, roles } = await freshDatabase();
    await Promise.all(Array.from({ length: 6 }, () => migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER })));
    await migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER });
    const admin = pool(adminUrl);
    expect((await admin.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n).toBe(migrationJournal.entries.length);
    const owners = await admin.query(
      `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'drizzle') AND c.relkind IN ('r', 'S') ORDER BY 1`,
    );
    expect(owners.rows).toEqual([
      { relname: '__drizzle_migrations', owner: roles.migrator },
      { relname: '__drizzle_migrations_id_seq', owner: roles.migrator },
      { relname: 'outbox', owner: roles.migrator },
      { relname: 'users', owner: roles.migrator },
    ]);
    const locks = await admin.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(locks.rows[0].n).toBe(0);
  });

  it('waits for the lock held by another run', async () => {
    const { adminUrl, roles } = await freshDatabase();
    const holder = new pg.Client({ connectionString: adminUrl });
    await holder.connect();
    opened.push(holder);
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    let done = false;
    const running = migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER }).then(() => (done = true));
    await waitUntil('the second run to wait on the lock', async () =>
      (await holder.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0].n > 0,
    );
    expect(done).toBe(false);
    expect((await holder.query(`SELECT to_regclass('public.users') AS t`)).rows[0].t).toBeNull();
    await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await running;
    expect((await holder.query(`SELECT to_regclass('public.users') AS t`)).rows[0].t).toBe('users');
  });

  describe('the app role', () => {
    let own: Fresh;
    let appPassword: string;
    let app: pg.Pool;
    beforeAll(async () => {
      own = await freshDatabase();
      await migrateServiceDatabase(pool(own.adminUrl, 1), own.roles, { logger, migrationsFolder: MIGRATIONS_FOLDER });
      appPassword = await setPassword(own.adminUrl, own.roles.app);
      app = pool(withUser(own.adminUrl, own.roles.app, appPassword));
    });

    it('reads and writes its tables', async () => {
      const id = '0b9f6f1e-4c1a-4b8e-9a57-2b3c1d0e5f6a';
      await app.query(`INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'a@example.com', 'A', 'x')`, [id]);
      await app.query(`UPDATE users SET name = 'B' WHERE id = $1`, [id]);
      expect((await app.query('SELECT name FROM users WHERE id = $1', [id])).rows).toEqual([{ name: 'B' }]);
      await app.query('DELETE FROM users WHERE id = $1', [id]);
      expect((await app.query('SELECT current_user AS u')).rows[0].u).toBe(own.roles.app);
    });

    it.each([
      ['CREATE TABLE', 'CREATE TABLE intruder (id int)'],
      ['DROP TABLE', 'DROP TABLE users'],
      ['ALTER TABLE', 'ALTER TABLE users ADD COLUMN is_admin boolean'],
      ['TRUNCATE', 'TRUNCATE users'],
      ['CREATE INDEX', 'CREATE INDEX intruder ON users (name)'],
      ['CREATE SCHEMA', 'CREATE SCHEMA intruder'],
      ['CREATE TEMP TABLE', 'CREATE TEMP TABLE intruder (id int)'],
      ['read the migration journal', 'SELECT * FROM drizzle.__drizzle_migrations'],
      ['become the migrator', 'SET ROLE NONE; SET ROLE "__MIGRATOR__"'],
    ])('cannot %s', async (_what, statement) => {
      expect(await codeOf(app.query(statement.replace('__MIGRATOR__', own.roles.migrator)))).toBe(INSUFFICIENT_PRIVILEGE);
    });

    it("cannot reach another service's database, whose app role cannot reach this one either", async () => {
      const other = await freshDatabase();
      await migrateServiceDatabase(pool(other.adminUrl, 1), other.roles, { logger });
      await pool(other.adminUrl).query(`SET ROLE ${pg.escapeIdentifier(other.roles.migrator)}; CREATE TABLE ledger (id int); INSERT INTO ledger VALUES (1)`);
      const otherApp = withUser(other.adminUrl, other.roles.app, await setPassword(other.adminUrl, other.roles.app));
      // The other service's own app role sees its table (default privileges cover tables created later).
      expect((await pool(otherApp).query('SELECT id FROM ledger')).rows).toEqual([{ id: 1 }]);

      const intruder = new pg.Client({ connectionString: withUser(other.adminUrl, own.roles.app, appPassword) });
      expect(await codeOf(intruder.connect())).toBe(INSUFFICIENT_PRIVILEGE); // permission denied for database
      await intruder.end().catch(() => undefined);
      const back = new pg.Client({ connectionString: withUser(own.adminUrl, other.roles.app, new URL(otherApp).password) });
      expect(await codeOf(back.connect())).toBe(INSUFFICIENT_PRIVILEGE);
      await back.end().catch(() => undefined);
    });

    it('nobody logs in as the migrator, even with its password', async () => {
      const password = await setPassword(own.adminUrl, own.roles.migrator);
      const client = new pg.Client({ connectionString: withUser(own.adminUrl, own.roles.migrator, password) });
      expect(await codeOf(client.connect())).toBe('28000'); // role is not permitted to log in
      await client.end().catch(() => undefined);
    });
  });

  it('hands objects an earlier administrator created (the pre-0009 layout) over to the migrator, without re-applying', async () => {
    const { adminUrl, roles } = await freshDatabase();
    // What the service did before: migrations at start-up, as the administrator.
    const legacy = pool(adminUrl, 1);
    const client = await legacy.connect();
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    await client.query(`INSERT INTO users (id, email, name, password_hash) VALUES (gen_random_uuid(), 'old@example.com', 'Old', 'x')`);
    await client.query(`CREATE TYPE mood AS ENUM ('ok'); CREATE SEQUENCE standalone_seq; CREATE VIEW user_names AS SELECT name FROM users`);
    client.release();

    await migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER });
    const admin = pool(adminUrl);
    const foreign = await admin.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'drizzle') AND c.relkind IN ('r', 'S', 'v') AND pg_get_userbyid(c.relowner) <> $1
       UNION ALL SELECT typname FROM pg_type WHERE typname = 'mood' AND pg_get_userbyid(typowner) <> $1
       UNION ALL SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'drizzle') AND pg_get_userbyid(nspowner) <> $1`,
      [roles.migrator],
    );
    expect(foreign.rows).toEqual([]);
    expect((await admin.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n).toBe(migrationJournal.entries.length);
    const app = pool(withUser(adminUrl, roles.app, await setPassword(adminUrl, roles.app)));
    expect((await app.query(`SELECT name FROM users`)).rows).toEqual([{ name: 'Old' }]);
    expect((await app.query(`SELECT tokens_valid_after FROM users`)).rows).toEqual([{ tokens_valid_after: null }]);
  });
});

describe('with an RDS-like administrator (CREATEROLE, owns the database, not superuser; rds_iam exists)', () => {
  let engine: PostgresEngine;
  beforeAll(async () => {
    engine = await startPostgres();
  });
  afterAll(() => engine?.destroy());

  it('sets up the same roles, grants rds_iam to the app role only, and the app role works', async () => {
    const superuser = pool(engine.url);
    const adminPassword = randomBytes(12).toString('hex');
    await superuser.query(`CREATE ROLE rds_iam NOLOGIN; CREATE ROLE platform_admin LOGIN CREATEROLE CREATEDB PASSWORD '${adminPassword}'`);
    await superuser.query('CREATE DATABASE users OWNER platform_admin');
    const adminUrl = withUser(engine.url.replace(/\/postgres$/, '/users'), 'platform_admin', adminPassword);
    const roles = { app: 'user_app', migrator: 'user_migrator' };

    await migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER });
    await migrateServiceDatabase(pool(adminUrl, 1), roles, { logger, migrationsFolder: MIGRATIONS_FOLDER });

    const members = await superuser.query(
      `SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
        WHERE r.rolname IN ('rds_iam', 'user_migrator', 'user_app') ORDER BY 1, 2`,
    );
    expect(members.rows).toEqual([
      { role: 'rds_iam', member: 'user_app' },
      { role: 'user_migrator', member: 'platform_admin' },
    ]);
    const attributes = await superuser.query(`SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname LIKE 'user_%' ORDER BY 1`);
    expect(attributes.rows).toEqual([
      { rolname: 'user_app', rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false },
      { rolname: 'user_migrator', rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolcreatedb: false },
    ]);
    const app = pool(withUser(adminUrl, 'user_app', await setPassword(engine.url, 'user_app')));
    expect((await app.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
    expect(await codeOf(app.query('DROP TABLE users'))).toBe(INSUFFICIENT_PRIVILEGE);
  });
});
