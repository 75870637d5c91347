/**
 * `npm run dev` as the end-to-end tests run it: a child process group on a free gateway port and
 * a data dir of the test's, with its output kept so that a timeout says what got stuck.
 * The services' ports are fixed (catalog): run these tests under `flock /tmp/devstack.lock`.
 */
import path from 'node:path';
import { freePort, spawnManaged, waitUntil, type ManagedProcess } from '../../scripts/engines/process';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface DevStack {
  readonly proc: ManagedProcess;
  readonly gateway: string;
  /** Every output line so far. */
  readonly output: readonly string[];
  /** waitUntil, with the stack's recent output in a timeout's message. */
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T>;
  /** Resolves once a line containing `text` has been printed. */
  waitForLine(text: string, timeoutMs: number): Promise<string>;
}

/** Starting takes initdb, a JVM and three services on a busy machine: generous, it only catches a hang. */
export const DEV_START_TIMEOUT_MS = 240_000;

/** Starts `npm run dev` on `dataDir` (wiped first with `fresh`) and resolves once its gateway is up. */
export const startDevStack = async ({ dataDir, fresh = false }: { dataDir: string; fresh?: boolean }): Promise<DevStack> => {
  const port = await freePort();
  const output: string[] = [];
  const proc = spawnManaged('npm', ['run', 'dev', '--', ...(fresh ? ['--fresh'] : []), '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    // Engines of the test run's own must not be reused: the stack starts its own.
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', DYNAMODB_ENDPOINT: '', SQS_ENDPOINT: '' },
    onLine: (line) => output.push(line),
  });
  const withOutput = (error: Error) => {
    throw new Error(`${error.message}\n--- npm run dev output ---\n${output.slice(-60).join('\n')}`);
  };
  const waitFor: DevStack['waitFor'] = (what, probe, timeoutMs) => waitUntil(what, probe, { timeoutMs, intervalMs: 100 }).catch(withOutput);
  const waitForLine = (text: string, timeoutMs: number) => waitFor(`"${text}" in the output`, () => output.find((l) => l.includes(text)), timeoutMs);
  try {
    // `proc`: fails at once, with the output, when the stack exits instead.
    await waitUntil('the gateway', () => output.some((l) => l.includes('[dev] gateway:')), { timeoutMs: DEV_START_TIMEOUT_MS, intervalMs: 100, proc }).catch(
      withOutput,
    );
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  return { proc, gateway: `http://127.0.0.1:${port}`, output, waitFor, waitForLine };
};
