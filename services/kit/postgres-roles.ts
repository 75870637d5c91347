/**
 * A service's database, set up by the one-off migrate command (docs/decisions/0009):
 *
 * - `<service>_migrator` (NOLOGIN) owns the schema and every object in it; migrations run as it
 *   (`SET ROLE` from the administrator's session).
 * - `<service>_app` (LOGIN; `rds_iam` on RDS, a password locally) gets DML on the migrator's
 *   tables and nothing else: no DDL, no other database, no way to become the migrator.
 * - Idempotent, and safe when several runs start together (one advisory lock per database).
 *   Objects an earlier version created as the administrator are handed over to the migrator.
 *
 * In AWS the administrator is the RDS-managed master user (its secret injected into the migrate
 * task only); locally the harness's superuser. The same code runs in both.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { z } from 'zod';
import { createPgPool } from './clients/pg';
import { baseShape, databaseHostIssues, loadConfig, ConfigError } from './config';
import { createLogger, type Logger } from './logger';

/**
 * Fixed key of the session-level advisory lock that serialises migrate runs (the bytes of
 * "usermigr", the key runs already deployed take). Advisory locks are per database, so one key
 * serves every service.
 */
export const MIGRATION_LOCK_KEY = 0x75_73_65_72_6d_69_67n.toString();

