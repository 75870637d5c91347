import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Pool } from 'pg';
import type { Logger } from '../../kit/logger';

/**
 * The drizzle-kit output. Resolved next to the running code: `services/user/db/migrations` from
 * source, `<bundle dir>/migrations` in the image (the Dockerfile copies the folder beside the bundle).
 */
export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');

/** Arbitrary, fixed key of the session-level advisory lock that serialises migrators ("usermigr"). */
export const MIGRATION_LOCK_KEY = 0x75_73_65_72_6d_69_67n.toString();

export interface MigrateOptions {
  logger: Logger;
  migrationsFolder?: string;
  /** How long to wait for another task's migration to finish; default 120 s. */
  lockTimeoutMs?: number;
}

/**
 * Applies the generated migrations under `pg_advisory_lock`, so tasks starting together take
 * turns: the first applies, the others wait, then find nothing left to do. drizzle's migrator
 * runs the pending files in one transaction and records them in drizzle.__drizzle_migrations.
 */
export async function migrateDatabase(pool: Pool, { logger, migrationsFolder = MIGRATIONS_FOLDER, lockTimeoutMs = 120_000 }: MigrateOptions): Promise<void> {
  const client = await pool.connect();
  try {
    // Session settings for this connection only: DDL may outlast the pool's statement timeout,
    // and waiting for the lock is bounded by lock_timeout instead.
    await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    const started = performance.now();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    logger.info({ waitedMs: Math.round(performance.now() - started) }, 'migration lock acquired');
    await migrate(drizzle(client), { migrationsFolder });
    logger.info({ migrationsFolder }, 'migrations applied');
  } finally {
    // Destroy rather than return the connection: it carries the session settings above, and
    // closing the session releases the advisory lock even if the migration failed mid-way.
    client.release(true);
  }
}
