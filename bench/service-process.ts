/**
 * A bench target as its own process: only PATH, the given environment and a free PORT (as in a
 * task definition), its stop pushed onto `stops` (run them in reverse), resolved once
 * `/health/ready` answers.
 */
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
