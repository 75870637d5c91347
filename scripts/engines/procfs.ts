/**
 * What the local harness needs to know about other processes, read from Linux's /proc: parent,
 * process group and start time (a pid plus its start time names one process even after the pid
 * is reused), and which processes work in a directory (PostgreSQL's postmaster and backends
 * chdir to their data directory). A zombie counts as gone: it has exited, only its entry remains.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  readonly startTime: number;
}

/** The process `pid` while it runs (not a zombie), undefined otherwise. */
export const processInfo = (pid: number): ProcessInfo | undefined => {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) };
};

/** True while the very process `p` (same pid and start time) runs. */
export const isRunning = (p: Pick<ProcessInfo, 'pid' | 'startTime'>): boolean => processInfo(p.pid)?.startTime === p.startTime;

/** Every running process. */
export const allProcesses = (): ProcessInfo[] =>
  readdirSync('/proc').flatMap((entry) => {
    const info = /^\d+$/.test(entry) ? processInfo(Number(entry)) : undefined;
    return info ? [info] : [];
  });

/** Running processes whose working directory is `dir` (those this user may inspect). */
export const processesWorkingIn = (dir: string): ProcessInfo[] => {
  const target = realpathSync(dir);
  return allProcesses().filter((p) => {
    try {
      return readlinkSync(`/proc/${p.pid}/cwd`) === target;
    } catch {
      return false; // gone meanwhile, or another user's
    }
  });
};
