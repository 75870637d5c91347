/**
 * Configuration from environment variables (docs/service-environment.md), validated with zod.
 * `loadConfig` fails fast with ONE error that lists every missing or invalid variable.
 */
import { z } from 'zod';
import { callersOf, queueUrlEnvVar, serviceUrlEnvVar, tableEnvVar, type ServiceSpec } from '../catalog';
import type { DynamoConfig } from './clients/dynamo';
import type { SqsConfig } from './clients/sqs';
import type { BaseConfig } from './service';
import { parseLocalAddresses, type LocalAddresses } from './service-call/local-addresses';
import { KMS_KEY_ARN, parseJwks, parsePrivateJwk } from './tokens/keys';
import type { CallerKeySource, SigningKeySource, TokenSettings } from './tokens/from-config';
import { parseCallerJwks, parseCallerKeyArns } from './tokens/service-token';

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);

export const baseShape = {
  SERVICE_NAME: z.string().min(1),
  PORT: port,
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AWS_REGION: z.string().min(1),
  // Local engines only; in ECS the task role supplies credentials (see clients/aws.ts).
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
};

/** A JSON variable parsed by `parse`; its error messages never echo the value (it may hold a key). */
const jsonVariable = <T>(parse: (json: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof SyntaxError ? 'must be valid JSON' : (err as Error).message });
      return z.NEVER;
    }
  });

const kmsKeyArn = z.string().regex(KMS_KEY_ARN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)');

/**
 * Access-token verification (every service with `needs.tokens`; docs/decisions/0008). Exactly one
 * key source: `TOKEN_VERIFY_KMS_KEYS` in AWS (comma-separated key ARNs; two during a rollover),
 * `TOKEN_VERIFY_JWKS` locally (public keys only).
 */
export const tokenVerifyShape = {
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  TOKEN_VERIFY_KMS_KEYS: z
    .string()
    .transform((list) => list.split(',').map((arn) => arn.trim()).filter(Boolean))
    .pipe(z.array(kmsKeyArn).min(1))
    .optional(),
  TOKEN_VERIFY_JWKS: jsonVariable(parseJwks).optional(),
  /** Tests only: a local stand-in speaking the KMS protocol (there is no local KMS). Unset in AWS. */
  KMS_ENDPOINT: z.url().optional(),
};

/** Access-token signing (only `needs.tokens: 'sign'`): a KMS key in AWS, a private JWK locally. */
export const tokenSignShape = {
  TOKEN_SIGNING_KMS_KEY: kmsKeyArn.optional(),
  TOKEN_SIGNING_JWK: jsonVariable(parsePrivateJwk).optional(),
};

/** A list variable parsed by `parse`, which throws with a message safe to show. */
const listVariable = <T>(parse: (list: string) => T) =>
  z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/**
 * The caller side of `needs.calls` (docs/decisions/0014): the key its service tokens are signed
 * with (`SERVICE_TOKEN_KMS_KEY` in AWS, `SERVICE_TOKEN_JWK` locally) and each callee's address
 * (`SERVICE_<CALLEE>_URL`). `SERVICE_ADDRESSES_LOCAL` only exists locally (service-call/local-addresses).
 */
export const serviceCallerShape = (callees: readonly string[]) => ({
  SERVICE_TOKEN_KMS_KEY: kmsKeyArn.optional(),
  SERVICE_TOKEN_JWK: jsonVariable(parsePrivateJwk).optional(),
  SERVICE_ADDRESSES_LOCAL: listVariable(parseLocalAddresses).optional(),
  KMS_ENDPOINT: z.url().optional(),
  ...(Object.fromEntries(callees.map((name) => [serviceUrlEnvVar(name), z.url()])) as Record<string, z.ZodURL>),
});

