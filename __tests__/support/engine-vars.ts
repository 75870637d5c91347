import type { EngineUrls } from '../../scripts/engines';

/** Variables carrying the shared engines' addresses from the global setup to test workers. */
export const TEST_ENGINE_VARS: Readonly<Record<keyof EngineUrls, string>> = {
  databaseUrl: 'TEST_DATABASE_URL',
  redisUrl: 'TEST_REDIS_URL',
  dynamodbEndpoint: 'TEST_DYNAMODB_ENDPOINT',
  sqsEndpoint: 'TEST_SQS_ENDPOINT',
};

/** Where the global setup keeps the running engines for the teardown (same process). */
export const ENGINES_HANDLE = Symbol.for('platform.test.engines');
