/** Settings shared by every AWS SDK client: endpoint override, bounded time per attempt, bounded attempts. */

export interface AwsClientTuning {
  /** Time to establish a connection; default 1000 ms. */
  connectionTimeoutMs?: number;
  /** Time for one request/response; default 3000 ms (raise it above the wait for long polls). */
  requestTimeoutMs?: number;
  /** Attempts including the first; default 3 (SDK standard retry with backoff). */
  maxAttempts?: number;
}

export const awsClientConfig = (region: string, endpoint: string | undefined, tuning: AwsClientTuning = {}) => ({
  region,
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: tuning.maxAttempts ?? 3,
  requestHandler: {
    connectionTimeout: tuning.connectionTimeoutMs ?? 1000,
    requestTimeout: tuning.requestTimeoutMs ?? 3000,
    // Without this the SDK only logs a warning when requestTimeout is exceeded.
    throwOnRequestTimeout: true,
  },
});