/** The callee side: the public keys of exactly the services that call it, by caller name. */
export const serviceCalleeShape = {
  SERVICE_CALLER_KMS_KEYS: listVariable((list) => {
    const arns = parseCallerKeyArns(list);
    for (const arn of arns.values()) if (!KMS_KEY_ARN.test(arn)) throw new Error('every key must be a KMS key ARN (<caller>=arn:aws:kms:...)');
    return arns;
  }).optional(),
  SERVICE_CALLER_JWKS: jsonVariable(parseCallerJwks).optional(),
  KMS_ENDPOINT: z.url().optional(),
};

/**
 * `DATABASE_URL` (local) takes precedence; otherwise the service logs in as `DATABASE_USER` with
 * IAM over verified TLS (docs/decisions/0009).
 */
export const postgresShape = {
  DATABASE_URL: z.url().optional(),
  DATABASE_HOST: z.string().min(1).optional(),
  DATABASE_PORT: port.default(5432),
  DATABASE_NAME: z.string().min(1).optional(),
  DATABASE_USER: z.string().min(1).optional(),
  DATABASE_AUTH: z.enum(['iam'], 'must be iam: services never log in with a password').optional(),
  DATABASE_SSL: z.enum(['disable', 'verify-full']).optional(),
  /** Listed only to refuse it: a password (the master secret) means a stale task definition. */
  DATABASE_PASSWORD: z.string().optional(),
};

export const redisShape = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  REDIS_IAM_USER: z.string().min(1).optional(),
  REDIS_CACHE_ID: z.string().min(1).optional(),
};

export const dynamoShape = { DYNAMODB_ENDPOINT: z.url().optional() };
export const sqsShape = { SQS_ENDPOINT: z.url().optional() };

/** Shape requiring `TABLE_<NAME>` for each logical table. */
export const tablesShape = (logicalNames: readonly string[]): Record<string, z.ZodString> =>
  Object.fromEntries(logicalNames.map((n) => [tableEnvVar(n), z.string().min(1)]));

/** Shape requiring `QUEUE_<NAME>_URL` for each logical queue. */
export const queuesShape = (logicalNames: readonly string[]): Record<string, z.ZodURL> =>
  Object.fromEntries(logicalNames.map((n) => [queueUrlEnvVar(n), z.url()]));

