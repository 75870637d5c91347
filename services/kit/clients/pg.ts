import pg from 'pg';
import type { HealthCheck } from '../health';
import type { Logger } from '../logger';

export interface PgConfig {
  SERVICE_NAME?: string;
  DATABASE_URL?: string;
  DATABASE_HOST?: string;
  DATABASE_PORT?: number;
  DATABASE_NAME?: string;
  DATABASE_USER?: string;
  DATABASE_PASSWORD?: string;
  DATABASE_SSL?: 'disable' | 'require' | 'verify-full';
}

export interface PgPoolOptions {
  logger?: Logger;
  /** Default 10 per task (Aurora max_connections is shared by every task). */
  max?: number;
  /** Server-side cap per statement; default 5000 ms. */
  statementTimeoutMs?: number;
}

/** `require` encrypts without verifying (like libpq); `verify-full` verifies against Node's CAs + NODE_EXTRA_CA_CERTS. */
const sslFor = (mode: PgConfig['DATABASE_SSL']): pg.PoolConfig['ssl'] => {
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { rejectUnauthorized: true };
  return undefined;
};

export const createPgPool = (cfg: PgConfig, opts: PgPoolOptions = {}): pg.Pool => {
  const statementTimeout = opts.statementTimeoutMs ?? 5000;
  const connection: pg.PoolConfig = cfg.DATABASE_URL
    ? { connectionString: cfg.DATABASE_URL, ...(cfg.DATABASE_SSL ? { ssl: sslFor(cfg.DATABASE_SSL) } : {}) }
    : {
        host: cfg.DATABASE_HOST,
        port: cfg.DATABASE_PORT ?? 5432,
        database: cfg.DATABASE_NAME,
        user: cfg.DATABASE_USER,
        password: cfg.DATABASE_PASSWORD,
        // Remote databases are encrypted unless explicitly disabled.
        ssl: sslFor(cfg.DATABASE_SSL ?? 'require'),
      };
  const pool = new pg.Pool({
    ...connection,
    application_name: cfg.SERVICE_NAME,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 10_000,
    statement_timeout: statementTimeout,
    // Client-side backstop in case the server never answers (network partition).
    query_timeout: statementTimeout + 1000,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', (err) => opts.logger?.warn({ err }, 'postgres: idle client error'));
  return pool;
};

export const pgHealthCheck = (pool: pg.Pool): HealthCheck => ({
  name: 'postgres',
  check: () => pool.query('select 1'),
});
