/**
 * What the stacks need from an environment. Structurally the output of envs/schema.ts, declared
 * here so modules never import envs/ (the composition root, main.ts, passes it in); field types
 * reuse the module props' where a module owns the fact.
 */
import type { EnvironmentName } from '../../services/catalog';
import { platformResourcePrefix } from '../delivery/names';
import type { CacheProps } from '../cache/cache';
import type { PriceClass } from '../edge/edge-contract';
import type { NetworkProps } from '../network/network';

export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  readonly accountId: string;
  readonly region: string;
  readonly costCenter: string;
  readonly project: string;
  readonly domain: string;
  readonly hostedZoneId: string;
  /** Imported ALB certificate; unset = requested and DNS-validated by the platform stack. */
  readonly certificateArn?: string;
  readonly sesIdentityArn: string;
  readonly state: { readonly bucket: string; readonly region?: string };
  readonly logLevel: string;
  readonly network: { readonly vpcCidr: string } & Pick<
    NetworkProps,
    | 'availabilityZones'
    | 'publicSubnetCidrs'
    | 'privateSubnetCidrs'
    | 'isolatedSubnetCidrs'
    | 'natGateways'
    | 'interfaceEndpoints'
    | 'flowLogRetentionDays'
  >;
  readonly loadBalancer: {
    readonly deletionProtection: boolean;
    readonly accessLogs: boolean;
    readonly accessLogExpirationDays: number;
    readonly idleTimeoutSeconds: number;
  };
  readonly edge: {
    readonly originFacingPrefixListId: string;
    readonly priceClass: PriceClass;
    readonly staticPathPattern: string;
    readonly wafRateLimitPer5Minutes: number;
    readonly viewerCertificateArn?: string;
  };
  readonly aurora: {
    readonly engineVersion: string;
    readonly minCapacityAcu: number;
    readonly maxCapacityAcu: number;
    readonly readers: number;
    readonly deletionProtection: boolean;
    readonly backupRetentionDays: number;
    readonly monitoringIntervalSeconds: number;
  };
  readonly dynamodb: { readonly deletionProtection: boolean };
  readonly cache: Pick<CacheProps, 'engine' | 'engineVersion' | 'nodeType' | 'replicas' | 'multiAz' | 'snapshotRetentionDays'>;
  readonly compute: { readonly spotSharePercent: number; readonly healthCheckGraceSeconds: number };
  readonly tokens: { readonly keys: readonly string[]; readonly signWith: string };
  readonly observability: { readonly logRetentionDays: number; readonly alarmEmail?: string; readonly traceSamplePercent: number };
}

/** `<project>-<env>`, the prefix of every physical name in the environment. */
export const namePrefix = (env: Pick<EnvironmentSettings, 'project' | 'name'>): string => platformResourcePrefix(env.project, env.name);

/** Tags on every resource of every stack of the environment (`Service` is set per stack). */
export const environmentTags = (env: EnvironmentSettings, service: string): Record<string, string> => ({
  Environment: env.name,
  Service: service,
  ManagedBy: 'cdktf',
  CostCenter: env.costCenter,
});
