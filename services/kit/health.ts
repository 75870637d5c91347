/** Readiness checks: run concurrently, each bounded by a short timeout. */

export interface HealthCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects (or hangs past the timeout) otherwise. */
  check(): Promise<unknown>;
  /** Default 1000 ms: well inside the ALB health-check timeout. */
  timeoutMs?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1000;

/** Rejects with `timed out after N ms` if `promise` has not settled by then (and never leaks the timer). */
export const withTimeout = <T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

const runOne = async (hc: HealthCheck): Promise<CheckResult> => {
  const started = performance.now();
  try {
    // Wrapped so a check that throws synchronously is a failure, not a crash.
    await withTimeout(Promise.resolve().then(() => hc.check()), hc.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, hc.name);
    return { name: hc.name, ok: true, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { name: hc.name, ok: false, durationMs: Math.round(performance.now() - started), error };
  }
};

export const runChecks = (checks: readonly HealthCheck[]): Promise<CheckResult[]> => Promise.all(checks.map(runOne));
