/**
 * `npm run dev` runs as a chain of launchers, npm → sh → tsx → dev.ts, in one process group.
 * A stop button that SIGKILLs only the pid it started (npm) leaves the rest running: the whole
 * stack, with nobody left to stop it. The children of this process die with it (parent-death
 * signal, see process.ts); this makes this process notice the death of the ones above it.
 */
import { isRunning, processInfo, type ProcessInfo } from './procfs';

/** The direct parent, and every further ancestor in this process's group (the launchers). */
const launchers = (): ProcessInfo[] => {
  const self = processInfo(process.pid);
  const parent = self && processInfo(self.ppid);
  if (!self || !parent) return [];
  const chain = [parent];
  for (let p = processInfo(parent.ppid); p && p.pgid === self.pgid; p = processInfo(p.ppid)) chain.push(p);
  return chain;
};

/** Calls `onGone` once, as soon as a poll finds that one of the launchers has exited. */
export const watchLaunchers = (onGone: (launcher: ProcessInfo) => void, intervalMs = 1000): void => {
  const chain = launchers();
  const timer = setInterval(() => {
    const gone = chain.find((p) => !isRunning(p));
    if (!gone) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
};
