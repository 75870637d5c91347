/**
 * The platform → service contract: every value a service stack reads from its environment's
 * platform stack, as one typed shape. The platform stack publishes it as Terraform outputs
 * (`publishPlatformContract`); a service stack reads it back from the platform's remote state
 * (`readPlatformContract`) — never through CDKTF's automatic cross-stack references, whose
 * `terraform_remote_state` fails the offline plan when the producer has no state yet.
 *
 * The shape of the contract (which outputs exist) is derived from the catalog by
 * `placeholderContract`, which also supplies the placeholder values a validation-mode plan uses.
 */
import type { Construct } from 'constructs';
import { DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, TerraformOutput } from 'cdktf';
import { allTables, type Catalog, type EnvironmentName } from '../../services/catalog';
import type { CacheAttributes } from '../cache/cache';
import type { PostgresClusterAttributes } from '../aurora/aurora-postgres';
import { platformResourcePrefix, serviceRepositoryName } from '../delivery/names';
import type { QueueAttributes } from '../queue/queue';
import { platformStackName, platformStateKey } from './naming';
import { LOCAL_STATE_FILE } from './stack-setup';

/** A contract leaf: one output. */
type Leaf = string | readonly string[];

export interface PlatformContract {
  readonly network: { readonly vpcId: string; readonly privateSubnetIds: readonly string[] };
  readonly loadBalancer: { readonly arnSuffix: string; readonly httpsListenerArn: string; readonly securityGroupId: string };
  readonly cluster: { readonly arn: string; readonly name: string };
  /** The Cloud Map HTTP namespace every service joins with ECS Service Connect. */
  readonly serviceConnect: { readonly namespaceArn: string };
  /**
   * Per catalog service: its security group, owned by the platform so that the ALB, the data stores
   * and its callers can name it before the service's own stack exists; the rules live in the
   * service stacks.
   */
  readonly services: Readonly<Record<string, { readonly securityGroupId: string }>>;
  /** Per calling service (catalog `needs.calls`): the KMS key that signs its service tokens. */
  readonly callerKeys: Readonly<Record<string, string>>;
  /** The environment's CMK (logs, tables, queues, secrets). */
  readonly kmsKeyArn: string;
  readonly alarmTopicArn: string;
  /** Per catalog service: its ECR repository. */
  readonly repositories: Readonly<Record<string, { readonly url: string; readonly arn: string }>>;
  /** Per catalog table. */
  readonly tables: Readonly<Record<string, { readonly name: string; readonly arn: string }>>;
  /** Per catalog queue. */
  readonly queues: Readonly<Record<string, QueueAttributes>>;
  /** Present when a catalog service needs PostgreSQL. */
  readonly postgres?: PostgresClusterAttributes;
  /** Present when a catalog service needs the cache. */
  readonly cache?: CacheAttributes;
  /**
   * Access-token keys by name (environment config `tokens.keys`): every one verifies, `signing` is
   * the one `tokens.signWith` names. One output per key, so ARNs stay plain strings in policies.
   */
  readonly tokenKeys: { readonly signingKeyArn: string; readonly verifyKeyArns: Readonly<Record<string, string>> };
}

export interface ContractEnvironment {
  readonly name: EnvironmentName;
  readonly accountId: string;
  readonly region: string;
  readonly project: string;
  readonly tokens: { readonly keys: readonly string[]; readonly signWith: string };
}

/**
 * The contract with plausible placeholder values (validation mode plans service stacks against
 * them when the platform has no state). Its keys define the contract for this catalog.
 */
