import { Construct } from 'constructs';
import { Codepipeline, type CodepipelineStage, type CodepipelineTriggerGitConfigurationPush } from '@cdktf/provider-aws/lib/codepipeline';
import { ServiceRole } from '../iam/service-role';
import { LogGroup } from '../observability/log-group';
import type { EnvironmentName } from '../../services/catalog';
import { CodebuildJob, grantArtifacts, type ArtifactStore } from './codebuild-job';
import type { DeliveryConfig, DeliveryEnvironment } from './config';
import { artifactFolder, deployRoleArn, pipelineJobName, pipelineName, serviceRepositoryName } from './names';
import type { DeliveryUnit } from './units';

/** Buildspecs, as paths in the pipeline's artifacts (files of the repository). */
export const BUILDSPEC = { build: 'delivery/buildspecs/build.yml', deploy: 'delivery/buildspecs/deploy.yml' } as const;

/** V2 push filters take at most 8 file paths each and a trigger at most 3 push filters. */
export const MAX_PATHS_PER_FILTER = 8;
export const MAX_PUSH_FILTERS = 3;

/** Pipeline variable an operator sets to `true` on a manual run to let the plan guard pass a destroy. */
export const ALLOW_DESTROY_VARIABLE = 'ALLOW_DESTROY';

const SOURCE_ACTION = 'Source';
const SOURCE_NAMESPACE = 'SourceVariables';
const COMMIT = `#{${SOURCE_NAMESPACE}.CommitId}`;

export interface UnitPipelineProps {
  readonly unit: DeliveryUnit;
  readonly delivery: DeliveryConfig;
  /** Deploy targets in promotion order (dev, staging, prod). */
  readonly environments: readonly DeliveryEnvironment[];
  readonly connectionArn: string;
  readonly artifactBucket: { readonly arn: string; readonly name: string };
  /** Encrypts artifacts and the CodeBuild logs. */
  readonly key: ArtifactStore['key'];
}

/** `paths` as push filters on `branch`: 8 paths per filter (any filter matching starts the pipeline). */
export function pushFilters(paths: readonly string[], branch: string): CodepipelineTriggerGitConfigurationPush[] {
  const filters: CodepipelineTriggerGitConfigurationPush[] = [];
  for (let i = 0; i < paths.length; i += MAX_PATHS_PER_FILTER) {
    filters.push({ branches: { includes: [branch] }, filePaths: { includes: paths.slice(i, i + MAX_PATHS_PER_FILTER) } });
  }
  if (filters.length === 0 || filters.length > MAX_PUSH_FILTERS) {
    throw new Error(`a V2 trigger takes 1..${MAX_PUSH_FILTERS * MAX_PATHS_PER_FILTER} file paths, got ${paths.length}`);
  }
  return filters;
}

const codebuildAction = (name: string, projectName: string, input: string, variables: Record<string, string>, output?: string) => ({
  name,
  category: 'Build',
  owner: 'AWS',
  provider: 'CodeBuild',
  version: '1',
  inputArtifacts: [input],
  ...(output ? { outputArtifacts: [output] } : {}),
  configuration: {
    ProjectName: projectName,
    EnvironmentVariables: JSON.stringify(Object.entries(variables).map(([n, value]) => ({ name: n, value, type: 'PLAINTEXT' }))),
  },
});

/**
 * One unit's CodePipeline (V2, QUEUED): Source (GitHub through CodeConnections, started by pushes
 * to the branch that touch the unit's paths) → Build (tests, image, `npm run synth` once) → one
 * deploy per environment in order, with a manual approval before each environment that asks for
 * one. Every deploy is a CodeBuild job of its own whose role can assume only that environment's
 * deploy role for this unit; the build job can assume none.
 */
export class UnitPipeline extends Construct {
  readonly pipelineName: string;
  readonly build: CodebuildJob;
  readonly deploys: Readonly<Partial<Record<EnvironmentName, CodebuildJob>>>;
  readonly pipelineRole: ServiceRole;

