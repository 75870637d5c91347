/** Settings shared by every AWS SDK client: endpoint override, bounded time per attempt, bounded attempts. */

export interface AwsClientTuning {
  /** Time to establish a connection; default 1000 ms. */
  connectionTimeoutMs?: number;
  /** Time for one request/response; default 3000 ms (raise it above the wait for long polls). */
  requestTimeoutMs?: number;
  /** Attempts including the first; default 3 (SDK standard retry with backoff). */
  maxAttempts?: number;
}

/**
 * Region and, when the service's own environment carries them, static credentials. Reading them
 * from the config (not the process) keeps a service started in process hermetic; in ECS they are
 * absent and the SDK's default chain uses the task role.
 */
export interface AwsConfig {
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
}

export const awsClientConfig = (cfg: AwsConfig, endpoint: string | undefined, tuning: AwsClientTuning = {}) => ({
  region: cfg.AWS_REGION,
  ...(cfg.AWS_ACCESS_KEY_ID && cfg.AWS_SECRET_ACCESS_KEY
    ? {
        credentials: {
          accessKeyId: cfg.AWS_ACCESS_KEY_ID,
          secretAccessKey: cfg.AWS_SECRET_ACCESS_KEY,
          ...(cfg.AWS_SESSION_TOKEN ? { sessionToken: cfg.AWS_SESSION_TOKEN } : {}),
        },
      }
    : {}),
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: tuning.maxAttempts ?? 3,
  requestHandler: {
    connectionTimeout: tuning.connectionTimeoutMs ?? 1000,
    requestTimeout: tuning.requestTimeoutMs ?? 3000,
    // Without this the SDK only logs a warning when requestTimeout is exceeded.
    throwOnRequestTimeout: true,
  },
});
