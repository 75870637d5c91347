/**
 * Process plumbing shared by the engine launchers, the dev stack and the test helpers:
 * free ports, binary lookup with install hints, child processes in their own process group
 * (so a kill reaches every descendant) that die with the process that spawned them (so nothing
 * is orphaned, however the harness dies), and polling.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * Resolves an executable by absolute path or through PATH; throws with `installHint` when it
 * is missing, so a developer sees what to install instead of a bare ENOENT.
 */
export const requireBinary = (nameOrPath: string, installHint: string): string => {
  const candidates = nameOrPath.includes('/')
    ? [nameOrPath]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, nameOrPath));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, try the next PATH entry
    }
  }
  throw new Error(`${nameOrPath} not found: ${installHint}`);
};

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export interface SupervisionOptions {
  /**
   * Sent to the child the moment the process that spawned it exits, however that one dies
   * (SIGKILL included). Default SIGKILL; an engine with data on disk asks for its clean-stop signal.
   */
  parentDeathSignal?: NodeJS.Signals;
  /** Run as this OS user (PostgreSQL refuses to run as root). */
  user?: string;
}

/**
 * The argv that runs `command` under util-linux `setpriv`, which sets the parent-death signal
 * (prctl PR_SET_PDEATHSIG, a kernel guarantee: no polling, nothing to kill first) and execs the
 * command, so the child keeps its pid. setpriv changes the user before it sets the signal, because
 * a uid change clears it. Linux only: elsewhere the command runs as is.
 */
export const supervisedArgv = (
  command: string,
  args: readonly string[],
  { parentDeathSignal = 'SIGKILL', user }: SupervisionOptions = {},
): [string, string[]] => {
  if (process.platform !== 'linux') return [command, [...args]];
  const setpriv = requireBinary('setpriv', 'apt-get install -y util-linux');
  const asUser = user ? [`--reuid=${user}`, `--regid=${user}`, '--init-groups'] : [];
  return [setpriv, [...asUser, '--pdeathsig', parentDeathSignal, '--', command, ...args]];
};

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** Last lines of stdout/stderr, for error messages. */
  output(): string;
  /** Resolves when the process has exited (immediately when it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Signals the whole process group, escalates to SIGKILL after `graceMs`, resolves on exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const OUTPUT_LINES_KEPT = 40;

/**
 * Spawns `command` as the leader of a new process group, supervised (see supervisedArgv).
 * `onLine` receives every output line (stdout and stderr); the last lines are kept for error
 * messages either way.
 */
export const spawnManaged = (
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'detached' | 'stdio'> & SupervisionOptions & { onLine?: (line: string) => void } = {},
): ManagedProcess => {
  const { onLine, parentDeathSignal, user, ...spawnOptions } = options;
  const [cmd, argv] = supervisedArgv(command, args, { parentDeathSignal, user });
  return manageProcess(spawn(cmd, argv, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }), onLine);
};

/** Wraps a child spawned with `detached: true` (its own process group) and piped output. */
const manageProcess = (child: ChildProcess, onLine?: (line: string) => void): ManagedProcess => {
  const lines: string[] = [];
  const collect = (chunk: Buffer, carry: { rest: string }) => {
    const parts = (carry.rest + chunk.toString('utf8')).split('\n');
    carry.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
      onLine?.(line);
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  child.stdout?.on('data', (chunk: Buffer) => collect(chunk, out));
  child.stderr?.on('data', (chunk: Buffer) => collect(chunk, err));

  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      done = true;
      lines.push(String(error));
      resolve({ code: null, signal: null });
    });
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };

  return {
    child,
    exited,
    hasExited: () => done,
    output: () => [...lines, out.rest, err.rest].filter(Boolean).join('\n'),
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!done) {
        signalGroup(signal);
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the leader forked into its group and left behind dies with the group.
      signalGroup('SIGKILL');
    },
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than `undefined`, `null` or `false`, and resolves
 * with that value. A probe that throws counts as "not yet" (its last error is reported). Fails
 * early when `proc` exits, and after `timeoutMs` with the process output in the message.
 * Shared by the engine launchers, the dev stack and the tests.
 */
export const waitUntil = async <T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 100, proc }: { timeoutMs?: number; intervalMs?: number; proc?: ManagedProcess } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc?.hasExited()) {
      throw new Error(`${what}: process exited before it was ready\n${proc.output()}`);
    }
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what}: not ready after ${timeoutMs} ms${detail}${proc ? `\n${proc.output()}` : ''}`);
    }
    await sleep(intervalMs);
  }
};
