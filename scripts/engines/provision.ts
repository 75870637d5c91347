/**
 * Creates a namespace's resources from the catalog on the local engines: one database per
 * `needs.postgres` with the service's roles and migrations (the migrate command's code, as the
 * ECS migrate task runs it), every table (same keys, GSIs, projections and TTL as the
 * infrastructure, on-demand), every queue with its DLQ and redrive policy, one access-token
 * key pair, and one service-token key pair per calling service (docs/decisions/0014). Returns each service's environment per docs/service-environment.md. Idempotent:
 * `npm run dev` re-runs it.
 */
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  callersOf,
  catalog as defaultCatalog,
  dlqUrlEnvVar,
  findService,
  allTables,
  JWT_AUDIENCE,
  postgresRoles,
  queueUrlEnvVar,
  serviceConnectUrl,
  serviceUrlEnvVar,
  tableEnvVar,
  type Catalog,
  type KeyAttribute,
  type QueueSpec,
  type ServiceSpec,
  type TableSpec,
} from '../../services/catalog';
import { createLogger } from '../../services/kit/logger';
import { migrateFromEnv } from '../../services/kit/postgres-roles';
import { generateLocalTokenKeys } from '../../services/kit/tokens/keys';
import { dynamoClient, LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from './dynamodb';
import type { Engines } from './index';
import { REPO_ROOT } from './service-process';
import { sqsClient } from './sqs';

/** Service name → its complete environment. */
export type ServiceEnvs = Record<string, Record<string, string>>;

// SQS queue names are at most 80 characters; `-dlq` and the logical name come on top.
const NAMESPACE = /^[a-z][a-z0-9-]{0,39}$/;

export const JWT_ISSUER_LOCAL = 'http://localhost:8080';

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

const attributeDefinitions = (table: TableSpec): AttributeDefinition[] => {
  const keys = [table.partitionKey, table.sortKey, ...(table.indexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) if (key) byName.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  return [...byName.values()];
};

const createTable = async (endpoint: string, physicalName: string, table: TableSpec): Promise<void> => {
  const client = dynamoClient(endpoint);
  try {
    await client
      .send(
        new CreateTableCommand({
          TableName: physicalName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(table),
          KeySchema: keySchema(table.partitionKey, table.sortKey),
          GlobalSecondaryIndexes: table.indexes?.length
            ? table.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: keySchema(index.partitionKey, index.sortKey),
                Projection: { ProjectionType: index.projection },
              }))
            : undefined,
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ResourceInUseException)) throw error; // already there: idempotent
      });
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: physicalName });
    if (table.ttlAttribute) {
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: physicalName }));
      if (TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: physicalName,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
  } finally {
    client.destroy();
  }
};

/** Creates `<name>-dlq` then `<name>` redriving to it; returns both URLs. */
const createQueue = async (endpoint: string, physicalName: string, queue: QueueSpec): Promise<{ url: string; dlqUrl: string }> => {
  const client = sqsClient(endpoint);
  try {
    const { QueueUrl: dlqUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: `${physicalName}-dlq`,
        Attributes: { MessageRetentionPeriod: String(queue.dlqRetentionSeconds) },
      }),
    );
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const { QueueUrl: url } = await client.send(
      new CreateQueueCommand({
        QueueName: physicalName,
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitSeconds),
          MessageRetentionPeriod: String(queue.retentionSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: queue.maxReceiveCount }),
        },
      }),
    );
    if (!url || !dlqUrl) throw new Error(`SQS at ${endpoint} returned no URL for ${physicalName}`);
    return { url, dlqUrl };
  } finally {
    client.destroy();
  }
};

/**
 * Local database roles of a service: the catalog's names prefixed by the namespace, because roles
 * are cluster-wide and every test namespace shares one PostgreSQL cluster.
 */
