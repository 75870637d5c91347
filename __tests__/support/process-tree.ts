/**
 * Finding what a harness started, by pid: the process tree below a root, and a bounded wait for
 * every process of a recorded tree to be gone (pid plus start time, so a reused pid is no false
 * alarm). Never by name, so other stacks and engines on the machine do not matter.
 */
import { readFileSync } from 'node:fs';
import { allProcesses, isRunning, type ProcessInfo } from '../../scripts/engines/procfs';
import { waitUntil } from '../../scripts/engines/process';

/** `root` and every process below it, parents first. */
export const processTree = (root: ProcessInfo): ProcessInfo[] => {
  const all = allProcesses();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
};

const describeProcess = (p: ProcessInfo): string => {
  try {
    return `${p.pid} ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
  } catch {
    return `${p.pid} (gone)`;
  }
};

/** Resolves once no process of `tree` runs; fails after `timeoutMs` naming the survivors. */
export const waitAllGone = (tree: readonly ProcessInfo[], timeoutMs: number): Promise<void> =>
  waitUntil('every recorded process to be gone', () => tree.every((p) => !isRunning(p)), { timeoutMs, intervalMs: 50 }).then(
    () => undefined,
    (error: Error) => {
      throw new Error(`${error.message}; still running:\n${tree.filter(isRunning).map(describeProcess).join('\n')}`);
    },
  );

/** SIGKILLs whatever of `tree` still runs (clean-up after a failed test). */
export const killSurvivors = (tree: readonly ProcessInfo[]): void => {
  for (const p of tree.filter(isRunning)) process.kill(p.pid, 'SIGKILL');
};
