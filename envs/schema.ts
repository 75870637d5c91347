/**
 * Environment configuration: a zod schema (shape + defaults) and cross-field rules.
 *
 * `envs/` knows nothing of constructs: it exports plain, validated data. Every failure is ONE
 * message naming the environment, the field and the rule, e.g.
 * `prod: network.availabilityZones: prod needs at least 2 availability zones (rule: prod-multi-az)`.
 */
import { z } from 'zod';
import { ENVIRONMENT_NAMES, type Catalog, type EnvironmentName } from '../services/catalog';
import { LOG_RETENTION_DAYS } from '../modules/observability/log-retention';
import { DEFAULT_STATIC_PATH_PATTERN, EDGE_REGION, PRICE_CLASSES, staticUrlPrefix } from '../modules/edge/edge-contract';
import { fargateSizingProblem } from '../services/catalog-validation';


const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');
const cidr = z.cidrv4();
const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws:${service}:[a-z0-9-]+:\\d{12}:.+$`), `must be an ${service} ARN`);

export const environmentSchema = z.strictObject({
  name: z.enum(ENVIRONMENT_NAMES),
  accountId,
  region,
  /** Tag `CostCenter` on every resource. */
  costCenter: z.string().min(1),
  /** Prefix of physical resource names: `<project>-<env>` (e.g. `platform-prod-payments`). */
  project: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/).default('platform'),
  /** The API's public name: CloudFront's alias, A/AAAA records in `hostedZoneId`. */
  domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name such as api.example.com'),
  /** The Route 53 zone holding `domain`: API records and ACM validation records are written there. */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,31}$/, 'must be a Route 53 hosted zone id'),
  /**
   * Override: an imported ACM certificate for the ALB's HTTPS listener (region of the ALB, covering
   * `origin.<domain>`). Unset: a certificate is requested and validated in `hostedZoneId`.
   */
  certificateArn: arn('acm').optional(),
  /** SES identity the notification service may send from. */
  sesIdentityArn: arn('ses'),
  /** S3 backend (real mode only). */
  state: z.strictObject({ bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/), region: region.optional() }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  network: z.strictObject({
    vpcCidr: cidr,
    availabilityZones: z.array(z.string()).min(1),
    publicSubnetCidrs: z.array(cidr),
    privateSubnetCidrs: z.array(cidr),
    isolatedSubnetCidrs: z.array(cidr),
    natGateways: z.enum(['single', 'per-az']).default('per-az'),
    /** Interface endpoints keep ECR/Logs/Secrets/SQS/KMS traffic off the NAT gateways. */
    interfaceEndpoints: z.boolean().default(true),
    flowLogRetentionDays: z.number().int().default(90),
  }),
  loadBalancer: z.strictObject({
    deletionProtection: z.boolean().default(true),
    accessLogs: z.boolean().default(true),
    /** Days before access-log objects expire. */
    accessLogExpirationDays: z.number().int().positive().default(90),
    idleTimeoutSeconds: z.number().int().min(1).max(4000).default(60),
  }),
  /** CloudFront in front of the internal ALB (modules/edge). */
  edge: z.strictObject({
    /**
     * Id of the AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` in this
     * environment's region (ids differ per region): the only source the ALB admits. Look it up with
     * `aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`.
     */
    originFacingPrefixListId: z.string().regex(/^pl-[0-9a-f]{8,17}$/, 'must be a managed prefix list id such as pl-4fa04526'),
    /** Which edge locations serve viewers (and what they cost). */
    priceClass: z.enum(PRICE_CLASSES).default('PriceClass_100'),
    /** Paths served from the static-assets bucket instead of the API. */
    staticPathPattern: z
      .string()
      .regex(/^(\/[a-z0-9._-]+)+\/\*$/, 'must be a path prefix ending in /*, such as /static/*')
      .default(DEFAULT_STATIC_PATH_PATTERN),
    /** WAF rate-based rule: requests per client IP per 5 minutes. */
    wafRateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).default(2000),
    /** Override: an imported ACM certificate in us-east-1 for `domain`. Unset: requested and DNS-validated. */
    viewerCertificateArn: arn('acm').optional(),
  }),
  aurora: z.strictObject({
    engineVersion: z.string().default('16.8'),
    minCapacityAcu: z.number().min(0).max(256).default(0.5),
    maxCapacityAcu: z.number().min(1).max(256).default(4),
    /** Reader instances besides the writer, placed in other AZs. */
    readers: z.number().int().min(0).max(15).default(0),
    deletionProtection: z.boolean().default(true),
    backupRetentionDays: z.number().int().min(1).max(35).default(7),
    /** Enhanced Monitoring granularity in seconds (0 = off). */
    monitoringIntervalSeconds: z.literal([0, 1, 5, 10, 15, 30, 60]).default(60),
  }),
  dynamodb: z.strictObject({ deletionProtection: z.boolean().default(true) }),
  cache: z.strictObject({
    engine: z.enum(['valkey', 'redis']).default('valkey'),
    engineVersion: z.string().default('8.0'),
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/).default('cache.t4g.micro'),
    /** Read replicas besides the primary. */
    replicas: z.number().int().min(0).max(5).default(0),
    /** Multi-AZ with automatic failover (ElastiCache couples the two). */
    multiAz: z.boolean().default(false),
    snapshotRetentionDays: z.number().int().min(0).max(35).default(1),
  }),
  compute: z.strictObject({
    /** Share of tasks (percent) on FARGATE_SPOT; the rest on FARGATE. */
    spotSharePercent: z.number().int().min(0).max(100).default(0),
    healthCheckGraceSeconds: z.number().int().min(0).max(2_147_483_647).default(60),
  }),
  /**
   * Access-token signing keys (KMS, ES256; docs/decisions/0008), by stable name. Every key listed
   * verifies; `signWith` signs. Rollover: add a key, deploy; switch `signWith`, deploy the issuer;
   * remove the old key once its last tokens expired.
   */
  tokens: z
    .strictObject({
      keys: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'must be a short kebab-case name')).min(1).max(3),
      signWith: z.string(),
    })
    .default({ keys: ['k1'], signWith: 'k1' }),
  observability: z.strictObject({
    logRetentionDays: z.number().int().default(30),
    /** Address subscribed to the alarm topic (none: subscribe out of band). */
    alarmEmail: z.email().optional(),
    /** Percentage of error-free traces kept by the collector's tail sampling (errors are always kept). */
    traceSamplePercent: z.number().min(0).max(100).default(100),
  }),
});

