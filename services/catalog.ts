/**
 * The one list of services and what each needs.
 *
 * Plain data and pure helpers only: no runtime imports. The infrastructure derives task
 * definitions, target groups, listener rules, IAM grants, security-group rules, environment
 * variables from it; the local engine harness creates the same tables and queues;
 * the local gateway routes by it; tests read it to know what to start.
 *
 * Adding a service = one entry in `services` below + one folder under services/.
 */

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface TableIndexSpec {
  /** Index name, used as-is in DynamoDB and in the service code. */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableSpec {
  /** Logical name, unique across the catalog (kebab-case). Physical name: `<prefix>-<name>`. */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attribute holding an epoch-seconds expiry; DynamoDB TTL is enabled on it. */
  readonly ttlAttribute?: string;
  readonly indexes?: readonly TableIndexSpec[];
}

export interface QueueSpec {
  /** Logical name (kebab-case). Physical names: `<prefix>-<name>` and `<prefix>-<name>-dlq`. */
  readonly name: string;
  /** Must exceed the slowest consumer's processing time (consumers extend it for slow work). */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly retentionSeconds: number;
  readonly dlqRetentionSeconds: number;
  /** Long polling wait applied as the queue default. */
  readonly receiveWaitSeconds: number;
}

export interface RouteSpec {
  /** ALB path patterns (at most 5 values per rule; `*` wildcards as the ALB understands them). */
  readonly pathPatterns: readonly string[];
  /** Listener rule priority, unique across the catalog (1..50000). */
  readonly priority: number;
}

export interface TaskSizing {
  /** Fargate CPU units (256, 512, 1024, 2048, 4096, ...). */
  readonly cpu: number;
  /** Fargate memory in MiB; must be a valid pair with cpu. */
  readonly memory: number;
  readonly minTasks: number;
  readonly maxTasks: number;
}

export interface ScalingSpec {
  /** Target-tracking on average CPU. */
  readonly cpuTargetPercent: number;
  /** Target-tracking on average memory. */
  readonly memoryTargetPercent: number;
  /** Target-tracking on ALB requests per target (services with routes). */
  readonly requestsPerTarget?: number;
  /** Target-tracking on visible messages per running task (consumers). */
  readonly backlogPerTask?: number;
}

export interface ServiceNeeds {
  /** Aurora PostgreSQL database owned by the service (connection via DATABASE_* variables). */
  readonly postgres?: { readonly database: string };
  /** ElastiCache (Valkey/Redis) access (REDIS_* variables). */
  readonly cache?: boolean;
  /** DynamoDB tables owned by the service: full item access on them, nothing else. */
  readonly tables?: readonly TableSpec[];
  /** Queues the service sends to (sqs:SendMessage). */
  readonly publishes?: readonly string[];
  /** Queues the service consumes (receive/delete/change visibility). */
  readonly consumes?: readonly string[];
  /** Sends e-mail through SES (ses:SendEmail on the environment's identity). */
  readonly email?: boolean;
  /**
   * Access tokens: `sign` issues them (only the identity service; KMS Sign in AWS), `verify`
   * checks them (public keys only). See docs/decisions/0008.
   */
  readonly tokens?: 'sign' | 'verify';
  /**
   * Catalog services this one calls synchronously over ECS Service Connect (`http://<name>:<port>`).
   * Only declared callers may reach a callee's port; each call carries a short-lived service token
   * signed with the caller's own KMS key (docs/decisions/0014).
   */
  readonly calls?: readonly string[];
}

export interface ServiceSpec {
  /** kebab-case, used for folder, ECR repository, log group, IAM role names. */
  readonly name: string;
  readonly description: string;
  readonly containerPort: number;
  /** Readiness endpoint: ALB target-group health check and the local gateway's readiness. */
  readonly healthPath: string;
  readonly livenessPath: string;
  readonly routes: readonly RouteSpec[];
  readonly sizing: Readonly<Record<EnvironmentName, TaskSizing>>;
  readonly scaling: ScalingSpec;
  readonly needs: ServiceNeeds;
  /** Extra plain (non-secret) environment variables. */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface Catalog {
  readonly queues: readonly QueueSpec[];
  readonly services: readonly ServiceSpec[];
}

export const catalog: Catalog = {
  queues: [
    {
      name: 'events',
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
      retentionSeconds: 4 * 24 * 3600,
      dlqRetentionSeconds: 14 * 24 * 3600,
      receiveWaitSeconds: 20,
    },
  ],
  services: [
    {
      name: 'user',
      description: 'Registration, login (JWT issuer) and profiles',
      containerPort: 3001,
      healthPath: '/health/ready',
      livenessPath: '/health/live',
      routes: [
        { pathPatterns: ['/users', '/users/*'], priority: 100 },
        { pathPatterns: ['/auth', '/auth/*'], priority: 110 },
      ],
      sizing: {
        dev: { cpu: 256, memory: 512, minTasks: 1, maxTasks: 2 },
        staging: { cpu: 512, memory: 1024, minTasks: 2, maxTasks: 4 },
        prod: { cpu: 1024, memory: 2048, minTasks: 3, maxTasks: 12 },
      },
      scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75, requestsPerTarget: 800 },
      needs: { postgres: { database: 'users' }, cache: true, publishes: ['events'], tokens: 'sign' },
    },
    {
      name: 'payment',
      description: 'Idempotent payments on DynamoDB with a transactional outbox',
      containerPort: 3002,
      healthPath: '/health/ready',
      livenessPath: '/health/live',
      routes: [{ pathPatterns: ['/payments', '/payments/*'], priority: 200 }],
      sizing: {
        dev: { cpu: 256, memory: 512, minTasks: 1, maxTasks: 2 },
        staging: { cpu: 512, memory: 1024, minTasks: 2, maxTasks: 4 },
        prod: { cpu: 1024, memory: 2048, minTasks: 3, maxTasks: 12 },
      },
      scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75, requestsPerTarget: 600 },
      needs: {
        tables: [
          {
            name: 'payments',
            partitionKey: { name: 'id', type: 'S' },
            indexes: [
              {
                name: 'by-user',
                partitionKey: { name: 'userId', type: 'S' },
                sortKey: { name: 'createdAt', type: 'S' },
                projection: 'ALL',
              },
            ],
          },
          {
            name: 'idempotency-keys',
            partitionKey: { name: 'key', type: 'S' },
            ttlAttribute: 'expiresAt',
          },
          {
            name: 'payment-outbox',
            partitionKey: { name: 'eventId', type: 'S' },
          },
        ],
        publishes: ['events'],
        tokens: 'verify',
        // Charges only for an account that still exists (and whose tokens were not revoked).
        calls: ['user'],
      },
    },
    {
      name: 'notification',
      description: 'Consumes platform events at least once and records one notification per event',
      containerPort: 3003,
      healthPath: '/health/ready',
      livenessPath: '/health/live',
      routes: [{ pathPatterns: ['/notifications', '/notifications/*'], priority: 300 }],
      sizing: {
        dev: { cpu: 256, memory: 512, minTasks: 1, maxTasks: 2 },
        staging: { cpu: 256, memory: 512, minTasks: 2, maxTasks: 4 },
        prod: { cpu: 512, memory: 1024, minTasks: 2, maxTasks: 8 },
      },
      scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75, requestsPerTarget: 800, backlogPerTask: 100 },
      needs: {
        tables: [
          {
            name: 'notifications',
            partitionKey: { name: 'userId', type: 'S' },
            sortKey: { name: 'sortKey', type: 'S' },
          },
          {
            name: 'processed-events',
            partitionKey: { name: 'eventId', type: 'S' },
            ttlAttribute: 'expiresAt',
          },
        ],
        consumes: ['events'],
        email: true,
        tokens: 'verify',
        // The recipient's current e-mail and name, not the copy from user.registered.
        calls: ['user'],
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Naming contract shared by the infrastructure, the local harness and the services' config.

/** Audience (`aud`) of the platform's access tokens, in AWS and locally. */
export const JWT_AUDIENCE = 'platform-api';

const envSuffix = (logicalName: string): string => logicalName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** Environment variable carrying a table's physical name, e.g. `payments` → `TABLE_PAYMENTS`. */
export const tableEnvVar = (tableName: string): string => `TABLE_${envSuffix(tableName)}`;

/** Environment variable carrying a queue's URL, e.g. `events` → `QUEUE_EVENTS_URL`. */
export const queueUrlEnvVar = (queueName: string): string => `QUEUE_${envSuffix(queueName)}_URL`;

/** Environment variable carrying a callee's base URL, e.g. `user` → `SERVICE_USER_URL`. */
export const serviceUrlEnvVar = (serviceName: string): string => `SERVICE_${envSuffix(serviceName)}_URL`;

/** A service's address for its callers: the Service Connect client alias in AWS, the same shape locally. */
export const serviceConnectUrl = (spec: Pick<ServiceSpec, 'name' | 'containerPort'>): string => `http://${spec.name}:${spec.containerPort}`;

/** The services that declare a call to `serviceName`. */
export const callersOf = (serviceName: string, from: Catalog = catalog): ServiceSpec[] =>
  from.services.filter((s) => s.needs.calls?.includes(serviceName));

/** Environment variable carrying a queue's dead-letter queue URL (consumers only). */
export const dlqUrlEnvVar = (queueName: string): string => `QUEUE_${envSuffix(queueName)}_DLQ_URL`;

export const findService = (name: string, from: Catalog = catalog): ServiceSpec => {
  const spec = from.services.find((s) => s.name === name);
  if (!spec) throw new Error(`catalog: no service named "${name}"`);
  return spec;
};

export const findQueue = (name: string, from: Catalog = catalog): QueueSpec => {
  const spec = from.queues.find((q) => q.name === name);
  if (!spec) throw new Error(`catalog: no queue named "${name}"`);
  return spec;
};

/**
 * PostgreSQL roles of a service (docs/decisions/0009): the application logs in as `app` (DML on
 * its own tables only; IAM authentication in AWS); migrations run as `migrator`, which owns the
 * schema. e.g. `user` → `user_app`, `user_migrator`.
 */
export const postgresRoles = (serviceName: string): { readonly app: string; readonly migrator: string } => {
  const base = serviceName.replace(/-/g, '_');
  return { app: `${base}_app`, migrator: `${base}_migrator` };
};

/** Every table in the catalog with the service that owns it. */
export const allTables = (from: Catalog = catalog): { owner: string; table: TableSpec }[] =>
  from.services.flatMap((s) => (s.needs.tables ?? []).map((table) => ({ owner: s.name, table })));
