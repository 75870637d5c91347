/**
 * What the delivery and bootstrap stacks need. Structurally the output of envs/delivery-schema.ts
 * and envs/schema.ts, declared here so modules never import envs/ (main.ts passes the values in).
 */
import type { EnvironmentName } from '../../services/catalog';

export type ArmComputeType = 'BUILD_GENERAL1_SMALL' | 'BUILD_GENERAL1_LARGE';

/** The tooling account and the settings of the delivery system. */
export interface DeliveryConfig {
  readonly accountId: string;
  readonly region: string;
  readonly costCenter: string;
  readonly project: string;
  /** The GitHub repository the pipelines build and the OIDC roles trust. */
  readonly repository: { readonly owner: string; readonly name: string };
  readonly branch: string;
  /** The tooling account's state bucket, in `region` (created by the delivery stack itself). */
  readonly state: { readonly bucket: string };
  /** Environments whose deploy waits for a manual approval. */
  readonly approvalBefore: readonly EnvironmentName[];
  readonly codebuild: {
    /** An aarch64 CodeBuild image (the tasks are ARM64; images are built natively). */
    readonly image: string;
    readonly buildComputeType: ArmComputeType;
    readonly deployComputeType: ArmComputeType;
    readonly buildTimeoutMinutes: number;
    readonly deployTimeoutMinutes: number;
  };
  /** Pipeline artifacts (source, cdktf.out, image archive) expire after this many days. */
  readonly artifactExpirationDays: number;
  /** Superseded state versions are kept this many days (state rollback window), in every account. */
  readonly stateNoncurrentVersionDays: number;
  /** CodeBuild logs. */
  readonly logRetentionDays: number;
}

/** What the delivery side needs of one environment (structurally envs/schema.ts's output). */
export interface DeliveryEnvironment {
  readonly name: EnvironmentName;
  readonly accountId: string;
  readonly region: string;
  readonly costCenter: string;
  readonly project: string;
  readonly state: { readonly bucket: string; readonly region?: string };
}

/** `default_tags` of the account-level stacks (same keys as the environment stacks). */
export const ciTags = (environment: string, project: string, costCenter: string): Record<string, string> => ({
  Environment: environment,
  Service: project,
  ManagedBy: 'cdktf',
  CostCenter: costCenter,
});