  constructor(scope: Construct, id: string, props: UnitPipelineProps) {
    super(scope, id);
    const { unit, delivery } = props;
    const name = (this.pipelineName = pipelineName(delivery.project, unit.name));
    const artifacts: ArtifactStore = {
      bucketArn: props.artifactBucket.arn,
      bucketName: props.artifactBucket.name,
      folder: artifactFolder(name),
      key: props.key,
    };
    const logGroup = new LogGroup(this, 'logs', {
      name: `/aws/codebuild/${name}`,
      retentionDays: delivery.logRetentionDays,
      kmsKey: props.key,
    });
    const job = (
      jobId: Parameters<typeof pipelineJobName>[2],
      description: string,
      extra: { buildspec: string; writes: boolean; environment: Record<string, string>; compute: 'build' | 'deploy' },
    ) =>
      new CodebuildJob(this, jobId, {
        name: pipelineJobName(delivery.project, unit.name, jobId),
        description,
        accountId: delivery.accountId,
        buildspec: extra.buildspec,
        image: delivery.codebuild.image,
        computeType: extra.compute === 'build' ? delivery.codebuild.buildComputeType : delivery.codebuild.deployComputeType,
        privileged: unit.service !== undefined,
        timeoutMinutes: extra.compute === 'build' ? delivery.codebuild.buildTimeoutMinutes : delivery.codebuild.deployTimeoutMinutes,
        environment: extra.environment,
        logGroup,
        artifacts,
        writesArtifacts: extra.writes,
      });

    this.build = job('build', `${unit.name}: tests, ${unit.service ? 'image, ' : ''}synth`, {
      buildspec: BUILDSPEC.build,
      writes: true,
      environment: unit.service ? { SERVICE: unit.service } : {},
      compute: 'build',
    });

    const deploys: Partial<Record<EnvironmentName, CodebuildJob>> = {};
    for (const env of props.environments) {
      const deploy = job(`deploy-${env.name}`, `${unit.name}: plan, guard and apply ${unit.stackName(env.name)}`, {
        buildspec: BUILDSPEC.deploy,
        writes: false,
        compute: 'deploy',
        environment: {
          TARGET_ENV: env.name,
          TARGET_REGION: env.region,
          STACK: unit.stackName(env.name),
          DEPLOY_ROLE_ARN: deployRoleArn(env.accountId, env.name, unit.name),
          ...(unit.service
            ? {
                SERVICE: unit.service,
                IMAGE_REPOSITORY: serviceRepositoryName(env.project, unit.service),
                IMAGE_TAG_VARIABLE: unit.imageTagVariable!,
              }
            : {}),
        },
      });
      deploy.role.addToPolicy({ actions: ['sts:AssumeRole'], resources: [deployRoleArn(env.accountId, env.name, unit.name)] });
      deploys[env.name] = deploy;
    }
    this.deploys = deploys;

    this.pipelineRole = new ServiceRole(this, 'role', {
      name: pipelineJobName(delivery.project, unit.name, 'pipeline'),
      servicePrincipal: 'codepipeline.amazonaws.com',
      accountId: delivery.accountId,
    });
    grantArtifacts(this.pipelineRole, artifacts, true);
    this.pipelineRole.addToPolicy({ actions: ['codeconnections:UseConnection'], resources: [props.connectionArn] });
    this.pipelineRole.addToPolicy({
      actions: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
      resources: [this.build.arn, ...Object.values(deploys).map((d) => d.arn)],
    });

    new Codepipeline(this, 'pipeline', {
      name,
      pipelineType: 'V2',
      executionMode: 'QUEUED',
      roleArn: this.pipelineRole.arn,
      artifactStore: [{ type: 'S3', location: artifacts.bucketName, encryptionKey: { id: props.key.arn, type: 'KMS' } }],
      variable: [
        {
          name: ALLOW_DESTROY_VARIABLE,
          defaultValue: 'false',
          description: 'true lets the plan guard pass a plan that deletes or replaces a stateful resource (manual runs only)',
        },
      ],
      trigger: [
        {
          providerType: 'CodeStarSourceConnection',
          gitConfiguration: { sourceActionName: SOURCE_ACTION, push: pushFilters(unit.triggerPaths, delivery.branch) },
        },
      ],
      stage: this.stages(props, deploys),
    });
  }

  private stages(props: UnitPipelineProps, deploys: Partial<Record<EnvironmentName, CodebuildJob>>): CodepipelineStage[] {
    const { unit, delivery } = props;
    const source: CodepipelineStage = {
      name: 'Source',
      action: [
        {
          name: SOURCE_ACTION,
          category: 'Source',
          owner: 'AWS',
          provider: 'CodeStarSourceConnection',
          version: '1',
          namespace: SOURCE_NAMESPACE,
          outputArtifacts: ['source'],
          configuration: {
            ConnectionArn: props.connectionArn,
            FullRepositoryId: `${delivery.repository.owner}/${delivery.repository.name}`,
            BranchName: delivery.branch,
            OutputArtifactFormat: 'CODE_ZIP',
          },
        },
      ],
    };
    const build: CodepipelineStage = {
      name: 'Build',
      action: [codebuildAction('Build', this.build.projectName, 'source', { COMMIT_SHA: COMMIT }, 'build')],
    };
    const promotion = props.environments.flatMap((env): CodepipelineStage[] => {
      const deploy: CodepipelineStage = {
        name: `Deploy-${env.name}`,
        action: [
          codebuildAction(`Deploy-${env.name}`, deploys[env.name]!.projectName, 'build', {
            COMMIT_SHA: COMMIT,
            ALLOW_DESTROY: `#{variables.${ALLOW_DESTROY_VARIABLE}}`,
          }),
        ],
      };
      if (!delivery.approvalBefore.includes(env.name)) return [deploy];
      const approval: CodepipelineStage = {
        name: `Approve-${env.name}`,
        action: [
          {
            name: `Approve-${env.name}`,
            category: 'Approval',
            owner: 'AWS',
            provider: 'Manual',
            version: '1',
            configuration: { CustomData: `Deploy ${COMMIT} of ${unit.name} to ${unit.stackName(env.name)}` },
          },
        ],
      };
      return [approval, deploy];
    });
    return [source, build, ...promotion];
  }
}