/** What the env files write (defaults may be omitted). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** What the stack receives (defaults applied, rules checked). */
export type EnvironmentConfig = z.output<typeof environmentSchema>;

export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
}

interface Violation {
  readonly field: string;
  readonly message: string;
}

interface Rule {
  readonly id: string;
  check(config: EnvironmentConfig, catalog: Catalog): Violation | undefined;
}

const isProd = (c: EnvironmentConfig) => c.name === 'prod';

/**
 * Whether an ALB path pattern can match a path under `prefix` (CloudFront would then send that
 * API path to the static bucket): an exact pattern inside the prefix, or a wildcard pattern whose
 * literal start and the prefix are one the other's prefix.
 */
const routeReaches = (pattern: string, prefix: string): boolean => {
  const wildcard = pattern.search(/[*?]/);
  if (wildcard === -1) return pattern.startsWith(prefix);
  const literal = pattern.slice(0, wildcard);
  return literal.startsWith(prefix) || prefix.startsWith(literal);
};

const cidrRange = (block: string): [number, number] => {
  const [ip, bits] = block.split('/');
  const base = ip!.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return [base, base + size - 1];
};

const subnetLists = (c: EnvironmentConfig) =>
  [
    ['publicSubnetCidrs', c.network.publicSubnetCidrs],
    ['privateSubnetCidrs', c.network.privateSubnetCidrs],
    ['isolatedSubnetCidrs', c.network.isolatedSubnetCidrs],
  ] as const;

/** First element failing `test`, as a violation at `field`. */
const firstFailing = <T>(items: readonly T[], test: (item: T) => string | undefined, field: (item: T) => string) => {
  for (const item of items) {
    const message = test(item);
    if (message) return { field: field(item), message };
  }
  return undefined;
};

const effectiveSizing = (c: EnvironmentConfig, catalog: Catalog) =>
  catalog.services.map((s) => ({ service: s.name, sizing: s.sizing[c.name] }));

