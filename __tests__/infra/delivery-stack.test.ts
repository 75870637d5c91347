/** The tooling account's delivery stack: pipelines per unit, their triggers and stages, the CodeBuild jobs and their roles. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deployRoleArn, pipelineJobName } from '../../modules/delivery/names';
import { BUILDSPEC, MAX_PATHS_PER_FILTER } from '../../modules/delivery/unit-pipeline';
import { serviceStackName, platformStackName } from '../../modules/stacks/naming';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { catalogWithLedger, environments, list, synthDelivery, type SynthesizedCiStack } from './support/ci-stacks';

const SERVICES = catalog.services.map((s) => s.name);
const delivery = synthDelivery();

const pipeline = (synth: SynthesizedCiStack, name: string) => synth.only('aws_codepipeline', (p) => p.name === name);
const triggerPaths = (p: Record<string, any>): string[] => p.trigger[0].git_configuration.push.flatMap((f: any) => f.file_paths.includes);
const stageNames = (p: Record<string, any>): string[] => p.stage.map((s: any) => s.name);
const project = (name: string) => delivery.only('aws_codebuild_project', (p) => p.name === name);
const envVars = (p: Record<string, any>): Record<string, string> =>
  Object.fromEntries(p.environment.environment_variable.map((v: any) => [v.name, v.value]));

describe('delivery stack: one pipeline per delivery unit', () => {
  it('has a pipeline for the platform and one per catalog service, V2 in QUEUED mode', () => {
    const pipelines = delivery.resources('aws_codepipeline');
    expect(pipelines.map((p) => p.name).sort()).toEqual(['platform-platform', ...SERVICES.map((s) => `platform-${s}`)].sort());
    for (const p of pipelines) {
      expect(p.pipeline_type).toBe('V2');
      expect(p.execution_mode).toBe('QUEUED');
      expect(p.variable).toEqual([expect.objectContaining({ name: 'ALLOW_DESTROY', default_value: 'false' })]);
    }
  });

  it('follows the catalog: a new service gets its pipeline, jobs and triggers with no other change', () => {
    const withLedger = synthDelivery({ catalog: catalogWithLedger() });
    const ledger = pipeline(withLedger, 'platform-ledger');
    expect(triggerPaths(ledger)).toContain('services/ledger/**');
    expect(withLedger.resources('aws_codepipeline')).toHaveLength(SERVICES.length + 2);
    expect(withLedger.roleNames()).toEqual(expect.arrayContaining(ENVIRONMENT_NAMES.map((env) => `platform-ledger-deploy-${env}`)));
  });

  it('names no catalog service in the delivery code, configs or buildspecs (comments aside)', () => {
    const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)(\/\/|#).*$/gm, '');
    const files = [
      ...['modules/delivery', 'modules/bootstrap', 'delivery/buildspecs'].flatMap((dir) => readdirSync(dir).map((f) => join(dir, f))),
      'envs/delivery.ts',
      'envs/delivery-schema.ts',
    ];
    for (const file of files) {
      const text = code(readFileSync(file, 'utf8'));
      for (const service of SERVICES)
        expect({ file, mentions: new RegExp(`\\b${service}\\b`).test(text) }).toEqual({ file, mentions: false });
    }
  });
});

describe('triggers: pushes to main that touch the unit', () => {
  it.each(SERVICES)('%s: its folder, the kit, the catalog, the lockfile and the infrastructure code (modules/)', (service) => {
    const p = pipeline(delivery, `platform-${service}`);
    const paths = triggerPaths(p);
    expect(paths).toEqual(
      expect.arrayContaining([
        `services/${service}/**`,
        'services/kit/**',
        'services/catalog*.ts',
        'package-lock.json',
        'modules/**',
        'envs/**',
        'main.ts',
      ]),
    );
    for (const other of SERVICES.filter((s) => s !== service)) expect(paths.join(' ')).not.toContain(`services/${other}/`);
  });

  it('platform: modules/, envs/, main.ts and the catalog; no service code', () => {
    const paths = triggerPaths(pipeline(delivery, 'platform-platform'));
    expect(paths).toEqual(expect.arrayContaining(['modules/**', 'envs/**', 'main.ts', 'services/catalog*.ts']));
    expect(paths.filter((p) => p.startsWith('services/') && !p.startsWith('services/catalog'))).toEqual([]);
  });

  it('every push filter is on main, within the V2 limit of 8 paths, for the source action', () => {
    for (const p of delivery.resources('aws_codepipeline')) {
      const [trigger] = p.trigger;
      expect(trigger.provider_type).toBe('CodeStarSourceConnection');
      expect(trigger.git_configuration.source_action_name).toBe(p.stage[0].action[0].name);
      for (const filter of trigger.git_configuration.push) {
        expect(filter.branches.includes).toEqual(['main']);
        expect(filter.file_paths.includes.length).toBeLessThanOrEqual(MAX_PATHS_PER_FILTER);
      }
    }
  });
});

describe('stages: Source → Build → dev → staging → approval → prod', () => {
  it.each(['platform', ...SERVICES])('%s', (unit) => {
    const p = pipeline(delivery, `platform-${unit}`);
    expect(stageNames(p)).toEqual(['Source', 'Build', 'Deploy-dev', 'Deploy-staging', 'Approve-prod', 'Deploy-prod']);
    const [source, build] = p.stage;
    expect(source.action[0]).toMatchObject({ provider: 'CodeStarSourceConnection', output_artifacts: ['source'] });
    expect(source.action[0].configuration).toMatchObject({ FullRepositoryId: 'example-org/platform', BranchName: 'main' });
    expect(source.action[0].configuration.ConnectionArn).toBe(delivery.ref('aws_codeconnections_connection', () => true, 'arn'));
    expect(build.action[0]).toMatchObject({ provider: 'CodeBuild', input_artifacts: ['source'], output_artifacts: ['build'] });
    expect(JSON.parse(build.action[0].configuration.EnvironmentVariables)).toEqual([
      { name: 'COMMIT_SHA', value: '#{SourceVariables.CommitId}', type: 'PLAINTEXT' },
    ]);
    const approval = p.stage.find((s: any) => s.name === 'Approve-prod').action[0];
    expect(approval).toMatchObject({ category: 'Approval', provider: 'Manual' });
    for (const env of ENVIRONMENT_NAMES) {
      const action = p.stage.find((s: any) => s.name === `Deploy-${env}`).action[0];
      expect(action).toMatchObject({ provider: 'CodeBuild', input_artifacts: ['build'] });
      expect(action.configuration.ProjectName).toBe(
        delivery.ref('aws_codebuild_project', (r) => r.name === pipelineJobName('platform', unit, `deploy-${env}`), 'name'),
      );
      expect(JSON.parse(action.configuration.EnvironmentVariables)).toEqual([
        { name: 'COMMIT_SHA', value: '#{SourceVariables.CommitId}', type: 'PLAINTEXT' },
        { name: 'ALLOW_DESTROY', value: '#{variables.ALLOW_DESTROY}', type: 'PLAINTEXT' },
      ]);
    }
  });
});

describe('CodeBuild jobs', () => {
  it('run on ARM64 with an aarch64 image, the buildspec files of the repository, KMS-encrypted artifacts and logs', () => {
    const projects = delivery.resources('aws_codebuild_project');
    expect(projects).toHaveLength((SERVICES.length + 1) * (1 + ENVIRONMENT_NAMES.length));
    const key = delivery.ref('aws_kms_key', (k) => k.description.includes('delivery'), 'arn');
    for (const p of projects) {
      expect(p.environment).toMatchObject({ type: 'ARM_CONTAINER', image: expect.stringContaining('aarch64') });
      expect(p.source.type).toBe('CODEPIPELINE');
      expect(existsSync(p.source.buildspec)).toBe(true);
      expect(p.encryption_key).toBe(key);
      expect(p.logs_config.cloudwatch_logs.status).toBe('ENABLED');
    }
    const logGroups = delivery.resources('aws_cloudwatch_log_group');
    expect(logGroups.every((g) => g.kms_key_id === key)).toBe(true);
  });

  it("build: the unit's service (for its tests and image), docker only where an image is built", () => {
    for (const service of SERVICES) {
      const build = project(pipelineJobName('platform', service, 'build'));
      expect(build.source.buildspec).toBe(BUILDSPEC.build);
      expect(envVars(build)).toEqual({ SERVICE: service });
      expect(build.environment.privileged_mode).toBe(true);
    }
    const platformBuild = project(pipelineJobName('platform', 'platform', 'build'));
    expect(platformBuild.environment.privileged_mode).toBe(false);
    expect(platformBuild.environment.environment_variable).toEqual([]);
  });

  it("deploy: one job per environment with that environment's stack, deploy role and image repository", () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { accountId, region } = environments[env];
      expect(envVars(project(pipelineJobName('platform', 'user', `deploy-${env}`)))).toEqual({
        TARGET_ENV: env,
        TARGET_REGION: region,
        STACK: serviceStackName(env, 'user'),
        DEPLOY_ROLE_ARN: deployRoleArn(accountId, env, 'user'),
        SERVICE: 'user',
        IMAGE_REPOSITORY: 'platform/user',
        IMAGE_TAG_VARIABLE: 'image_tag',
      });
      expect(envVars(project(pipelineJobName('platform', 'platform', `deploy-${env}`)))).toEqual({
        TARGET_ENV: env,
        TARGET_REGION: region,
        STACK: platformStackName(env),
        DEPLOY_ROLE_ARN: deployRoleArn(accountId, env, 'platform'),
      });
    }
  });
});

describe('roles of the tooling account', () => {
  const assumable = (roleName: string) =>
    delivery
      .role(roleName)
      .grants.filter((s) => list(s.Action).includes('sts:AssumeRole'))
      .flatMap((s) => list(s.Resource));

  it.each(['platform', ...SERVICES])(
    "%s: each deploy job assumes exactly its environment's deploy role for this unit; the build job none",
    (unit) => {
      expect(assumable(pipelineJobName('platform', unit, 'build'))).toEqual([]);
      for (const env of ENVIRONMENT_NAMES) {
        expect(assumable(pipelineJobName('platform', unit, `deploy-${env}`))).toEqual([
          deployRoleArn(environments[env].accountId, env, unit),
        ]);
      }
    },
  );

  it("every job reads only its own pipeline's artifact folder; only the build writes; KMS only through S3", () => {
    for (const unit of ['platform', ...SERVICES]) {
      const folder = `platform-${unit}`.slice(0, 20);
      for (const job of ['build', ...ENVIRONMENT_NAMES.map((e) => `deploy-${e}` as const)] as const) {
        const grants = delivery.role(pipelineJobName('platform', unit, job)).grants;
        const objectAccess = grants.filter((s) => list(s.Action).some((a) => a.endsWith('Object')));
        expect(objectAccess.flatMap((s) => list(s.Resource))).toEqual([expect.stringMatching(new RegExp(`/${folder}/\\*$`))]);
        expect(objectAccess.flatMap((s) => list(s.Action)).includes('s3:PutObject')).toBe(job === 'build');
        for (const kms of grants.filter((s) => list(s.Action).some((a) => a.startsWith('kms:')))) {
          expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
        }
      }
    }
  });

  it('the pipeline role starts only its own jobs and uses only the GitHub connection', () => {
    const role = delivery.role(pipelineJobName('platform', 'payment', 'pipeline'));
    const starts = role.grants.find((s) => list(s.Action).includes('codebuild:StartBuild'))!;
    const jobs = ['build', ...ENVIRONMENT_NAMES.map((e) => `deploy-${e}`)].map((job) =>
      delivery.ref('aws_codebuild_project', (p) => p.name === `platform-payment-${job}`, 'arn'),
    );
    expect(list(starts.Resource).sort()).toEqual(jobs.sort());
    const use = role.grants.find((s) => list(s.Action).includes('codeconnections:UseConnection'))!;
    expect(use.Resource).toEqual([delivery.ref('aws_codeconnections_connection', () => true, 'arn')]);
  });
});

describe('artifact store and connection', () => {
  it('artifacts: a private, versioned, SSE-KMS bucket that expires old artifacts; the pipelines encrypt with the same key', () => {
    const bucket = delivery.only('aws_s3_bucket', (b) => b.bucket.includes('artifacts'));
    const bucketId = delivery.ref('aws_s3_bucket', (b) => b.bucket === bucket.bucket, 'id');
    const key = delivery.ref('aws_kms_key', (k) => k.description.includes('delivery'), 'arn');
    expect(delivery.only('aws_s3_bucket_server_side_encryption_configuration', (c) => c.bucket === bucketId).rule[0]).toMatchObject({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: key },
    });
    expect(delivery.only('aws_s3_bucket_public_access_block', (c) => c.bucket === bucketId)).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(delivery.only('aws_s3_bucket_lifecycle_configuration', (c) => c.bucket === bucketId).rule[0].expiration).toEqual([{ days: 30 }]);
    for (const p of delivery.resources('aws_codepipeline')) {
      expect(p.artifact_store).toEqual([
        {
          type: 'S3',
          location: delivery.ref('aws_s3_bucket', (b) => b.bucket === bucket.bucket, 'bucket'),
          encryption_key: { id: key, type: 'KMS' },
        },
      ]);
    }
  });

  it('connects to GitHub through CodeConnections', () => {
    expect(delivery.only('aws_codeconnections_connection').provider_type).toBe('GitHub');
  });

  it('has no data source (plans offline)', () => {
    expect(delivery.parsed.data).toBeUndefined();
  });
});
