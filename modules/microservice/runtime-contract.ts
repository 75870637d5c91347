/**
 * The runtime contract of docs/service-environment.md, AWS side: which plain variables and which
 * `secrets[].valueFrom` entries a catalog entry gets. Pure functions, so tests can check the
 * contract without synthesizing.
 */
import {
  dlqUrlEnvVar,
  queueUrlEnvVar,
  tableEnvVar,
  type PlatformSecretName,
  type ServiceSpec,
} from '../../services/catalog';

export const JWT_AUDIENCE = 'platform-api';

export interface RuntimeBindings {
  readonly logLevel: string;
  readonly region: string;
  /** Public API domain: the JWT issuer is `https://<domain>`. */
  readonly domain: string;
  readonly sesFromAddress: string;
  readonly database?: { readonly host: string; readonly port: number };
  readonly cache?: {
    readonly primaryEndpoint: string;
    readonly port: number;
    readonly iamUserId: string;
    readonly replicationGroupId: string;
  };
  /** Logical table name → physical name. */
  readonly tables: Readonly<Record<string, string>>;
  /** Logical queue name → URLs. */
  readonly queues: Readonly<Record<string, { readonly url: string; readonly dlqUrl: string }>>;
}

export interface SecretBindings {
  readonly platformSecretArns: Readonly<Record<PlatformSecretName, string>>;
  /** RDS-managed master secret (JSON with `username` and `password`). */
  readonly databaseSecretArn?: string;
}

export interface ContainerSecret {
  readonly name: string;
  readonly valueFrom: string;
}

const required = <T>(value: T | undefined, service: string, what: string): T => {
  if (value === undefined) throw new Error(`service "${service}": its catalog needs ${what}, but the stack provided none`);
  return value;
};

/** Plain (non-secret) environment variables for one service in AWS. */
export function serviceEnvironment(spec: ServiceSpec, b: RuntimeBindings): Record<string, string> {
  const env: Record<string, string> = {
    ...spec.environment,
    SERVICE_NAME: spec.name,
    PORT: String(spec.containerPort),
    NODE_ENV: 'production',
    LOG_LEVEL: b.logLevel,
    AWS_REGION: b.region,
    JWT_ISSUER: `https://${b.domain}`,
    JWT_AUDIENCE,
  };
  const { needs } = spec;
  if (needs.postgres) {
    const db = required(b.database, spec.name, 'postgres');
    Object.assign(env, {
      DATABASE_HOST: db.host,
      DATABASE_PORT: String(db.port),
      DATABASE_NAME: needs.postgres.database,
      DATABASE_SSL: 'require',
    });
  }
  if (needs.cache) {
    const cache = required(b.cache, spec.name, 'a cache');
    Object.assign(env, {
      REDIS_URL: `rediss://${cache.primaryEndpoint}:${cache.port}`,
      REDIS_IAM_USER: cache.iamUserId,
      REDIS_CACHE_ID: cache.replicationGroupId,
    });
  }
  for (const table of needs.tables ?? []) env[tableEnvVar(table.name)] = required(b.tables[table.name], spec.name, `table "${table.name}"`);
  for (const name of new Set([...(needs.publishes ?? []), ...(needs.consumes ?? [])])) {
    env[queueUrlEnvVar(name)] = required(b.queues[name], spec.name, `queue "${name}"`).url;
  }
  for (const name of needs.consumes ?? []) env[dlqUrlEnvVar(name)] = b.queues[name]!.dlqUrl;
  if (needs.email) Object.assign(env, { NOTIFICATION_SENDER: 'ses', SES_FROM_ADDRESS: b.sesFromAddress });
  return env;
}

/** Secrets injected by ECS from Secrets Manager (`valueFrom`), never as plain variables. */
export function serviceSecrets(spec: ServiceSpec, b: SecretBindings): ContainerSecret[] {
  const secrets: ContainerSecret[] = spec.secrets.map((ref) => ({ name: ref.env, valueFrom: b.platformSecretArns[ref.secret] }));
  if (spec.needs.postgres) {
    const arn = required(b.databaseSecretArn, spec.name, 'the database master secret');
    // `<arn>:<json-key>::` selects one key of a JSON secret (version stage/id left default).
    secrets.push({ name: 'DATABASE_USER', valueFrom: `${arn}:username::` }, { name: 'DATABASE_PASSWORD', valueFrom: `${arn}:password::` });
  }
  return secrets;
}
