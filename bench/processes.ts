/**
 * Processes a bench runs. startBenchProcess: a bench target as its own process: only PATH, the given environment and a free PORT (as in a
 * task definition), its stop pushed onto `stops` (run them in reverse), resolved once
 * `/health/ready` answers.
 */
import { spawn } from 'node:child_process';
import { freePort, spawnManaged, type ManagedProcess } from '../scripts/engines/process';
import { waitForHttpOk } from '../scripts/engines/service-process';

export interface BenchProcess {
  readonly proc: ManagedProcess;
  readonly url: string;
  readonly pid: number;
}

export const startBenchProcess = async (
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stops: (() => Promise<void>)[],
  stopTimeoutMs = 10_000,
): Promise<BenchProcess> => {
  const port = await freePort();
  const proc = spawnManaged(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) } });
  stops.push(() => proc.stop('SIGTERM', stopTimeoutMs));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/health/ready`, proc, 60_000);
  return { proc, url, pid: proc.child.pid! };
};

/**
 * Runs a command to its end, its output (stdout and stderr together) kept to the last `keepChars`
 * characters; resolves with the exit code (1 when killed by a signal) and that tail.
 */
export const runKeepingTail = (
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
  keepChars: number,
): Promise<{ exitCode: number; output: string }> =>
  new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-keepChars);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) => done({ exitCode: code ?? 1, output }));
  });