/** Schemas the migrator owns: the tables (`public`) and drizzle's journal (`drizzle`). */
const OWNED_SCHEMAS = ['public', 'drizzle'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const role = z.string().regex(ROLE_NAME, 'must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)');

/** The migrate command's environment (the ECS migrate task's, and the local harness's). */
export const migrateShape = {
  LOG_LEVEL: baseShape.LOG_LEVEL,
  DATABASE_HOST: z.string().min(1),
  DATABASE_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DATABASE_NAME: z.string().min(1),
  /** Default verify-full; `disable` only for a loopback host. */
  DATABASE_SSL: z.enum(['disable', 'verify-full']).default('verify-full'),
  DATABASE_ADMIN_USER: z.string().min(1),
  DATABASE_ADMIN_PASSWORD: z.string().min(1),
  DATABASE_APP_ROLE: role,
  DATABASE_MIGRATOR_ROLE: role,
};

export type MigrateConfig = z.infer<z.ZodObject<typeof migrateShape>>;

export const loadMigrateConfig = (env: NodeJS.ProcessEnv): MigrateConfig => {
  const config = loadConfig(migrateShape, env);
  const issues = databaseHostIssues(config);
  if (config.DATABASE_APP_ROLE === config.DATABASE_MIGRATOR_ROLE) {
    issues.push({ variable: 'DATABASE_APP_ROLE', message: 'must differ from DATABASE_MIGRATOR_ROLE' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
};

export interface MigrateOptions {
  logger: Logger;
  /** drizzle-kit output folder; absent = roles and grants only (a service without tables yet). */
  migrationsFolder?: string;
  /** How long to wait for another run's lock; default 120 s. */
  lockTimeoutMs?: number;
}

const id = (name: string): string => pg.escapeIdentifier(name);

const roleExists = async (client: pg.PoolClient, name: string): Promise<boolean> =>
  (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;

/** Creates the role with `attributes`, or puts them back on an existing one. */
const ensureRole = async (client: pg.PoolClient, name: string, attributes: string): Promise<void> => {
  if (await roleExists(client, name)) await client.query(`ALTER ROLE ${id(name)} ${attributes}`);
  else await client.query(`CREATE ROLE ${id(name)} ${attributes}`);
};

/** Hands schemas, relations and types created by anyone else (an earlier administrator) to the migrator. */
const adoptObjects = async (client: pg.PoolClient, migrator: string): Promise<void> => {
  const schemas = [...OWNED_SCHEMAS];
  const { rows: owned } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) AND nspowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [schemas, migrator],
  );
  for (const { nspname } of owned) await client.query(`ALTER SCHEMA ${id(nspname)} OWNER TO ${id(migrator)}`);
  // Tables and views first: their owned sequences (serial, identity) follow them.
  const { rows: relations } = await client.query<{ name: string; kind: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [schemas, migrator],
  );
  for (const { name, kind } of relations) {
    const what = kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : kind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
    await client.query(`ALTER ${what} ${name} OWNER TO ${id(migrator)}`);
  }
  const { rows: rest } = await client.query<{ name: string; kind: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, 'SEQUENCE' AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind = 'S' AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
     UNION ALL
     SELECT format('%I.%I', n.nspname, t.typname), CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'd', 'r') AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [schemas, migrator],
  );
  for (const { name, kind } of rest) await client.query(`ALTER ${kind} ${name} OWNER TO ${id(migrator)}`);
};

/**
 * Ensures the roles, the ownership and the grants, and applies the pending migrations as the
 * migrator. `admin` is a pool logged in as the administrator on the service's database.
 */
export async function migrateServiceDatabase(
  admin: pg.Pool,
  roles: { app: string; migrator: string },
  { logger, migrationsFolder, lockTimeoutMs = 120_000 }: MigrateOptions,
): Promise<void> {
  const client = await admin.connect();
  try {
    // Session settings for this connection only: DDL may outlast the pool's statement timeout,
    // and waiting for the lock is bounded by lock_timeout instead.
    await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    const started = performance.now();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    logger.info({ waitedMs: Math.round(performance.now() - started) }, 'migration lock acquired');

    const { app, migrator } = roles;
    const { rows: [database] } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await ensureRole(client, migrator, 'NOLOGIN');
    await ensureRole(client, app, 'LOGIN');
    // The administrator acts as the migrator (SET ROLE, ownership changes); the app role never can.
    await client.query(`GRANT ${id(migrator)} TO CURRENT_USER`);
    // On RDS the app role logs in with IAM tokens only (rds_iam exists only there).
    if (await roleExists(client, 'rds_iam')) await client.query(`GRANT rds_iam TO ${id(app)}`);

    const db = id(database!.name);
    await client.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${id(app)}`);
    // drizzle creates its journal schema on first run.
    await client.query(`GRANT CREATE ON DATABASE ${db} TO ${id(migrator)}`);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await adoptObjects(client, migrator);

    await client.query(`SET ROLE ${id(migrator)}`);
    if (migrationsFolder) await migrate(drizzle(client), { migrationsFolder });
    await client.query(`GRANT USAGE ON SCHEMA public TO ${id(app)}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${id(app)}`);
    await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${id(app)}`);
    // Tables a later migration creates get the same grants without another run of this step.
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${id(app)}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO ${id(app)}`);
    logger.info({ migrationsFolder, app, migrator }, 'database roles and migrations applied');
  } finally {
    // Destroy rather than return the connection: it carries the role and session settings above,
    // and closing the session releases the advisory lock even if a step failed mid-way.
    client.release(true);
  }
}

/** Administrator pool for one run: one connection, TLS verified unless a loopback host says otherwise. */
export const adminPool = (config: MigrateConfig, logger: Logger): pg.Pool =>
  createPgPool(
    {
      SERVICE_NAME: 'migrate',
      DATABASE_HOST: config.DATABASE_HOST,
      DATABASE_PORT: config.DATABASE_PORT,
      DATABASE_NAME: config.DATABASE_NAME,
      DATABASE_USER: config.DATABASE_ADMIN_USER,
      DATABASE_SSL: config.DATABASE_SSL,
    },
    { logger, max: 1, password: config.DATABASE_ADMIN_PASSWORD },
  );

/** Loads the config from `env`, connects as the administrator and sets the database up. */
export async function migrateFromEnv(env: NodeJS.ProcessEnv, migrationsFolder: string | undefined, logger: Logger): Promise<void> {
  const config = loadMigrateConfig(env);
  logger.level = config.LOG_LEVEL;
  const pool = adminPool(config, logger);
  try {
    await migrateServiceDatabase(pool, { app: config.DATABASE_APP_ROLE, migrator: config.DATABASE_MIGRATOR_ROLE }, { logger, migrationsFolder });
  } finally {
    await pool.end();
  }
}

/** `node main.js migrate`: exit 0 when applied, 1 on any failure (the config error lists every variable). */
export function runMigrateCommand(serviceName: string, migrationsFolder: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const logger = createLogger({ service: `${serviceName}-migrate`, level: 'info' });
  migrateFromEnv(env, migrationsFolder, logger).then(
    () => process.exit(0),
    (err: unknown) => {
      logger.fatal(err instanceof ConfigError ? { issues: err.issues } : { err }, 'migration failed');
      process.exit(1);
    },
  );
}
