/**
 * Fail-fast clients against a server that accepts connections and never answers (the worst
 * kind of outage: no refusal to react to). Each call must reject within its timeout.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createServer, type Server, type Socket } from 'node:net';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createPgPool } from '../../../services/kit/clients/pg';
import { createSqs } from '../../../services/kit/clients/sqs';

/** Region plus dummy static credentials, so the SDK never consults the machine's credential chain. */
const local = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

describe('clients fail fast against a hung endpoint', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const timed = async (p: Promise<unknown>) => {
    const started = Date.now();
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    return { err, ms: Date.now() - started };
  };

  it('postgres: the connect timeout (2 s) bounds a query', async () => {
    const pool = createPgPool({ DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/db` });
    try {
      const { err, ms } = await timed(pool.query('select 1'));
      // Ended by the connect timeout, after it (not by the later query timeout, not a hang).
      expect(err).toMatchObject({ message: expect.stringMatching(/connection timeout|timeout expired/) });
      expect(ms).toBeGreaterThanOrEqual(1900);
    } finally {
      await pool.end();
    }
  });

  it('DynamoDB: the request timeout bounds a call (endpoint honoured)', async () => {
    const { client } = createDynamo({ ...local, DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` }, { requestTimeoutMs: 300, maxAttempts: 1 });
    try {
      const { err } = await timed(client.send(new ListTablesCommand({})));
      expect(err).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('300 ms requestTimeout') });
    } finally {
      client.destroy();
    }
  });

  it('SQS: the request timeout bounds a call; long-poll clients get wait + 5 s', async () => {
    const sqs = createSqs({ ...local, SQS_ENDPOINT: `http://127.0.0.1:${port}` }, { requestTimeoutMs: 300, maxAttempts: 1 });
    try {
      const { err } = await timed(sqs.send(new ListQueuesCommand({})));
      expect(err).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('300 ms requestTimeout') });
    } finally {
      sqs.destroy();
    }
    const consumer = createSqs(local, { longPollSeconds: 20 });
    const handler = consumer.config.requestHandler as unknown as { configProvider: Promise<{ requestTimeout: number }> };
    expect((await handler.configProvider).requestTimeout).toBe(25_000);
    consumer.destroy();
  });
});