export function placeholderContract(catalog: Catalog, env: ContractEnvironment): PlatformContract {
  const { accountId: account, region } = env;
  const prefix = platformResourcePrefix(env.project, env.name);
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
  const needs = (kind: 'postgres' | 'cache') => catalog.services.some((s) => s.needs[kind]);
  const keyArn = (n: number) => arn('kms', `key/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`);
  const tokenKeyArn = (name: string) => keyArn(1 + env.tokens.keys.indexOf(name));
  return {
    network: { vpcId: 'vpc-00000000000000000', privateSubnetIds: ['subnet-00000000000000001', 'subnet-00000000000000002'] },
    loadBalancer: {
      arnSuffix: `app/${prefix}-alb/0000000000000000`,
      httpsListenerArn: arn('elasticloadbalancing', `listener/app/${prefix}-alb/0000000000000000/0000000000000000`),
      securityGroupId: 'sg-00000000000000001',
    },
    cluster: { arn: arn('ecs', `cluster/${prefix}`), name: prefix },
    serviceConnect: { namespaceArn: arn('servicediscovery', 'namespace/ns-placeholder0000000') },
    services: Object.fromEntries(
      catalog.services.map((s, i) => [s.name, { securityGroupId: `sg-1${String(i).padStart(16, '0')}` }]),
    ),
    callerKeys: Object.fromEntries(
      catalog.services.filter((s) => s.needs.calls?.length).map((s, i) => [s.name, keyArn(100 + i)]),
    ),
    kmsKeyArn: keyArn(0),
    alarmTopicArn: arn('sns', `${prefix}-alarms`),
    repositories: Object.fromEntries(
      catalog.services.map((s) => [
        s.name,
        {
          url: `${account}.dkr.ecr.${region}.amazonaws.com/${serviceRepositoryName(env.project, s.name)}`,
          arn: arn('ecr', `repository/${serviceRepositoryName(env.project, s.name)}`),
        },
      ]),
    ),
    tables: Object.fromEntries(
      allTables(catalog).map(({ table }) => [table.name, { name: `${prefix}-${table.name}`, arn: arn('dynamodb', `table/${prefix}-${table.name}`) }]),
    ),
    queues: Object.fromEntries(
      catalog.queues.map((q) => {
        const name = `${prefix}-${q.name}`;
        const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
        return [q.name, { url, arn: arn('sqs', name), name, dlqUrl: `${url}-dlq`, dlqName: `${name}-dlq` }];
      }),
    ),
    ...(needs('postgres')
      ? {
          postgres: {
            endpoint: `${prefix}.cluster-placeholder.${region}.rds.amazonaws.com`,
            securityGroupId: 'sg-00000000000000002',
            clusterResourceId: 'cluster-PLACEHOLDER0000000000000000',
            masterSecretArn: arn('secretsmanager', `secret:rds!cluster-00000000-0000-4000-8000-000000000000-AbCdEf`),
          },
        }
      : {}),
    ...(needs('cache')
      ? {
          cache: {
            primaryEndpoint: `master.${prefix}.placeholder.euw1.cache.amazonaws.com`,
            securityGroupId: 'sg-00000000000000003',
            replicationGroupId: prefix,
            arn: arn('elasticache', `replicationgroup:${prefix}`),
            iamUserId: `${prefix}-app`,
            iamUserArn: arn('elasticache', `user:${prefix}-app`),
          },
        }
      : {}),
    tokenKeys: {
      signingKeyArn: tokenKeyArn(env.tokens.signWith),
      verifyKeyArns: Object.fromEntries(env.tokens.keys.map((name) => [name, tokenKeyArn(name)])),
    },
  };
}

/** `loadBalancer.httpsListenerArn` → `load_balancer_https_listener_arn`; `tables.idempotency-keys.arn` → `tables_idempotency_keys_arn`. */
const outputName = (path: readonly string[]): string =>
  path
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase())
    .join('_');

/** Every leaf of the contract with its path. */
function leaves(value: unknown, path: string[] = []): { path: string[]; value: Leaf }[] {
  if (typeof value === 'string' || Array.isArray(value)) return [{ path, value: value as Leaf }];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => leaves(child, [...path, key]));
}

/** Output name → value, as the platform stack publishes them. */
export const contractOutputs = (contract: PlatformContract): Record<string, Leaf> =>
  Object.fromEntries(leaves(contract).map(({ path, value }) => [outputName(path), value]));

/** Writes every contract value as a Terraform output of the platform stack. */
export function publishPlatformContract(scope: Construct, contract: PlatformContract): void {
  for (const [name, value] of Object.entries(contractOutputs(contract))) {
    new TerraformOutput(scope, name, { value, description: 'platform contract (modules/stacks/platform-contract.ts)' });
  }
}

/**
 * Validation mode: where a service stack finds its platform's state, relative to the synthesized
 * stacks directory — the platform stack's own local state file (see stack-setup.ts).
 */
export const validationPlatformState = (env: EnvironmentName): { readonly stackDir: string; readonly file: string } => ({
  stackDir: platformStackName(env),
  file: LOCAL_STATE_FILE,
});

export interface ReadContractOptions {
  readonly catalog: Catalog;
  readonly environment: ContractEnvironment;
  readonly validationMode: boolean;
  /** Real mode: the platform's S3 state. */
  readonly state: { readonly bucket: string; readonly region?: string };
}

/**
 * The platform's contract as this stack sees it: each value a reference into the platform's remote
 * state. In validation mode the state is the platform stack's local state file next door (the
 * validate harness seeds an empty one), and missing outputs fall back to the placeholders.
 */
export function readPlatformContract(scope: Construct, options: ReadContractOptions): PlatformContract {
  const { environment } = options;
  const placeholders = placeholderContract(options.catalog, environment);
  const local = validationPlatformState(environment.name);
  const state = options.validationMode
    ? new DataTerraformRemoteStateLocal(scope, 'platform', {
        path: `../${local.stackDir}/${local.file}`,
        defaults: contractOutputs(placeholders),
      })
    : new DataTerraformRemoteStateS3(scope, 'platform', {
        bucket: options.state.bucket,
        key: platformStateKey(environment.name),
        region: options.state.region ?? environment.region,
      });
  const read = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') return state.getString(outputName(path));
    if (Array.isArray(value)) return state.getList(outputName(path));
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, child]) => [k, read(child, [...path, k])]));
  };
  return read(placeholders, []) as PlatformContract;
}