/** Everything a catalog entry implies (the same derivation the infrastructure uses). */
export const shapeForService = (spec: ServiceSpec): z.ZodRawShape => {
  const { needs } = spec;
  const queues = [...(needs.publishes ?? []), ...(needs.consumes ?? [])];
  return {
    ...baseShape,
    ...(needs.tokens ? tokenVerifyShape : {}),
    ...(needs.tokens === 'sign' ? tokenSignShape : {}),
    ...(needs.calls?.length ? serviceCallerShape(needs.calls) : {}),
    ...(callersOf(spec.name).length ? serviceCalleeShape : {}),
    ...(needs.postgres ? postgresShape : {}),
    ...(needs.cache ? redisShape : {}),
    ...(needs.tables?.length ? { ...dynamoShape, ...tablesShape(needs.tables.map((t) => t.name)) } : {}),
    ...(queues.length ? { ...sqsShape, ...queuesShape([...new Set(queues)]) } : {}),
  };
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** `DATABASE_HOST` + `DATABASE_SSL` rules shared by the services and the migrate command. */
export const databaseHostIssues = (cfg: Record<string, unknown>): ConfigIssue[] =>
  cfg.DATABASE_SSL === 'disable' && !LOOPBACK.has(String(cfg.DATABASE_HOST))
    ? [{ variable: 'DATABASE_SSL', message: 'disable is only allowed for a loopback DATABASE_HOST (TLS is verified everywhere else)' }]
    : [];

const exactlyOne = (cfg: Record<string, unknown>, aws: string, local: string): ConfigIssue[] => {
  if (cfg[aws] !== undefined && cfg[local] !== undefined) return [{ variable: local, message: `set either ${aws} (AWS) or ${local} (local), not both` }];
  if (cfg[aws] === undefined && cfg[local] === undefined) return [{ variable: aws, message: `required (or ${local} locally)` }];
  return [];
};

/** Cross-field rules, applied whenever the corresponding shape is part of the config. */
const crossFieldIssues = (shape: z.ZodRawShape, cfg: Record<string, unknown>): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  if ('DATABASE_URL' in shape) {
    if (cfg.DATABASE_PASSWORD !== undefined) {
      issues.push({ variable: 'DATABASE_PASSWORD', message: 'not used: the service logs in with IAM as its own role (DATABASE_AUTH=iam)' });
    }
    if (!cfg.DATABASE_URL) {
      for (const v of ['DATABASE_HOST', 'DATABASE_NAME', 'DATABASE_USER', 'DATABASE_AUTH']) {
        if (!cfg[v]) issues.push({ variable: v, message: 'required (or set DATABASE_URL)' });
      }
      issues.push(...databaseHostIssues(cfg));
    }
  }
  if ('REDIS_IAM_USER' in shape && cfg.REDIS_IAM_USER && !cfg.REDIS_CACHE_ID) {
    issues.push({ variable: 'REDIS_CACHE_ID', message: 'required when REDIS_IAM_USER is set' });
  }
  if ('TOKEN_VERIFY_JWKS' in shape) issues.push(...exactlyOne(cfg, 'TOKEN_VERIFY_KMS_KEYS', 'TOKEN_VERIFY_JWKS'));
  if ('TOKEN_SIGNING_JWK' in shape) issues.push(...exactlyOne(cfg, 'TOKEN_SIGNING_KMS_KEY', 'TOKEN_SIGNING_JWK'));
  if ('SERVICE_TOKEN_JWK' in shape) issues.push(...exactlyOne(cfg, 'SERVICE_TOKEN_KMS_KEY', 'SERVICE_TOKEN_JWK'));
  if ('SERVICE_CALLER_JWKS' in shape) issues.push(...exactlyOne(cfg, 'SERVICE_CALLER_KMS_KEYS', 'SERVICE_CALLER_JWKS'));
  if (cfg.SERVICE_ADDRESSES_LOCAL !== undefined && cfg.NODE_ENV === 'production') {
    issues.push({ variable: 'SERVICE_ADDRESSES_LOCAL', message: 'local runs only: in AWS, Service Connect resolves service names' });
  }
  return issues;
};

/** Empty strings count as unset (task definitions and shells produce them). */
const withoutEmpty = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));

export const loadConfig = <S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<S>> => {
  const input = withoutEmpty(env);
  const result = z.object(shape).safeParse(input);
  const issues: ConfigIssue[] = result.success
    ? []
    : result.error.issues.map((i) => {
        const variable = String(i.path[0] ?? '(root)');
        return { variable, message: input[variable] === undefined ? 'required' : i.message };
      });
  // Cross-field rules see whatever parsed (or the raw input when parsing failed).
  issues.push(...crossFieldIssues(shape, result.success ? (result.data as Record<string, unknown>) : input));
  if (issues.length > 0) throw new ConfigError(issues);
  return result.data as z.infer<z.ZodObject<S>>;
};

const lookup = (source: Readonly<Record<string, unknown>>, variable: string): string => {
  const value = source[variable];
  if (typeof value !== 'string' || value === '') throw new ConfigError([{ variable, message: 'required' }]);
  return value;
};

/** Physical table name for a logical catalog table, from env or a loaded config. */
export const tableName = (source: Readonly<Record<string, unknown>>, logical: string): string =>
  lookup(source, tableEnvVar(logical));

/** Queue URL for a logical catalog queue, from env or a loaded config. */
export const queueUrl = (source: Readonly<Record<string, unknown>>, logical: string): string =>
  lookup(source, queueUrlEnvVar(logical));

/** What every catalog service reads the same way, mapped from a config loaded with `shapeForService`. */
export interface CommonSettings extends BaseConfig, DynamoConfig, SqsConfig {
  readonly tokens: TokenSettings;
}

