/**
 * The delivery configuration: the tooling account that runs the pipelines and the settings of the
 * CI system in every account. A zod schema (shape + defaults) and named cross-field rules; every
 * failure is one message naming the field and the rule, e.g.
 * `delivery: accountId: the tooling account must not host an environment (dev) (rule: tooling-account-separate)`.
 */
import { z } from 'zod';
import { ENVIRONMENT_NAMES, type Catalog, type EnvironmentName } from '../services/catalog';
import { LOG_RETENTION_DAYS } from '../modules/observability/log-retention';
import { artifactFolder, pipelineName } from '../modules/delivery/names';
import { deliveryUnits, PLATFORM_UNIT } from '../modules/delivery/units';
import { EnvironmentConfigError, type EnvironmentConfig } from './schema';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');
const armComputeType = z.enum(['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_LARGE']);

export const deliverySchema = z.strictObject({
  /** The tooling account: connection, artifact bucket, pipelines. */
  accountId,
  region,
  costCenter: z.string().min(1),
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,20}$/)
    .default('platform'),
  repository: z.strictObject({
    owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'must be a GitHub account or organization name'),
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a GitHub repository name'),
  }),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,255}$/)
    .default('main'),
  /** The tooling account's state bucket, in `region` (the delivery stack creates it). */
  state: z.strictObject({ bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/) }),
  approvalBefore: z.array(z.enum(ENVIRONMENT_NAMES)).default(['prod']),
  codebuild: z
    .strictObject({
      image: z.string().min(1).default('aws/codebuild/amazonlinux-aarch64-standard:3.0'),
      buildComputeType: armComputeType.default('BUILD_GENERAL1_LARGE'),
      deployComputeType: armComputeType.default('BUILD_GENERAL1_SMALL'),
      buildTimeoutMinutes: z.number().int().min(5).max(480).default(60),
      deployTimeoutMinutes: z.number().int().min(5).max(480).default(60),
    })
    .default({
      image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
      buildComputeType: 'BUILD_GENERAL1_LARGE',
      deployComputeType: 'BUILD_GENERAL1_SMALL',
      buildTimeoutMinutes: 60,
      deployTimeoutMinutes: 60,
    }),
  artifactExpirationDays: z.number().int().min(1).default(30),
  stateNoncurrentVersionDays: z.number().int().min(1).default(90),
  logRetentionDays: z.number().int().default(365),
});

export type DeliveryInput = z.input<typeof deliverySchema>;
export type DeliveryConfig = z.output<typeof deliverySchema>;

interface Violation {
  readonly field: string;
  readonly message: string;
}

interface DeliveryRule {
  readonly id: string;
  check(config: DeliveryConfig, environments: readonly EnvironmentConfig[], catalog: Catalog): Violation | undefined;
}

const firstDuplicate = <T>(items: readonly T[], key: (item: T) => string): [T, T] | undefined => {
  for (const [i, item] of items.entries()) {
    const other = items.slice(0, i).find((earlier) => key(earlier) === key(item));
    if (other) return [other, item];
  }
  return undefined;
};

export const DELIVERY_RULES: readonly DeliveryRule[] = [
  {
    id: 'tooling-account-separate',
    check: (c, envs) => {
      const shared = envs.find((e) => e.accountId === c.accountId);
      return shared ? { field: 'accountId', message: `the tooling account must not host an environment (${shared.name})` } : undefined;
    },
  },
  {
    // One bootstrap stack per account: two environments in one account would create the GitHub
    // OIDC provider and the CI roles twice.
    id: 'one-environment-per-account',
    check: (_c, envs) => {
      const pair = firstDuplicate(envs, (e) => e.accountId);
      return pair
        ? { field: `environments.${pair[1].name}.accountId`, message: `shares account ${pair[1].accountId} with ${pair[0].name}` }
        : undefined;
    },
  },
  {
    id: 'distinct-state-buckets',
    check: (c, envs) => {
      const tooling = envs.find((e) => e.state.bucket === c.state.bucket);
      if (tooling) return { field: 'state.bucket', message: `${c.state.bucket} is also the state bucket of ${tooling.name}` };
      const pair = firstDuplicate(envs, (e) => e.state.bucket);
      return pair
        ? {
            field: `environments.${pair[1].name}.state.bucket`,
            message: `${pair[1].state.bucket} is also the state bucket of ${pair[0].name}`,
          }
        : undefined;
    },
  },
  {
    // Role patterns (`<project>-<env>-<service>-*`), repository names and pipelines assume one project.
    id: 'one-project',
    check: (c, envs) => {
      const other = envs.find((e) => e.project !== c.project);
      return other ? { field: 'project', message: `is "${c.project}" but ${other.name} uses "${other.project}"` } : undefined;
    },
  },
  {
    id: 'prod-approval',
    check: (c) =>
      c.approvalBefore.includes('prod') ? undefined : { field: 'approvalBefore', message: 'prod deploys need a manual approval' },
  },
  {
    id: 'arm-build-image',
    check: (c) =>
      /aarch64|arm64/.test(c.codebuild.image)
        ? undefined
        : { field: 'codebuild.image', message: 'must be an aarch64 image: the tasks are ARM64 and images are built natively' },
  },
  {
    id: 'log-retention-allowed',
    check: (c) =>
      (LOG_RETENTION_DAYS as readonly number[]).includes(c.logRetentionDays)
        ? undefined
        : {
            field: 'logRetentionDays',
            message: `${c.logRetentionDays} is not a CloudWatch Logs retention value (${LOG_RETENTION_DAYS.join(', ')})`,
          },
  },
  {
    // A deploy role may pass and write the roles `<project>-<env>-<service>-*`: a service named
    // like another plus a suffix (`user` and `user-admin`) would reach the other's roles.
    id: 'service-names-unambiguous',
    check: (_c, _envs, catalog) => {
      const names = catalog.services.map((s) => s.name);
      if (names.includes(PLATFORM_UNIT))
        return { field: `services.${PLATFORM_UNIT}`, message: 'the name is taken by the platform stack and pipeline' };
      for (const name of names) {
        const reached = names.find((other) => other !== name && other.startsWith(`${name}-`));
        if (reached)
          return { field: `services.${reached}`, message: `starts with "${name}-": ${name}'s role patterns would reach its roles` };
      }
      return undefined;
    },
  },
  {
    id: 'artifact-folders-distinct',
    check: (c, _envs, catalog) => {
      const pipelines = deliveryUnits(catalog).map((u) => pipelineName(c.project, u.name));
      const pair = firstDuplicate(pipelines, artifactFolder);
      return pair
        ? {
            field: 'project',
            message: `pipelines ${pair[0]} and ${pair[1]} share the artifact folder "${artifactFolder(
              pair[0],
            )}" (CodePipeline keeps 20 characters)`,
          }
        : undefined;
    },
  },
];

/** Parses and checks the delivery config against the environments and the catalog; throws the first problem. */
export function loadDeliveryConfig(
  input: unknown,
  environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>,
  catalog: Catalog,
): DeliveryConfig {
  const parsed = deliverySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new EnvironmentConfigError(`delivery: ${field}: ${issue.message} (rule: schema)`);
  }
  const config = parsed.data;
  const envs = ENVIRONMENT_NAMES.map((name) => environments[name]);
  for (const rule of DELIVERY_RULES) {
    const violation = rule.check(config, envs, catalog);
    if (violation) throw new EnvironmentConfigError(`delivery: ${violation.field}: ${violation.message} (rule: ${rule.id})`);
  }
  return config;
}
