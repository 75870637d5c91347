/**
 * What a catalog entry can need, and one binder per kind that does the grant, the network path and
 * the environment variables together. `NEED_BINDERS` is typed over every key of `ServiceNeeds`: a
 * new kind of need is a compile error here until it has a binder. The variable names are the
 * runtime contract of docs/service-environment.md (the services read them through services/kit/config).
 */
import type { Construct } from 'constructs';
import {
  callersOf,
  dlqUrlEnvVar,
  postgresRoles,
  queueUrlEnvVar,
  serviceUrlEnvVar,
  tableEnvVar,
  type Catalog,
  type ServiceNeeds,
  type ServiceSpec,
} from '../../services/catalog';
import type { IPostgresCluster } from '../aurora/aurora-postgres';
import type { ICache } from '../cache/cache';
import type { ITable } from '../dynamodb/dynamo-table';
import type { IQueue } from '../queue/queue';
import type { Connections } from '../security/connections';
import { Grant } from '../security/grants';
import type { ISigningKey } from '../security/signing-key';
import type { Microservice } from './microservice';
import type { FargateTask } from './task-definition';

/** The platform resources a service may be bound to (imported from the platform contract). */
export interface PlatformResources {
  readonly tables: Readonly<Record<string, ITable>>;
  readonly queues: Readonly<Record<string, IQueue>>;
  readonly postgres?: IPostgresCluster;
  readonly cache?: ICache;
  /** Access-token keys: the one that signs and every one that verifies (two during a rollover). */
  readonly tokenKeys: { readonly signing: ISigningKey; readonly verify: readonly ISigningKey[] };
  /** SES identity the platform sends e-mail from, and the From address. */
  readonly email: { readonly identityArn: string; readonly fromAddress: string };
  /** Every catalog service as a callee: its security group (port = container port) and Service Connect URL. */
  readonly services: Readonly<Record<string, { readonly connections: Connections; readonly url: string }>>;
  /** The service-token signing key of each calling service. */
  readonly callerKeys: Readonly<Record<string, ISigningKey>>;
}

export interface BindContext {
  /** Where the binder's own resources (network rules, one-off tasks) are created. */
  readonly scope: Construct;
  readonly spec: ServiceSpec;
  readonly service: Microservice;
  readonly platform: PlatformResources;
  /** Builds a one-off task of this service's image (e.g. database migrations). */
  oneOffTask(name: string, command: readonly string[]): FargateTask;
}

type NeedKind = keyof ServiceNeeds;
type Binder<K extends NeedKind> = (need: NonNullable<ServiceNeeds[K]>, ctx: BindContext) => Grant[];

const required = <T>(value: T | undefined, spec: ServiceSpec, what: string): T => {
  if (value === undefined) throw new Error(`service "${spec.name}": its catalog needs ${what}, but the platform provides none`);
  return value;
};

const lookup = <T>(map: Readonly<Record<string, T>>, name: string, spec: ServiceSpec, what: string): T =>
  required(map[name], spec, `${what} "${name}"`);

/** TLS is verified against the RDS CA bundle by the kit (docs/decisions/0009). */
const DATABASE_SSL = 'verify-full';

