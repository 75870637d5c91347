/**
 * The local engine harness: the shared engines answer, provisioning builds what the catalog
 * declares (as the infrastructure does), and fault-injection stop/start keeps addresses
 * (and, for SQS, messages).
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, CreateQueueCommand } from '@aws-sdk/client-sqs';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dynamoClient, provisionNamespace, sqsClient, startEngines, startPostgres, startRedis, startSqs } from '../../scripts/engines';
import { processInfo } from '../../scripts/engines/procfs';
import { freePort, isRoot, requireBinary, spawnManaged, waitUntil, type ManagedProcess } from '../../scripts/engines/process';
import { redisPing } from '../../scripts/engines/redis';
import { allTables, catalog, dlqUrlEnvVar, findQueue, postgresRoles, queueUrlEnvVar, tableEnvVar } from '../../services/catalog';
import { provisionTestNamespace, testEngines } from '../support/namespace';
import { killSurvivors, processTree, waitAllGone } from '../support/process-tree';

jest.setTimeout(60_000);

const query = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

describe('shared engines', () => {
  const engines = testEngines();

  it('every engine answers', async () => {
    expect(await query(engines.postgres.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await redisPing(Number(new URL(engines.redis.url).port))).toBe(true);
    const dynamo = dynamoClient(engines.dynamodb.endpoint);
    const sqs = sqsClient(engines.sqs.endpoint);
    try {
      await expect(dynamo.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
      await expect(sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  });

  it('postgres listens on 127.0.0.1 with password auth', async () => {
    const url = new URL(engines.postgres.url);
    expect(url.hostname).toBe('127.0.0.1');
    url.password = 'wrong';
    await expect(query(url.toString(), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });
});

describe('provisionNamespace', () => {
  it('creates the catalog tables, queues and databases and returns each service env', async () => {
    const { namespace, env, engines } = await provisionTestNamespace();
    const dynamo = dynamoClient(engines.dynamodb.endpoint);
    const sqs = sqsClient(engines.sqs.endpoint);
    try {
      for (const { owner, table } of allTables()) {
        const physical = `${namespace}-${table.name}`;
        expect(env[owner][tableEnvVar(table.name)]).toBe(physical);
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: physical }));
        expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
        expect(Table?.KeySchema).toEqual([
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' }] : []),
        ]);
        const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
          name: i.IndexName,
          keys: i.KeySchema?.map((k) => k.AttributeName),
          projection: i.Projection?.ProjectionType,
        }));
        expect(indexes).toEqual(
          (table.indexes ?? []).map((i) => ({
            name: i.name,
            keys: [i.partitionKey.name, ...(i.sortKey ? [i.sortKey.name] : [])],
            projection: i.projection,
          })),
        );
        const { TimeToLiveDescription: ttl } = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: physical }));
        if (table.ttlAttribute) expect(ttl).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute });
        else expect(ttl?.TimeToLiveStatus).toBe('DISABLED');
      }
      expect(allTables().map((t) => t.table.ttlAttribute).filter(Boolean).length).toBeGreaterThan(0);

      const consumer = catalog.services.find((s) => s.needs.consumes?.includes('events'))!;
      const publisher = catalog.services.find((s) => s.needs.publishes?.includes('events') && !s.needs.consumes)!;
      const spec = findQueue('events');
      const queueUrl = env[consumer.name][queueUrlEnvVar('events')];
      const dlqUrl = env[consumer.name][dlqUrlEnvVar('events')];
      expect(env[publisher.name][queueUrlEnvVar('events')]).toBe(queueUrl);
      expect(env[publisher.name][dlqUrlEnvVar('events')]).toBeUndefined();
      const { Attributes: dlq } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }));
      const { Attributes: main } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
      expect(dlq?.QueueArn).toMatch(new RegExp(`:${namespace}-events-dlq$`));
      expect(dlq?.MessageRetentionPeriod).toBe(String(spec.dlqRetentionSeconds));
      expect(main).toMatchObject({
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        ReceiveMessageWaitTimeSeconds: String(spec.receiveWaitSeconds),
        MessageRetentionPeriod: String(spec.retentionSeconds),
      });
      expect(JSON.parse(main!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq!.QueueArn, maxReceiveCount: spec.maxReceiveCount });

      const signer = env[catalog.services.find((s) => s.needs.tokens === 'sign')!.name];
      expect(JSON.parse(signer.TOKEN_VERIFY_JWKS).keys.map((k: { kid: string }) => k.kid)).toEqual([JSON.parse(signer.TOKEN_SIGNING_JWK).kid]);
      for (const service of catalog.services) {
        const vars = env[service.name];
        expect(vars).toMatchObject({ SERVICE_NAME: service.name, NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_AUDIENCE: 'platform-api' });
        // One key pair per namespace: everyone verifies with the public key, only the signer holds the private one.
        expect(Boolean(vars.TOKEN_VERIFY_JWKS)).toBe(Boolean(service.needs.tokens));
        expect(Boolean(vars.TOKEN_SIGNING_JWK)).toBe(service.needs.tokens === 'sign');
        if (service.needs.tokens) {
          expect(vars.TOKEN_VERIFY_JWKS).toBe(signer.TOKEN_VERIFY_JWKS);
          expect(vars.TOKEN_VERIFY_JWKS).not.toContain('"d"');
        }
        expect(Boolean(vars.DATABASE_URL)).toBe(Boolean(service.needs.postgres));
        expect(Boolean(vars.REDIS_URL)).toBe(Boolean(service.needs.cache));
        expect(Boolean(vars.DYNAMODB_ENDPOINT)).toBe(Boolean(service.needs.tables?.length));
        if (service.needs.postgres) {
          expect(new URL(vars.DATABASE_URL).pathname).toBe(`/${namespace}_${service.needs.postgres.database}`);
          // The service's own role (namespaced: roles are cluster-wide), never the superuser.
          expect(await query(vars.DATABASE_URL, 'SELECT current_database() AS db, current_user AS role, usesuper AS super FROM pg_user WHERE usename = current_user')).toEqual([
            { db: `${namespace}_${service.needs.postgres.database}`, role: `${namespace}_${postgresRoles(service.name).app}`, super: false },
          ]);
        }
      }

      // Idempotent: re-running on the same namespace succeeds and points at the same resources.
      const again = await provisionNamespace(engines, namespace);
      expect(again[consumer.name][queueUrlEnvVar('events')]).toBe(queueUrl);
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  });

  it('rejects a namespace that cannot name every resource', async () => {
    await expect(provisionNamespace(testEngines(), 'Bad_Name')).rejects.toThrow(/invalid namespace "Bad_Name"/);
  });
});

describe('fault injection on private engines', () => {
  it('redis stop/start kills and restarts the server on the same url', async () => {
    const redis = await startRedis();
    const port = Number(new URL(redis.url).port);
    try {
      expect(await redisPing(port)).toBe(true);
      await redis.stop();
      await expect(redisPing(port)).rejects.toThrow(/ECONNREFUSED/);
      await redis.start();
      expect(await redisPing(port)).toBe(true);
    } finally {
      await redis.destroy();
    }
  });

  it('sqs stop/start keeps the endpoint, the queues and their messages', async () => {
    const sqs = await startSqs();
    const client = sqsClient(sqs.endpoint);
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'fault' }));
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
      await sqs.stop();
      await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
      await sqs.start();
      const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages?.map((m) => m.Body)).toEqual(['kept']);
    } finally {
      client.destroy();
      await sqs.destroy();
    }
  });
});

describe('start-up errors', () => {
  it('names what to install when a binary is missing', () => {
    expect(() => requireBinary('redis-server-missing', 'apt-get install -y redis-server')).toThrow(
      'redis-server-missing not found: apt-get install -y redis-server',
    );
  });

  it('startEngines fails with the install hint and starts nothing else when postgres is missing', async () => {
    const previous = process.env.PG_BIN_DIR;
    process.env.PG_BIN_DIR = '/nonexistent/postgres/bin';
    try {
      // The other engines come from the environment, so only postgres is attempted.
      await expect(
        startEngines({ env: { REDIS_URL: 'redis://127.0.0.1:1', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', SQS_ENDPOINT: 'http://127.0.0.1:1' } }),
      ).rejects.toThrow(/initdb not found: apt-get install -y postgresql-15/);
    } finally {
      if (previous === undefined) delete process.env.PG_BIN_DIR;
      else process.env.PG_BIN_DIR = previous;
    }
  });
});

describe('nothing outlives the harness', () => {
  it('every engine dies with the process that started it, however that one dies (SIGKILL)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-orphan-'));
    const harness = spawnManaged(process.execPath, ['--import', 'tsx', path.join(__dirname, '../support/engine-harness-child.ts'), dataDir]);
    let tree: ReturnType<typeof processTree> = [];
    try {
      await waitUntil('the harness child to start its engines', () => harness.output().includes('ready'), { proc: harness, timeoutMs: 60_000 });
      tree = processTree(processInfo(harness.child.pid!)!);
      expect(tree.length).toBeGreaterThan(3); // the harness, postgres (and its workers), redis, fauxqs
      harness.child.kill('SIGKILL'); // the harness alone: its children are in process groups of their own
      await waitAllGone(tree, 5000);
    } finally {
      killSurvivors(tree);
      await harness.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a persistent PostgreSQL cluster left behind by a dead harness', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'pg-recover-'));
  chmodSync(root, 0o755); // traversable for the server's OS user, as a dev data dir is
  const dataDir = path.join(root, 'postgres');
  const pgdata = path.join(dataDir, 'pgdata');
  const lockFile = path.join(pgdata, 'postmaster.pid');
  const serverUser = isRoot() ? 'postgres' : undefined;
  const others: ManagedProcess[] = [];
  afterAll(async () => {
    await Promise.all(others.map((p) => p.stop('SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  });

  /** A lock file as the server writes it, owned like the data dir. */
  const writeLockFile = (pid: number) => {
    writeFileSync(lockFile, `${pid}\n${pgdata}\n`);
    const { uid, gid } = statSync(pgdata);
    chownSync(lockFile, uid, gid);
  };

  it('is not started twice: a second harness on a cluster in use fails, naming the process using it', async () => {
    const first = await startPostgres({ dataDir });
    try {
      await expect(startPostgres({ dataDir })).rejects.toThrow(`${pgdata} is in use by the PostgreSQL server of process ${process.pid}`);
      await expect(first.createDatabase('still_served')).resolves.toContain('/still_served');
    } finally {
      await first.stop();
    }
  });

  it('starts although postmaster.pid names a live process that is no server of it (a dead server\'s pid, reused)', async () => {
    // The server's own check takes any live process of its user with that pid for a running server.
    const unrelated = spawnManaged('sleep', ['300'], { user: serverUser });
    others.push(unrelated);
    writeLockFile(unrelated.child.pid!);
    const engine = await startPostgres({ dataDir });
    try {
      await expect(engine.createDatabase('after_stale_lock')).resolves.toContain('/after_stale_lock');
    } finally {
      await engine.stop();
    }
    expect(unrelated.hasExited()).toBe(false); // left alone
  });

  it('stops an orphaned server of an older harness (no owner recorded) and starts its own', async () => {
    rmSync(path.join(dataDir, 'owner'));
    const password = readFileSync(path.join(dataDir, 'password'), 'utf8').trim();
    const bin = path.join(process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin', 'postgres');
    const port = String(await freePort());
    const orphan = spawnManaged(bin, ['-D', pgdata, '-p', port, '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], { user: serverUser });
    others.push(orphan);
    const orphanUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await waitUntil('the orphan to serve', () => query(orphanUrl, 'SELECT 1 AS one').then(() => true), { proc: orphan });

    const engine = await startPostgres({ dataDir });
    try {
      expect(orphan.hasExited()).toBe(true);
      await expect(engine.createDatabase('after_orphan')).resolves.toContain('/after_orphan');
      expect(existsSync(lockFile)).toBe(true); // the new server's own
    } finally {
      await engine.destroy();
    }
  });
});