export const localPostgresRoles = (namespace: string, serviceName: string): { app: string; migrator: string } => {
  const prefix = namespace.replace(/-/g, '_');
  const roles = postgresRoles(serviceName);
  return { app: `${prefix}_${roles.app}`, migrator: `${prefix}_${roles.migrator}` };
};

/**
 * The migrate command's environment for a service of `namespace`, as the ECS migrate task gets it
 * (administrator credentials, role names); `adminDatabaseUrl` is a superuser URL on its database.
 */
export const localMigrateEnv = (namespace: string, serviceName: string, adminDatabaseUrl: string): Record<string, string> => {
  const admin = new URL(adminDatabaseUrl);
  const roles = localPostgresRoles(namespace, serviceName);
  return {
    LOG_LEVEL: 'warn',
    DATABASE_HOST: admin.hostname,
    DATABASE_PORT: admin.port,
    DATABASE_NAME: admin.pathname.slice(1),
    DATABASE_SSL: 'disable',
    DATABASE_ADMIN_USER: decodeURIComponent(admin.username),
    DATABASE_ADMIN_PASSWORD: decodeURIComponent(admin.password),
    DATABASE_APP_ROLE: roles.app,
    DATABASE_MIGRATOR_ROLE: roles.migrator,
  };
};

/** drizzle-kit's output folder of a service (by convention), when it has one. */
export const migrationsFolderOf = (serviceName: string): string | undefined => {
  const folder = path.join(REPO_ROOT, 'services', serviceName, 'db', 'migrations');
  return existsSync(folder) ? folder : undefined;
};

/**
 * Runs the service's migrate command in process on `databaseUrl` (a superuser URL on the
 * service's database), then gives the app role a fresh random password (locally there is no
 * IAM): returns the app role's DATABASE_URL.
 */
