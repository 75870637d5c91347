import { Construct } from 'constructs';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { ServiceRole } from '../iam/service-role';
import type { LogGroup } from '../observability/log-group';
import type { IGrantable } from '../security/grants';
import type { KmsKey } from '../security/kms-key';
import type { ArmComputeType } from './config';

/** Where a pipeline's artifacts live: its folder of the artifact bucket, encrypted with the CMK. */
export interface ArtifactStore {
  readonly bucketArn: string;
  readonly bucketName: string;
  /** The pipeline's folder (first 20 characters of its name). */
  readonly folder: string;
  readonly key: KmsKey;
}

/** Read (and write) one pipeline's artifacts: its folder only, the CMK only through S3. */
export function grantArtifacts(grantee: IGrantable, store: ArtifactStore, write: boolean): void {
  grantee.addToPolicy({
    actions: write ? ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'] : ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [`${store.bucketArn}/${store.folder}/*`],
  });
  grantee.addToPolicy({ actions: ['s3:GetBucketLocation', 's3:GetBucketVersioning'], resources: [store.bucketArn] });
  grantee.addToPolicy({
    actions: write ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
    resources: [store.key.arn],
    conditions: { StringEquals: { 'kms:ViaService': `s3.${store.key.region}.amazonaws.com` } },
  });
}

export interface CodebuildJobProps {
  /** Project and role name. */
  readonly name: string;
  readonly description: string;
  readonly accountId: string;
  /** Buildspec path in the job's input artifact (buildspecs are files of the repository). */
  readonly buildspec: string;
  readonly image: string;
  readonly computeType: ArmComputeType;
  /** Docker daemon (image build, image push). */
  readonly privileged: boolean;
  readonly timeoutMinutes: number;
  /** Fixed environment of the job (per run values come from the pipeline action). */
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroup: LogGroup;
  readonly artifacts: ArtifactStore;
  /** The job produces an output artifact. */
  readonly writesArtifacts: boolean;
}

/**
 * One CodeBuild project of a pipeline, on ARM64 (`ARM_CONTAINER`), with its own role: it reads (and
 * writes) its pipeline's artifacts and writes its log stream; callers grant anything else.
 */
export class CodebuildJob extends Construct {
  readonly projectName: string;
  readonly arn: string;
  readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: CodebuildJobProps) {
    super(scope, id);
    this.role = new ServiceRole(this, 'role', {
      name: props.name,
      servicePrincipal: 'codebuild.amazonaws.com',
      accountId: props.accountId,
    });
    grantArtifacts(this.role, props.artifacts, props.writesArtifacts);
    this.role.addToPolicy({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${props.logGroup.arn}:log-stream:${props.name}/*`],
    });
    const project = new CodebuildProject(this, 'project', {
      name: props.name,
      description: props.description,
      serviceRole: this.role.arn,
      encryptionKey: props.artifacts.key.arn,
      buildTimeout: props.timeoutMinutes,
      queuedTimeout: 60,
      source: { type: 'CODEPIPELINE', buildspec: props.buildspec },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: 'ARM_CONTAINER',
        computeType: props.computeType,
        image: props.image,
        imagePullCredentialsType: 'CODEBUILD',
        privilegedMode: props.privileged,
        environmentVariable: Object.entries(props.environment).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
      },
      logsConfig: {
        cloudwatchLogs: { status: 'ENABLED', groupName: props.logGroup.name, streamName: props.name },
        s3Logs: { status: 'DISABLED' },
      },
    });
    this.projectName = project.name;
    this.arn = project.arn;
  }
}