/** Token verification settings from a config that includes `tokenVerifyShape`. */
export const tokenSettings = (raw: Readonly<Record<string, unknown>>): TokenSettings => ({
  issuer: lookup(raw, 'JWT_ISSUER'),
  audience: lookup(raw, 'JWT_AUDIENCE'),
  verification: raw.TOKEN_VERIFY_KMS_KEYS
    ? { kind: 'kms', keyArns: raw.TOKEN_VERIFY_KMS_KEYS as string[] }
    : { kind: 'jwks', keys: raw.TOKEN_VERIFY_JWKS as NonNullable<z.infer<typeof tokenVerifyShape.TOKEN_VERIFY_JWKS>> },
  kmsEndpoint: raw.KMS_ENDPOINT === undefined ? undefined : String(raw.KMS_ENDPOINT),
});

/** The signing key source from a config that includes `tokenSignShape`. */
export const signingKeySource = (raw: Readonly<Record<string, unknown>>): SigningKeySource =>
  raw.TOKEN_SIGNING_KMS_KEY
    ? { kind: 'kms', keyArn: String(raw.TOKEN_SIGNING_KMS_KEY) }
    : { kind: 'local', key: raw.TOKEN_SIGNING_JWK as NonNullable<z.infer<typeof tokenSignShape.TOKEN_SIGNING_JWK>> };

export const commonSettings = (raw: Readonly<Record<string, unknown>>): CommonSettings => {
  const optional = (name: string): string | undefined => (raw[name] === undefined ? undefined : String(raw[name]));
  return {
    SERVICE_NAME: lookup(raw, 'SERVICE_NAME'),
    PORT: Number(raw.PORT),
    LOG_LEVEL: baseShape.LOG_LEVEL.parse(raw.LOG_LEVEL),
    AWS_REGION: lookup(raw, 'AWS_REGION'),
    DYNAMODB_ENDPOINT: optional('DYNAMODB_ENDPOINT'),
    SQS_ENDPOINT: optional('SQS_ENDPOINT'),
    AWS_ACCESS_KEY_ID: optional('AWS_ACCESS_KEY_ID'),
    AWS_SECRET_ACCESS_KEY: optional('AWS_SECRET_ACCESS_KEY'),
    AWS_SESSION_TOKEN: optional('AWS_SESSION_TOKEN'),
    tokens: tokenSettings(raw),
  };
};

/** What a caller needs to call its declared callees (config including `serviceCallerShape`). */
export interface ServiceCallSettings {
  readonly signing: SigningKeySource;
  /** Callee name → its base URL (`http://<name>:<port>`). */
  readonly upstreams: Readonly<Record<string, string>>;
  readonly localAddresses?: LocalAddresses;
  readonly kmsEndpoint?: string;
}

export const serviceCallSettings = (raw: Readonly<Record<string, unknown>>, callees: readonly string[]): ServiceCallSettings => ({
  signing: raw.SERVICE_TOKEN_KMS_KEY
    ? { kind: 'kms', keyArn: String(raw.SERVICE_TOKEN_KMS_KEY) }
    : { kind: 'local', key: raw.SERVICE_TOKEN_JWK as NonNullable<z.infer<ReturnType<typeof serviceCallerShape>['SERVICE_TOKEN_JWK']>> },
  upstreams: Object.fromEntries(callees.map((name) => [name, lookup(raw, serviceUrlEnvVar(name))])),
  localAddresses: raw.SERVICE_ADDRESSES_LOCAL as LocalAddresses | undefined,
  kmsEndpoint: raw.KMS_ENDPOINT === undefined ? undefined : String(raw.KMS_ENDPOINT),
});

/** The callers' public keys from a config including `serviceCalleeShape`. */
export const callerKeySource = (raw: Readonly<Record<string, unknown>>): CallerKeySource =>
  raw.SERVICE_CALLER_KMS_KEYS
    ? { kind: 'kms', keyArns: raw.SERVICE_CALLER_KMS_KEYS as ReadonlyMap<string, string> }
    : { kind: 'jwks', keys: raw.SERVICE_CALLER_JWKS as NonNullable<z.infer<typeof serviceCalleeShape.SERVICE_CALLER_JWKS>> };