export const ENVIRONMENT_RULES: readonly Rule[] = [
  {
    id: 'subnets-per-az',
    check: (c) =>
      firstFailing(
        subnetLists(c),
        ([, list]) =>
          list.length === c.network.availabilityZones.length
            ? undefined
            : `needs one subnet per availability zone (${c.network.availabilityZones.length}), got ${list.length}`,
        ([key]) => `network.${key}`,
      ),
  },
  {
    id: 'az-in-region',
    check: (c) =>
      firstFailing(
        c.network.availabilityZones,
        (az) => (new RegExp(`^${c.region}[a-z]$`).test(az) ? undefined : `${az} is not an availability zone of ${c.region}`),
        () => 'network.availabilityZones',
      ),
  },
  {
    id: 'unique-azs',
    check: (c) =>
      new Set(c.network.availabilityZones).size === c.network.availabilityZones.length
        ? undefined
        : { field: 'network.availabilityZones', message: 'availability zones must be distinct' },
  },
  {
    id: 'subnet-in-vpc',
    check: (c) => {
      const [vpcStart, vpcEnd] = cidrRange(c.network.vpcCidr);
      const all = subnetLists(c).flatMap(([key, list]) => list.map((block, i) => ({ field: `network.${key}[${i}]`, block })));
      return firstFailing(
        all,
        ({ block }) => {
          const [start, end] = cidrRange(block);
          return start >= vpcStart && end <= vpcEnd ? undefined : `${block} is outside the VPC ${c.network.vpcCidr}`;
        },
        ({ field }) => field,
      );
    },
  },
  {
    id: 'subnet-overlap',
    check: (c) => {
      const all = subnetLists(c).flatMap(([key, list]) => list.map((block, i) => ({ field: `network.${key}[${i}]`, block })));
      for (const [i, a] of all.entries()) {
        const [aStart, aEnd] = cidrRange(a.block);
        for (const b of all.slice(i + 1)) {
          const [bStart, bEnd] = cidrRange(b.block);
          if (aStart <= bEnd && bStart <= aEnd) return { field: b.field, message: `${b.block} overlaps ${a.field} (${a.block})` };
        }
      }
      return undefined;
    },
  },
  {
    id: 'log-retention-allowed',
    check: (c) =>
      firstFailing(
        [
          ['observability.logRetentionDays', c.observability.logRetentionDays],
          ['network.flowLogRetentionDays', c.network.flowLogRetentionDays],
        ] as const,
        ([, days]) =>
          (LOG_RETENTION_DAYS as readonly number[]).includes(days)
            ? undefined
            : `${days} is not a CloudWatch Logs retention value (${LOG_RETENTION_DAYS.join(', ')})`,
        ([field]) => field,
      ),
  },
  {
    id: 'certificate-region',
    check: (c) =>
      c.certificateArn === undefined || c.certificateArn.split(':')[3] === c.region
        ? undefined
        : { field: 'certificateArn', message: `the ALB certificate must be issued in ${c.region}` },
  },
  {
    id: 'viewer-certificate-us-east-1',
    check: (c) =>
      c.edge.viewerCertificateArn === undefined || c.edge.viewerCertificateArn.split(':')[3] === EDGE_REGION
        ? undefined
        : { field: 'edge.viewerCertificateArn', message: `CloudFront only uses certificates issued in ${EDGE_REGION}` },
  },
  {
    id: 'static-path-outside-api',
    check: (c, catalog) => {
      const prefix = staticUrlPrefix(c.edge.staticPathPattern);
      const routes = catalog.services.flatMap((s) => s.routes.flatMap((r) => r.pathPatterns.map((pattern) => ({ service: s.name, pattern }))));
      const clash = routes.find(({ pattern }) => routeReaches(pattern, prefix));
      return clash
        ? { field: 'edge.staticPathPattern', message: `${c.edge.staticPathPattern} overlaps route ${clash.pattern} of service ${clash.service}` }
        : undefined;
    },
  },
  {
    id: 'tokens-sign-with-listed-key',
    check: (c) =>
      c.tokens.keys.includes(c.tokens.signWith) && new Set(c.tokens.keys).size === c.tokens.keys.length
        ? undefined
        : { field: 'tokens.signWith', message: `must name one of the distinct tokens.keys (${c.tokens.keys.join(', ')})` },
  },
  {
    id: 'aurora-capacity',
    check: (c) =>
      c.aurora.minCapacityAcu <= c.aurora.maxCapacityAcu && (c.aurora.minCapacityAcu * 2) % 1 === 0
        ? undefined
        : { field: 'aurora.minCapacityAcu', message: 'must be a multiple of 0.5 ACU and not above maxCapacityAcu' },
  },
  {
    id: 'cache-failover-needs-replica',
    check: (c) =>
      c.cache.multiAz && c.cache.replicas < 1
        ? { field: 'cache.replicas', message: 'Multi-AZ with automatic failover needs at least 1 replica' }
        : undefined,
  },
  {
    id: 'fargate-sizing',
    check: (c, catalog) =>
      firstFailing(
        effectiveSizing(c, catalog),
        ({ sizing }) => fargateSizingProblem(sizing),
        ({ service }) => `services.${service}.sizing.${c.name}`,
      ),
  },
  {
    id: 'prod-multi-az',
    check: (c) =>
      isProd(c) && c.network.availabilityZones.length < 2
        ? { field: 'network.availabilityZones', message: 'prod needs at least 2 availability zones' }
        : undefined,
  },
  {
    id: 'prod-nat-per-az',
    check: (c) =>
      isProd(c) && c.network.natGateways !== 'per-az'
        ? { field: 'network.natGateways', message: 'prod needs one NAT gateway per availability zone' }
        : undefined,
  },
  {
    id: 'prod-aurora-reader',
    check: (c) =>
      isProd(c) && c.aurora.readers < 1
        ? { field: 'aurora.readers', message: 'prod needs an Aurora reader in another availability zone' }
        : undefined,
  },
  {
    id: 'prod-deletion-protection',
    check: (c) =>
      !isProd(c)
        ? undefined
        : firstFailing(
            [
              ['loadBalancer.deletionProtection', c.loadBalancer.deletionProtection],
              ['aurora.deletionProtection', c.aurora.deletionProtection],
              ['dynamodb.deletionProtection', c.dynamodb.deletionProtection],
            ] as const,
            ([, on]) => (on ? undefined : 'prod needs deletion protection'),
            ([field]) => field,
          ),
  },
  {
    id: 'prod-cache-failover',
    check: (c) =>
      isProd(c) && !c.cache.multiAz
        ? { field: 'cache.multiAz', message: 'prod needs a Multi-AZ cache with automatic failover' }
        : undefined,
  },
  {
    id: 'prod-min-tasks',
    check: (c, catalog) =>
      !isProd(c)
        ? undefined
        : firstFailing(
            effectiveSizing(c, catalog),
            ({ sizing }) => (sizing.minTasks >= 2 ? undefined : `prod needs minTasks >= 2, got ${sizing.minTasks}`),
            ({ service }) => `services.${service}.sizing.prod.minTasks`,
          ),
  },
  {
    id: 'prod-spot-share',
    check: (c) =>
      isProd(c) && c.compute.spotSharePercent > 50
        ? { field: 'compute.spotSharePercent', message: 'prod may run at most 50 % of tasks on Fargate Spot' }
        : undefined,
  },
  {
    id: 'prod-log-retention',
    check: (c) =>
      !isProd(c)
        ? undefined
        : firstFailing(
            [
              ['observability.logRetentionDays', c.observability.logRetentionDays],
              ['network.flowLogRetentionDays', c.network.flowLogRetentionDays],
            ] as const,
            ([, days]) => (days >= 365 ? undefined : `prod keeps logs at least 365 days, got ${days}`),
            ([field]) => field,
          ),
  },
  {
    id: 'prod-enhanced-monitoring',
    check: (c) =>
      isProd(c) && c.aurora.monitoringIntervalSeconds === 0
        ? { field: 'aurora.monitoringIntervalSeconds', message: 'prod needs Aurora Enhanced Monitoring (1..60 s)' }
        : undefined,
  },
  {
    id: 'prod-cache-snapshots',
    check: (c) =>
      isProd(c) && c.cache.snapshotRetentionDays < 1
        ? { field: 'cache.snapshotRetentionDays', message: 'prod keeps at least one daily cache snapshot' }
        : undefined,
  },
  {
    id: 'prod-access-logs',
    check: (c) =>
      isProd(c) && !c.loadBalancer.accessLogs
        ? { field: 'loadBalancer.accessLogs', message: 'prod needs ALB access logs' }
        : undefined,
  },
];

const zodFailure = (env: string, error: z.ZodError): EnvironmentConfigError => {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return new EnvironmentConfigError(`${env}: ${field}: ${issue.message} (rule: schema)`);
};

/**
 * Parses and checks one environment. `expectedName` guards against a file exporting another
 * environment's config. Throws an EnvironmentConfigError with the first problem found.
 */
export function loadEnvironment(expectedName: EnvironmentName, input: unknown, catalog: Catalog): EnvironmentConfig {
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) throw zodFailure(expectedName, parsed.error);
  const config = parsed.data;
  if (config.name !== expectedName) {
    throw new EnvironmentConfigError(`${expectedName}: name: is "${config.name}" (rule: name-matches-environment)`);
  }
  for (const rule of ENVIRONMENT_RULES) {
    const violation = rule.check(config, catalog);
    if (violation) throw new EnvironmentConfigError(`${config.name}: ${violation.field}: ${violation.message} (rule: ${rule.id})`);
  }
  return config;
}
