/**
 * The local engine harness used by Jest's global setup and `npm run dev`: PostgreSQL, Redis,
 * DynamoDB Local and fauxqs (SQS), each on a free 127.0.0.1 port. See also provision.ts.
 */
import { startDynamoDb, type DynamoDbEngine } from './dynamodb';
import { postgresAdmin, startPostgres, type PostgresEngine, type PostgresOptions } from './postgres';
import { startRedis, type RedisEngine } from './redis';
import { startSqs, type SqsEngine } from './sqs';

export { startDynamoDb, dynamoClient, LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, type DynamoDbEngine } from './dynamodb';
export { startPostgres, type PostgresEngine, type PostgresOptions } from './postgres';
export { startRedis, type RedisEngine } from './redis';
export { startSqs, sqsClient, type SqsEngine } from './sqs';
export { provisionNamespace, type ServiceEnvs } from './provision';

/** What provisioning and services need from the engines: addresses, and database creation. */
export interface Engines {
  readonly postgres: { readonly url: string; createDatabase(name: string): Promise<string> };
  readonly redis: { readonly url: string };
  readonly dynamodb: { readonly endpoint: string };
  readonly sqs: { readonly endpoint: string };
}

/** Addresses of engines that are already running (CI services, another `npm run dev`...). */
export interface EngineUrls {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
}

export const connectEngines = (urls: EngineUrls): Engines => ({
  postgres: { url: urls.databaseUrl, createDatabase: postgresAdmin(urls.databaseUrl).createDatabase },
  redis: { url: urls.redisUrl },
  dynamodb: { endpoint: urls.dynamodbEndpoint },
  sqs: { endpoint: urls.sqsEndpoint },
});

export const engineUrls = (engines: Engines): EngineUrls => ({
  databaseUrl: engines.postgres.url,
  redisUrl: engines.redis.url,
  dynamodbEndpoint: engines.dynamodb.endpoint,
  sqsEndpoint: engines.sqs.endpoint,
});

export interface StartEnginesOptions {
  postgres?: PostgresOptions;
  dynamodb?: { dataDir?: string };
  /** Where DATABASE_URL / REDIS_URL / DYNAMODB_ENDPOINT / SQS_ENDPOINT are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningEngines extends Engines {
  /** Engines taken from the environment instead of started (never stopped by stopAll). */
  readonly external: readonly string[];
  /** Stops every engine this call started. Safe to call twice. */
  stopAll(): Promise<void>;
}

type Started = PostgresEngine | RedisEngine | DynamoDbEngine | SqsEngine;

/**
 * Starts the four engines in parallel. An engine whose variable is set in `env` is used as is.
 * When one fails to start, the others are stopped before the error is thrown (no orphans).
 */
export const startEngines = async (options: StartEnginesOptions = {}): Promise<RunningEngines> => {
  const env = options.env ?? process.env;
  const external: string[] = [];
  const existing = <T>(name: string, value: string | undefined, wrap: (v: string) => T): Promise<T> | undefined => {
    if (!value) return undefined;
    external.push(name);
    return Promise.resolve(wrap(value));
  };
  const results = await Promise.allSettled([
    existing('postgres', env.DATABASE_URL, (url) => ({ url, ...postgresAdmin(url) })) ?? startPostgres(options.postgres),
    existing('redis', env.REDIS_URL, (url) => ({ url })) ?? startRedis(),
    existing('dynamodb', env.DYNAMODB_ENDPOINT, (endpoint) => ({ endpoint })) ?? startDynamoDb(options.dynamodb),
    existing('sqs', env.SQS_ENDPOINT, (endpoint) => ({ endpoint })) ?? startSqs(),
  ] as const);

  const started = results.flatMap((r) => (r.status === 'fulfilled' && 'destroy' in r.value ? [r.value as Started] : []));
  let stopped: Promise<void> | undefined;
  const stopAll = () =>
    (stopped ??= Promise.allSettled(started.map((engine) => engine.destroy())).then(() => undefined));

  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await stopAll();
    const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw new Error(`local engines failed to start:\n- ${messages.join('\n- ')}`);
  }
  const [postgres, redis, dynamodb, sqs] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Engines['postgres'],
    Engines['redis'],
    Engines['dynamodb'],
    Engines['sqs'],
  ];
  return { postgres, redis, dynamodb, sqs, external, stopAll };
};
