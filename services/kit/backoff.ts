export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Injected for tests; default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": for attempt n (1-based) the ceiling is
 * min(maxMs, baseMs·2^(n-1)) and the delay is uniform in [ceiling/2, ceiling]. Half the ceiling
 * is always waited (no hammering a down dependency); the other half spreads retrying tasks apart.
 */
export const backoffDelay = (attempt: number, { baseMs, maxMs, random = Math.random }: BackoffOptions): number => {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};
