/**
 * PostgreSQL 15 from the Debian server binaries: a cluster in a temp dir (or a persistent data
 * dir for `npm run dev`) on a free 127.0.0.1 port with scram-sha-256 auth and a random
 * superuser password. As root, initdb/postgres run as the `postgres` OS user (the server refuses
 * to run as root). The server gets SIGINT (fast shutdown) when the harness dies, and a persistent
 * cluster left behind by a dead harness is recovered at start (see recoverCluster).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { isRunning, processInfo, processesWorkingIn, type ProcessInfo } from './procfs';
import { freePort, isRoot, requireBinary, spawnManaged, supervisedArgv, waitUntil, type ManagedProcess } from './process';

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

/** Fast shutdown of a large cluster can take a while; past this, what is left is killed. */
const ORPHAN_STOP_GRACE_MS = 20_000;

const signalAll = (processes: readonly ProcessInfo[], signal: NodeJS.Signals): void => {
  for (const p of processes) {
    try {
      if (isRunning(p)) process.kill(p.pid, signal);
    } catch {
      // exited meanwhile
    }
  }
};

/**
 * Makes a persistent cluster startable again after the harness that ran it died.
 * - Processes still working in `pgdata` (an orphaned server of an older harness, or one still in
 *   the fast shutdown its parent-death signal began) are stopped: SIGINT to the postmaster, SIGKILL
 *   to whatever is left after the grace. Unless the harness recorded in `ownerFile` still runs:
 *   then the cluster is in use, and that is an error, not something to recover from.
 * - With no process in `pgdata`, a postmaster.pid is stale whatever pid it names (dead, a zombie,
 *   or reused by an unrelated process, which PostgreSQL itself would take for a running server):
 *   it is removed.
 */
const recoverCluster = async (pgdata: string, ownerFile: string): Promise<void> => {
  if (process.platform !== 'linux') return; // /proc is how the remnants are found
  const lockFile = path.join(pgdata, 'postmaster.pid');
  const remnants = () => processesWorkingIn(pgdata);
  const found = remnants();
  if (found.length > 0) {
    const [pid, startTime] = existsSync(ownerFile) ? readFileSync(ownerFile, 'utf8').trim().split(' ').map(Number) : [];
    if (pid !== undefined && isRunning({ pid, startTime })) {
      throw new Error(`${pgdata} is in use by the PostgreSQL server of process ${pid} (another npm run dev?): stop that one first`);
    }
    const postmasterPid = existsSync(lockFile) ? Number(readFileSync(lockFile, 'utf8').split('\n', 1)[0]) : undefined;
    signalAll(found.filter((p) => p.pid === postmasterPid), 'SIGINT');
    await waitUntil(`the orphaned server in ${pgdata} to stop`, () => remnants().length === 0, { timeoutMs: ORPHAN_STOP_GRACE_MS }).catch(
      async () => {
        signalAll(remnants(), 'SIGKILL');
        await waitUntil(`the orphaned server in ${pgdata} to die`, () => remnants().length === 0, { timeoutMs: 5000 });
      },
    );
  }
  rmSync(lockFile, { force: true });
};

export const startPostgres = async (options: PostgresOptions = {}): Promise<PostgresEngine> => {
  const binDir = process.env.PG_BIN_DIR ?? DEFAULT_BIN_DIR;
  const initdb = requireBinary(path.join(binDir, 'initdb'), INSTALL_HINT);
  const postgres = requireBinary(path.join(binDir, 'postgres'), INSTALL_HINT);
  const asRoot = isRoot();
  const user = asRoot ? SUPERUSER : undefined;

  const persistent = options.dataDir !== undefined;
  const root = persistent ? path.resolve(options.dataDir!) : mkdtempSync(path.join(os.tmpdir(), 'pg-harness-'));
  const pgdata = path.join(root, 'pgdata');
  const passwordFile = path.join(root, 'password');
  /** "<pid> <start time>" of the harness process running the server: who may use this cluster. */
  const ownerFile = path.join(root, 'owner');
  // Only the cluster root is private: its parents (e.g. .data/) must stay traversable for `postgres`.
  mkdirSync(path.dirname(root), { recursive: true });
  if (!existsSync(root)) mkdirSync(root, { mode: 0o700 });

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    writeFileSync(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
    if (asRoot) {
      const { uid, gid } = postgresUid();
      chownTree(root, uid, gid);
    }
    const [cmd, args] = supervisedArgv(initdb, [
      '-D', pgdata, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`,
      '--encoding=UTF8', '--no-locale', '--no-sync',
    ], { user });
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(`initdb failed in ${pgdata}:\n${stderr}`);
    }
  }
  if (persistent) {
    await recoverCluster(pgdata, ownerFile);
    const self = processInfo(process.pid);
    if (self) writeFileSync(ownerFile, `${self.pid} ${self.startTime}\n`);
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
    // The harness dying stops the server the way stop() does.
    proc = spawnManaged(postgres, serverArgs, { user, parentDeathSignal: 'SIGINT' });
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
