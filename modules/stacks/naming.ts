/**
 * Names and state keys of every stack: one owner, read by main.ts, the service stacks' remote
 * state, the delivery pipelines, the CI roles' state permissions and the plan workflow.
 */
import type { EnvironmentName } from '../../services/catalog';

/** `<env>-platform`: network, data stores, queues, ALB, cluster, ECR, alarm topic, environment dashboard. */
export const platformStackName = (env: EnvironmentName): string => `${env}-platform`;

/** `<env>-<service>`: everything that belongs to one catalog service alone. */
export const serviceStackName = (env: EnvironmentName, service: string): string => `${env}-${service}`;

/** Per-account bootstrap: state bucket, GitHub OIDC provider, CI roles. */
export const bootstrapStackName = (env: EnvironmentName): string => `bootstrap-${env}`;

/** The delivery stack (tooling account): connection, artifact bucket, one pipeline per service + platform. */
export const DELIVERY_STACK_NAME = 'delivery';

/** S3 state key of an environment's platform stack. */
export const platformStateKey = (env: EnvironmentName): string => `${env}/platform.tfstate`;

/** S3 state key of a service stack. */
export const serviceStateKey = (env: EnvironmentName, service: string): string => `${env}/services/${service}.tfstate`;

/** Terraform variable of a service stack carrying the image tag (one per stack). */
export const IMAGE_TAG_VARIABLE = 'image_tag';
