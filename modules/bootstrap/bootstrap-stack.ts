/**
 * `bootstrap-<env>`: what an environment account needs before any pipeline or pull-request plan
 * can reach it. The state bucket named by the environment's `state.bucket` (with its CMK), the
 * GitHub OIDC provider and CI roles, the service-role boundary, and one deploy role per delivery
 * unit, trusted only by that unit's deploy job in the tooling account. Applied once on local
 * state, then migrated into the bucket it created (docs/delivery.md).
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Catalog } from '../../services/catalog';
import { ciTags, type DeliveryConfig, type DeliveryEnvironment } from '../delivery/config';
import { BOOTSTRAP_STATE_KEY } from '../delivery/names';
import { deliveryUnits } from '../delivery/units';
import { configureStack } from '../stacks/stack-setup';
import { PlatformDeployRole, ServiceDeployRole } from './deploy-roles';
import { GithubCi } from './github-ci';
import { ServiceRoleBoundary } from './service-role-boundary';
import { StateBackend } from './state-backend';

export interface BootstrapStackProps {
  readonly environment: DeliveryEnvironment;
  readonly delivery: DeliveryConfig;
  readonly catalog: Catalog;
  readonly validationMode: boolean;
}

export class BootstrapStack extends TerraformStack {
  readonly state: StateBackend;
  readonly github: GithubCi;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { environment: env, delivery } = props;
    // The state bucket lives in the state region; IAM is global, so that is the stack's region.
    const stateRegion = env.state.region ?? env.region;
    configureStack(this, {
      validationMode: props.validationMode,
      accountId: env.accountId,
      region: stateRegion,
      tags: ciTags(env.name, env.project, env.costCenter),
      state: { bucket: env.state.bucket, key: BOOTSTRAP_STATE_KEY, region: stateRegion },
    });

    this.state = new StateBackend(this, 'state', {
      bucketName: env.state.bucket,
      accountId: env.accountId,
      region: stateRegion,
      noncurrentVersionExpirationDays: delivery.stateNoncurrentVersionDays,
    });
    this.github = new GithubCi(this, 'github', {
      repository: delivery.repository,
      deployEnvironment: env.name,
      state: this.state,
      stateRegion,
    });
    const boundary = new ServiceRoleBoundary(this, 'service-role-boundary', { accountId: env.accountId });

    const deployRoles = deliveryUnits(props.catalog).map((unit) => {
      const roleProps = {
        unit,
        env: env.name,
        accountId: env.accountId,
        region: env.region,
        project: env.project,
        toolingAccountId: delivery.accountId,
        state: this.state,
        stateRegion,
      };
      return unit.service
        ? new ServiceDeployRole(this, `deploy-${unit.name}`, { ...roleProps, service: unit.service, boundaryArn: boundary.arn }).role
        : new PlatformDeployRole(this, `deploy-${unit.name}`, roleProps).role;
    });

    new TerraformOutput(this, 'state_bucket', { value: this.state.bucketName });
    new TerraformOutput(this, 'github_plan_role_arn', { value: this.github.planRole.arn });
    new TerraformOutput(this, 'github_deploy_role_arn', { value: this.github.deployRole.arn });
    new TerraformOutput(this, 'deploy_role_arns', { value: deployRoles.map((role) => role.arn) });
  }
}