export const NEED_BINDERS: { readonly [K in NeedKind]-?: Binder<K> } = {
  postgres: (need, { scope, spec, service, platform, oneOffTask }) => {
    const cluster = required(platform.postgres, spec, 'PostgreSQL');
    const roles = postgresRoles(spec.name);
    cluster.connections.allowFrom(scope, service.connections);
    const connection = {
      DATABASE_HOST: cluster.endpoint,
      DATABASE_PORT: String(cluster.port),
      DATABASE_NAME: need.database,
      DATABASE_SSL,
    };
    for (const [name, value] of Object.entries({ ...connection, DATABASE_USER: roles.app, DATABASE_AUTH: 'iam' })) {
      service.addEnvironment(name, value);
    }
    // The application connects as its own role with IAM authentication: no password exists.
    const connect = cluster.grantConnect(service.task.taskRole, roles.app);

    // Migrations: a one-off task of the same image, run by the pipeline before the deploy, which
    // alone reads the master secret (to create the roles) and migrates as the migrator role.
    const migrate = oneOffTask('migrate', ['main.js', 'migrate']);
    for (const [name, value] of Object.entries({ ...connection, DATABASE_APP_ROLE: roles.app, DATABASE_MIGRATOR_ROLE: roles.migrator })) {
      migrate.addEnvironment(name, value);
    }
    // `<arn>:<json-key>::` selects one key of a JSON secret (version stage/id left default).
    migrate.addSecret({ name: 'DATABASE_ADMIN_USER', valueFrom: `${cluster.masterSecretArn}:username::` });
    migrate.addSecret({ name: 'DATABASE_ADMIN_PASSWORD', valueFrom: `${cluster.masterSecretArn}:password::` });
    return [connect, cluster.grantMasterSecretRead(migrate.executionRole)];
  },

  cache: (_need, { scope, spec, service, platform }) => {
    const cache = required(platform.cache, spec, 'a cache');
    cache.connections.allowFrom(scope, service.connections);
    service.addEnvironment('REDIS_URL', `rediss://${cache.primaryEndpoint}:${cache.port}`);
    service.addEnvironment('REDIS_IAM_USER', cache.iamUserId);
    service.addEnvironment('REDIS_CACHE_ID', cache.replicationGroupId);
    return [cache.grantConnect(service.task.taskRole)];
  },

  tables: (tables, { spec, service, platform }) =>
    tables.map((table) => {
      const ref = lookup(platform.tables, table.name, spec, 'table');
      service.addEnvironment(tableEnvVar(table.name), ref.name);
      return ref.grantReadWrite(service.task.taskRole);
    }),

  publishes: (queues, { spec, service, platform }) =>
    queues.map((name) => {
      const queue = lookup(platform.queues, name, spec, 'queue');
      service.addEnvironment(queueUrlEnvVar(name), queue.url);
      return queue.grantSend(service.task.taskRole);
    }),

  consumes: (queues, { spec, service, platform }) =>
    queues.map((name) => {
      const queue = lookup(platform.queues, name, spec, 'queue');
      // A service may publish to the queue it consumes: the URL variable is shared.
      if (!spec.needs.publishes?.includes(name)) service.addEnvironment(queueUrlEnvVar(name), queue.url);
      service.addEnvironment(dlqUrlEnvVar(name), queue.dlqUrl);
      service.scaleOnQueueBacklog(queue, required(spec.scaling.backlogPerTask, spec, 'scaling.backlogPerTask'));
      return queue.grantConsume(service.task.taskRole);
    }),

  email: (wanted, { service, platform }) => {
    if (!wanted) return [];
    service.addEnvironment('NOTIFICATION_SENDER', 'ses');
    service.addEnvironment('SES_FROM_ADDRESS', platform.email.fromAddress);
    return [Grant.add(service.task.taskRole, { actions: ['ses:SendEmail'], resources: [platform.email.identityArn] })];
  },

  calls: (callees, { scope, spec, service, platform }) => {
    const key = lookup(platform.callerKeys, spec.name, spec, 'caller key of service');
    service.addEnvironment('SERVICE_TOKEN_KMS_KEY', key.arn);
    for (const name of callees) {
      const callee = lookup(platform.services, name, spec, 'service');
      // Only declared callers reach the callee's port (the path is created by, and lives with, the caller).
      callee.connections.allowFrom(scope, service.connections);
      service.addEnvironment(serviceUrlEnvVar(name), callee.url);
    }
    return [key.grantSign(service.task.taskRole)];
  },

  tokens: (role, { service, platform }) => {
    const { signing, verify } = platform.tokenKeys;
    service.addEnvironment('TOKEN_VERIFY_KMS_KEYS', verify.map((k) => k.arn).join(','));
    const grants = verify.map((key) => key.grantVerify(service.task.taskRole));
    if (role === 'sign') {
      service.addEnvironment('TOKEN_SIGNING_KMS_KEY', signing.arn);
      grants.push(signing.grantSign(service.task.taskRole));
    }
    return grants;
  },
};

/**
 * The callee side of `calls`, derived from the catalog (not a need of this service): it may read the
 * public keys of exactly the services that declare a call to it, to verify their service tokens.
 */
export function bindCallers(ctx: BindContext, catalog: Catalog): Grant[] {
  const callers = callersOf(ctx.spec.name, catalog);
  if (callers.length === 0) return [];
  const keys = callers.map((caller) => ({ name: caller.name, key: lookup(ctx.platform.callerKeys, caller.name, ctx.spec, 'caller key of service') }));
  ctx.service.addEnvironment('SERVICE_CALLER_KMS_KEYS', keys.map(({ name, key }) => `${name}=${key.arn}`).join(','));
  return keys.map(({ key }) => key.grantVerify(ctx.service.task.taskRole));
}

/** Binds every need of `ctx.spec` and returns what was granted, by kind. */
export function bindNeeds(ctx: BindContext): Partial<Record<NeedKind, Grant[]>> {
  const granted: Partial<Record<NeedKind, Grant[]>> = {};
  for (const kind of Object.keys(ctx.spec.needs) as NeedKind[]) {
    const need = ctx.spec.needs[kind];
    if (need === undefined) continue;
    granted[kind] = (NEED_BINDERS[kind] as Binder<typeof kind>)(need as never, ctx);
  }
  return granted;
}
