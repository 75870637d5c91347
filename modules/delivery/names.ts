/**
 * Names of the delivery system: the CI identities the bootstrap stack creates in every environment
 * account, the pipelines and roles of the tooling account, and the state keys of the two
 * account-level stacks. One owner, read by modules/bootstrap, modules/delivery and the tests.
 * (Stack names and the environment stacks' state keys live in modules/stacks/naming.ts.)
 */
import type { EnvironmentName } from '../../services/catalog';

/** State key of `bootstrap-<env>`, in the bucket that stack creates (apply on local state first, then migrate). */
export const BOOTSTRAP_STATE_KEY = 'bootstrap.tfstate';
/** State key of the delivery stack, in the tooling account's state bucket (which that stack creates). */
export const DELIVERY_STATE_KEY = 'delivery.tfstate';

/**
 * Every CI identity in an account starts with `ci-`. No role a pipeline deploys with may write IAM
 * under this prefix, so no deploy can widen its own permissions.
 */
export const CI_PREFIX = 'ci-';
/** Assumed by pull-request plans (read-only + state read). */
export const GITHUB_PLAN_ROLE = 'ci-github-plan';
/** Assumed from the account's GitHub environment to apply the account's own CI stack (bootstrap or delivery). */
export const GITHUB_DEPLOY_ROLE = 'ci-github-deploy';
/** Permissions boundary every service role must carry (what a service may ever do). */
export const SERVICE_ROLE_BOUNDARY = 'ci-service-role-boundary';
/** GitHub environment whose deployments may assume the tooling account's deploy role. */
export const TOOLING_GITHUB_ENVIRONMENT = 'tooling';

/** The environment-account role a unit's pipeline deploys with, e.g. `ci-prod-user-deploy`. */
export const deployRoleName = (env: EnvironmentName, unit: string): string => `${CI_PREFIX}${env}-${unit}-deploy`;

/** Physical-name prefix of everything a service owns in an environment, e.g. `platform-prod-user`. */
export const serviceResourcePrefix = (project: string, env: EnvironmentName, service: string): string => `${project}-${env}-${service}`;

/** Physical-name prefix of everything the platform stack owns in an environment, e.g. `platform-prod`. */
export const platformResourcePrefix = (project: string, env: EnvironmentName): string => `${project}-${env}`;

/** ECR repository of a service in every environment account (the platform stack creates it). */
export const serviceRepositoryName = (project: string, service: string): string => `${project}/${service}`;

/** CodePipeline of a delivery unit in the tooling account, e.g. `platform-user`. */
export const pipelineName = (project: string, unit: string): string => `${project}-${unit}`;

/**
 * CodePipeline stores a pipeline's artifacts under the first 20 characters of its name; the
 * pipeline's roles are scoped to that folder, so two pipelines must never share it.
 */
export const ARTIFACT_FOLDER_LENGTH = 20;
export const artifactFolder = (pipeline: string): string => pipeline.slice(0, ARTIFACT_FOLDER_LENGTH);

/** What a tooling-account role of a pipeline does. */
export type PipelineJob = 'pipeline' | 'build' | `deploy-${EnvironmentName}`;

/** Tooling-account role (and CodeBuild project) of one job of a unit's pipeline, e.g. `platform-user-deploy-prod`. */
export const pipelineJobName = (project: string, unit: string, job: PipelineJob): string => `${pipelineName(project, unit)}-${job}`;

/** Alias of the CMK that encrypts an account's Terraform state (created by the account's CI stack). */
export const STATE_KEY_ALIAS = 'ci-terraform-state';

/**
 * `kms_key_id` for the S3 backends of an account. The backend's `encrypt = true` alone sends an
 * SSE-S3 header, which the state bucket refuses: state objects must be encrypted with the CMK.
 */
export const stateKmsKeyId = (accountId: string, region: string): string => `arn:aws:kms:${region}:${accountId}:alias/${STATE_KEY_ALIAS}`;

/** ARN of a pipeline job's role in the tooling account (what an environment's deploy role trusts). */
export const pipelineJobRoleArn = (toolingAccountId: string, project: string, unit: string, job: PipelineJob): string =>
  `arn:aws:iam::${toolingAccountId}:role/${pipelineJobName(project, unit, job)}`;

/** ARN of a unit's deploy role in an environment account (what the tooling job assumes). */
export const deployRoleArn = (accountId: string, env: EnvironmentName, unit: string): string =>
  `arn:aws:iam::${accountId}:role/${deployRoleName(env, unit)}`;
