/**
 * `delivery`: the tooling account (docs/decisions/0012). Its own state bucket and GitHub CI roles
 * (like an environment's bootstrap), the CodeConnections connection to GitHub, a KMS-encrypted
 * artifact bucket, and one CodePipeline per delivery unit: the platform and each catalog service.
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { CodeconnectionsConnection } from '@cdktf/provider-aws/lib/codeconnections-connection';
import type { Catalog } from '../../services/catalog';
import { GithubCi } from '../bootstrap/github-ci';
import { SecureBucket } from '../bootstrap/secure-bucket';
import { StateBackend } from '../bootstrap/state-backend';
import { KmsKey } from '../security/kms-key';
import { configureStack } from '../stacks/stack-setup';
import { ciTags, type DeliveryConfig, type DeliveryEnvironment } from './config';
import { DELIVERY_STATE_KEY, TOOLING_GITHUB_ENVIRONMENT } from './names';
import { deliveryUnits } from './units';
import { UnitPipeline } from './unit-pipeline';

export interface DeliveryStackProps {
  readonly delivery: DeliveryConfig;
  /** Deploy targets in promotion order. */
  readonly environments: readonly DeliveryEnvironment[];
  readonly catalog: Catalog;
  readonly validationMode: boolean;
}

export class DeliveryStack extends TerraformStack {
  readonly pipelines: readonly UnitPipeline[];
  readonly github: GithubCi;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id);
    const { delivery } = props;
    configureStack(this, {
      validationMode: props.validationMode,
      accountId: delivery.accountId,
      region: delivery.region,
      tags: ciTags('tooling', delivery.project, delivery.costCenter),
      state: { bucket: delivery.state.bucket, key: DELIVERY_STATE_KEY },
    });

    const state = new StateBackend(this, 'state', {
      bucketName: delivery.state.bucket,
      accountId: delivery.accountId,
      region: delivery.region,
      noncurrentVersionExpirationDays: delivery.stateNoncurrentVersionDays,
    });
    this.github = new GithubCi(this, 'github', {
      repository: delivery.repository,
      deployEnvironment: TOOLING_GITHUB_ENVIRONMENT,
      state,
      stateRegion: delivery.region,
    });

    const key = new KmsKey(this, 'artifact-key', {
      name: `${delivery.project}-delivery`,
      description: `${delivery.project} delivery: pipeline artifacts and build logs`,
      accountId: delivery.accountId,
      region: delivery.region,
      serviceUse: { logs: true },
    });
    const artifacts = new SecureBucket(this, 'artifacts', {
      name: `${delivery.project}-delivery-artifacts-${delivery.accountId}`,
      kmsKey: key,
      expirationDays: delivery.artifactExpirationDays,
      noncurrentVersionExpirationDays: 1,
      preventDestroy: false,
    });
    // Created PENDING: someone with GitHub admin rights completes the handshake once in the console.
    const connection = new CodeconnectionsConnection(this, 'github-connection', {
      name: `${delivery.project}-github`,
      providerType: 'GitHub',
    });

    this.pipelines = deliveryUnits(props.catalog).map(
      (unit) =>
        new UnitPipeline(this, `pipeline-${unit.name}`, {
          unit,
          delivery,
          environments: props.environments,
          connectionArn: connection.arn,
          artifactBucket: { arn: artifacts.arn, name: artifacts.bucketName },
          key,
        }),
    );

    new TerraformOutput(this, 'connection_arn', {
      value: connection.arn,
      description: 'Complete the GitHub handshake once in the console',
    });
    new TerraformOutput(this, 'pipelines', { value: this.pipelines.map((p) => p.pipelineName) });
    new TerraformOutput(this, 'github_plan_role_arn', { value: this.github.planRole.arn });
  }
}
