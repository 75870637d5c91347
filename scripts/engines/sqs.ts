/**
 * SQS: fauxqs in a child Node process (it is ESM-only, and a separate process keeps the test
 * runner safe from it) behind a TCP proxy. stop()/start() close and reopen the proxy on the
 * same port, so the endpoint goes away (refused / reset) while queues and messages survive.
 */
import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from './dynamodb';
import { spawnManaged, waitUntil } from './process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export interface SqsEngine {
  readonly endpoint: string;
  /** Makes the endpoint unreachable; queues and messages are kept. */
  stop(): Promise<void>;
  /** Makes it reachable again on the same port. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export const sqsClient = (endpoint: string): SQSClient =>
  new SQSClient({ endpoint, region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 });

const SERVER_SCRIPT = path.join(__dirname, 'fauxqs-server.mjs');

export const startSqs = async (options: { port?: number } = {}): Promise<SqsEngine> => {
  let innerPort: number | undefined;
  const proc = spawnManaged(process.execPath, [SERVER_SCRIPT], {
    onLine: (line) => {
      if (innerPort === undefined && line.startsWith('{')) innerPort = (JSON.parse(line) as { port: number }).port;
    },
  });
  let proxy: TcpProxy | undefined;
  try {
    await waitUntil('fauxqs', async () => innerPort !== undefined, { proc, timeoutMs: 20_000, intervalMs: 50 });
    proxy = await startTcpProxy({ targetPort: innerPort!, port: options.port });
    const { start, stop } = proxy;
    const endpoint = `http://127.0.0.1:${proxy.port}`;
    const client = sqsClient(endpoint);
    try {
      await waitUntil(`fauxqs at ${endpoint}`, async () => (await client.send(new ListQueuesCommand({})), true), { proc });
    } finally {
      client.destroy();
    }
    return {
      endpoint,
      start,
      stop,
      async destroy() {
        await stop();
        await proc.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await proc.stop();
    throw error;
  }
};
