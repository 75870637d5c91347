/**
 * Running services in tests: in process through the kit (fast, port 0), or as a child process
 * of services/<name>/main.ts (real signals: SIGTERM tests). Child processes a test leaves
 * running are killed after its file.
 */
import { freePort, type ManagedProcess } from '../../scripts/engines/process';
import { spawnServiceProcess, waitForHttpOk } from '../../scripts/engines/service-process';
import { findService } from '../../services/catalog';
import { startService, type BaseConfig, type RunningService, type ServiceDefinition, type StartOptions } from '../../services/kit/service';

export const startTestService = <C extends BaseConfig>(
  def: ServiceDefinition<C>,
  env: Readonly<Record<string, string>>,
  options: Omit<StartOptions, 'env'> = {},
): Promise<RunningService> => startService(def, { port: 0, ...options, env: { ...env } });

export interface SpawnedService {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ManagedProcess;
  /** Every output line so far (JSON logs). */
  readonly lines: readonly string[];
  /** Sends `signal` (to the process only, as ECS does) and resolves with how it exited. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ManagedProcess>();
afterAll(async () => {
  await Promise.all([...running].map((proc) => proc.stop('SIGKILL')));
});

/**
 * Spawns services/<name>/main.ts on a free port; resolves when its readiness path answers 200.
 * Rejects with the service's output when it exits first.
 */
export const spawnService = async (
  name: string,
  env: Readonly<Record<string, string>>,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<SpawnedService> => {
  const healthPath = findService(name).healthPath;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const lines: string[] = [];
    const proc = spawnServiceProcess(name, { ...env, PORT: String(port) }, (line) => lines.push(line));
    running.add(proc);
    void proc.exited.then(() => running.delete(proc));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttpOk(`${url}${healthPath}`, proc, timeoutMs);
      return started(name, url, port, proc, lines);
    } catch (error) {
      await proc.stop('SIGKILL');
      // Another process may take the free port before the child binds it: try another one.
      if (attempt < 3 && lines.some((line) => line.includes('EADDRINUSE'))) continue;
      throw error;
    }
  }
};

const started = (name: string, url: string, port: number, proc: ManagedProcess, lines: string[]): SpawnedService => ({
  name,
  url,
  port,
  pid: proc.child.pid!,
  process: proc,
  lines,
  kill(signal = 'SIGTERM') {
    proc.child.kill(signal);
    return proc.exited;
  },
});
