/**
 * PostgreSQL 15 from the Debian server binaries: a cluster in a temp dir (or a persistent data
 * dir for `npm run dev`) on a free 127.0.0.1 port with scram-sha-256 auth and a random
 * superuser password. As root, initdb/postgres run as the `postgres` OS user via runuser,
 * because the server refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, isRoot, requireBinary, spawnManaged, waitUntil, type ManagedProcess } from './process';

export interface PostgresEngine {
  /** Superuser URL on the `postgres` database. */
  readonly url: string;
  /** Creates the database when missing; returns its URL (same credentials). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server, keeping its data: `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and deletes a temp cluster. */
  destroy(): Promise<void>;
}

export interface PostgresOptions {
  /** Persistent cluster root (reused when already initialised); a temp dir otherwise. */
  dataDir?: string;
  port?: number;
}

const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
const INSTALL_HINT = 'apt-get install -y postgresql-15 (or set PG_BIN_DIR to the directory holding initdb and postgres)';
const SUPERUSER = 'postgres';
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const isReady = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** Database administration shared by harness-started and pre-existing (DATABASE_URL) servers. */
export const postgresAdmin = (adminUrl: string) => ({
  async createDatabase(name: string): Promise<string> {
    if (!DATABASE_NAME.test(name)) {
      throw new Error(`invalid database name "${name}": lower-case letters, digits and _ only, at most 63 characters`);
    }
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) {
        // The name is validated above: identifiers cannot be bound as parameters.
        await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created concurrently: fine
        });
      }
    } finally {
      await client.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  },
});

const postgresUid = (): { uid: number; gid: number } => {
  try {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root but there is no "${SUPERUSER}" OS user to run PostgreSQL as: ${INSTALL_HINT}`);
  }
};

const chownTree = (dir: string, uid: number, gid: number): void => {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) chownTree(full, uid, gid);
    else chownSync(full, uid, gid);
  }
};

export const startPostgres = async (options: PostgresOptions = {}): Promise<PostgresEngine> => {
  const binDir = process.env.PG_BIN_DIR ?? DEFAULT_BIN_DIR;
  const initdb = requireBinary(path.join(binDir, 'initdb'), INSTALL_HINT);
  const postgres = requireBinary(path.join(binDir, 'postgres'), INSTALL_HINT);
  const asRoot = isRoot();
  const runuser = asRoot ? requireBinary('runuser', 'apt-get install -y util-linux') : undefined;
  // argv prefix so the server never runs as root
  const asServerUser = (bin: string, args: string[]): [string, string[]] =>
    runuser ? [runuser, ['-u', SUPERUSER, '--', bin, ...args]] : [bin, args];

  const persistent = options.dataDir !== undefined;
  const root = persistent ? path.resolve(options.dataDir!) : mkdtempSync(path.join(os.tmpdir(), 'pg-harness-'));
  const pgdata = path.join(root, 'pgdata');
  const passwordFile = path.join(root, 'password');
  // Only the cluster root is private: its parents (e.g. .data/) must stay traversable for `postgres`.
  mkdirSync(path.dirname(root), { recursive: true });
  if (!existsSync(root)) mkdirSync(root, { mode: 0o700 });

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    writeFileSync(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
    if (asRoot) {
      const { uid, gid } = postgresUid();
      chownTree(root, uid, gid);
    }
    const [cmd, args] = asServerUser(initdb, [
      '-D', pgdata, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`,
      '--encoding=UTF8', '--no-locale', '--no-sync',
    ]);
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(`initdb failed in ${pgdata}:\n${stderr}`);
    }
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = options.port ?? (await freePort());
  const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;

  const serverArgs = [
    '-D', pgdata, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=', // TCP only: no socket dir permissions to manage
    '-c', 'max_connections=300',
    // Throwaway clusters trade durability for speed; a persistent dev cluster keeps fsync.
    ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];

  let proc: ManagedProcess | undefined;
  const start = async () => {
    if (proc && !proc.hasExited()) return;
    const [cmd, args] = asServerUser(postgres, serverArgs);
    proc = spawnManaged(cmd, args);
    try {
      await waitUntil(`postgres on port ${port}`, () => isReady(url), { proc, timeoutMs: 30_000 });
    } catch (error) {
      await proc.stop('SIGINT');
      throw error;
    }
  };
  // SIGINT = "fast shutdown": abort sessions, checkpoint, exit.
  const stop = async () => proc?.stop('SIGINT', 10_000);
  const destroy = async () => {
    await stop();
    if (!persistent) rmSync(root, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await destroy();
    throw error;
  }
  return { url, createDatabase: postgresAdmin(url).createDatabase, start, stop, destroy };
};
