/**
 * Runs a catalog service as a child process (`node --import tsx services/<name>/main.ts`, one
 * process so SIGTERM reaches the service itself), used by `npm run dev` and the test helpers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnManaged, waitUntil, type ManagedProcess } from './process';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const serviceEntry = (name: string): string => path.join(REPO_ROOT, 'services', name, 'main.ts');

export const isServiceImplemented = (name: string): boolean => existsSync(serviceEntry(name));

// Only what a process needs to run; the rest comes from the service env, as in a task definition.
const BASE_ENV_KEYS = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG'] as const;

export const spawnServiceProcess = (
  name: string,
  env: Readonly<Record<string, string>>,
  onLine?: (line: string) => void,
): ManagedProcess => {
  const entry = serviceEntry(name);
  if (!existsSync(entry)) throw new Error(`service "${name}" has no entry point at ${path.relative(REPO_ROOT, entry)}`);
  const base = Object.fromEntries(BASE_ENV_KEYS.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])));
  return spawnManaged(process.execPath, ['--import', 'tsx', entry], { cwd: REPO_ROOT, env: { ...base, ...env }, onLine });
};

/** Resolves once `url` answers 200; fails early when `proc` exits. */
export const waitForHttpOk = async (url: string, proc?: ManagedProcess, timeoutMs = 30_000): Promise<void> => {
  await waitUntil(
    `GET ${url}`,
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return response.status === 200;
    },
    { proc, timeoutMs, intervalMs: 200 },
  );
};