const setUpDatabase = async (namespace: string, service: ServiceSpec, databaseUrl: string): Promise<string> => {
  const migrateEnv = localMigrateEnv(namespace, service.name, databaseUrl);
  const logger = createLogger({ service: `${service.name}-migrate`, level: 'warn' });
  await migrateFromEnv(migrateEnv, migrationsFolderOf(service.name), logger);

  const password = randomBytes(18).toString('hex');
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    // Role names are validated by the migrate command; the password is hex.
    await client.query(`ALTER ROLE ${pg.escapeIdentifier(migrateEnv.DATABASE_APP_ROLE!)} PASSWORD ${pg.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  const app = new URL(databaseUrl);
  app.username = migrateEnv.DATABASE_APP_ROLE!;
  app.password = password;
  return app.toString();
};

/**
 * Where a catalog service listens locally: its catalog port on loopback (what `npm run dev` runs;
 * tests that start a callee on another port override SERVICE_ADDRESSES_LOCAL).
 */
export const localServiceAddress = (spec: ServiceSpec): string => `127.0.0.1:${spec.containerPort}`;

/**
 * The service-call variables (docs/service-environment.md): a caller gets its private key, each
 * callee's Service Connect URL (`http://user:3001`, as in AWS) and the local address behind each
 * name; a callee gets its declared callers' public keys by name.
 */
const serviceCallEnv = (
  service: ServiceSpec,
  from: Catalog,
  callerKeys: ReadonlyMap<string, { privateJwk: string; publicJwks: string }>,
): Record<string, string> => {
  const env: Record<string, string> = {};
  const callees = (service.needs.calls ?? []).map((name) => findService(name, from));
  if (callees.length) {
    env.SERVICE_TOKEN_JWK = callerKeys.get(service.name)!.privateJwk;
    for (const callee of callees) env[serviceUrlEnvVar(callee.name)] = serviceConnectUrl(callee);
    env.SERVICE_ADDRESSES_LOCAL = callees.map((callee) => `${callee.name}=${localServiceAddress(callee)}`).join(',');
  }
  const callers = callersOf(service.name, from);
  if (callers.length) {
    env.SERVICE_CALLER_JWKS = JSON.stringify(Object.fromEntries(callers.map((c) => [c.name, JSON.parse(callerKeys.get(c.name)!.publicJwks)])));
  }
  return env;
};

/**
 * Provisions `namespace` and returns every service's environment. `overrides` are merged last
 * into every service's env (tests pass NODE_ENV=test, LOG_LEVEL=silent).
 */
export const provisionNamespace = async (
  engines: Engines,
  namespace: string,
  from: Catalog = defaultCatalog,
  overrides: Readonly<Record<string, string>> = {},
): Promise<ServiceEnvs> => {
  if (!NAMESPACE.test(namespace)) {
    throw new Error(`invalid namespace "${namespace}": lower-case letter first, then [a-z0-9-], at most 40 characters`);
  }
  const databaseUrls = new Map<string, string>();
  const queues = new Map<string, { url: string; dlqUrl: string }>();
  await Promise.all([
    ...from.services.flatMap((s) => (s.needs.postgres ? [{ service: s, database: s.needs.postgres.database }] : [])).map(async ({ service, database }) => {
      const name = `${namespace}_${database}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
      databaseUrls.set(service.name, await setUpDatabase(namespace, service, await engines.postgres.createDatabase(name)));
    }),
    ...allTables(from).map(({ table }) => createTable(engines.dynamodb.endpoint, `${namespace}-${table.name}`, table)),
    ...from.queues.map(async (queue) => {
      queues.set(queue.name, await createQueue(engines.sqs.endpoint, `${namespace}-${queue.name}`, queue));
    }),
  ]);

  const queue = (name: string) => {
    const urls = queues.get(name);
    if (!urls) throw new Error(`catalog: a service uses queue "${name}", which the catalog's queues do not declare`);
    return urls;
  };

  // One access-token key pair per namespace: the signer gets the private JWK, everyone the public JWKS.
  const tokenKeys = generateLocalTokenKeys();
  // One service-token key pair per caller (its KMS key in AWS): the caller signs, its callees verify.
  const callerKeys = new Map(from.services.filter((s) => s.needs.calls?.length).map((s) => [s.name, generateLocalTokenKeys()]));

  return Object.fromEntries(
    from.services.map((service) => {
      const { needs } = service;
      const env: Record<string, string> = {
        SERVICE_NAME: service.name,
        PORT: String(service.containerPort),
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        AWS_REGION: LOCAL_AWS_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        // Local runs may use Node 20 (the images run Node 22): the SDK's start-up notice about
        // future Node 22 requirements is known and only drowns the dev output.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        JWT_ISSUER: JWT_ISSUER_LOCAL,
        JWT_AUDIENCE,
        ...service.environment,
      };
      if (needs.tokens) env.TOKEN_VERIFY_JWKS = tokenKeys.publicJwks;
      if (needs.tokens === 'sign') env.TOKEN_SIGNING_JWK = tokenKeys.privateJwk;
      if (needs.postgres) env.DATABASE_URL = databaseUrls.get(service.name)!;
      if (needs.cache) env.REDIS_URL = engines.redis.url;
      if (needs.tables?.length) {
        env.DYNAMODB_ENDPOINT = engines.dynamodb.endpoint;
        for (const table of needs.tables) env[tableEnvVar(table.name)] = `${namespace}-${table.name}`;
      }
      const queueNames = [...(needs.publishes ?? []), ...(needs.consumes ?? [])];
      if (queueNames.length) env.SQS_ENDPOINT = engines.sqs.endpoint;
      for (const name of queueNames) env[queueUrlEnvVar(name)] = queue(name).url;
      for (const name of needs.consumes ?? []) env[dlqUrlEnvVar(name)] = queue(name).dlqUrl;
      if (needs.email) env.NOTIFICATION_SENDER = 'log';
      Object.assign(env, serviceCallEnv(service, from, callerKeys));
      return [service.name, { ...env, ...overrides }];
    }),
  );
};
