import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Grant, type IGrantable } from '../security/grants';
import type { IKey } from '../security/kms-key';

export interface ServiceRepositoryProps {
  readonly name: string;
  readonly kmsKey: IKey;
  /** Untagged images (failed or superseded pushes) expire after this many days; default 7. */
  readonly untaggedExpiryDays?: number;
  /** Tagged images kept (rollback depth); default 30. */
  readonly keepTaggedImages?: number;
}

export const REPOSITORY_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
] as const;

/** A repository as the service stacks see it: created by the platform stack, imported by URL and ARN. */
export interface IRepository {
  readonly repositoryUrl: string;
  readonly arn: string;
  /** Pull this repository's images (the ECS execution role). */
  grantPull(grantee: IGrantable): Grant;
}

const grantPull = (grantee: IGrantable, arn: string): Grant =>
  Grant.add(
    grantee,
    // The one Resource "*" on the platform: ecr:GetAuthorizationToken is account-level and has no
    // resource-level permissions (AWS rejects any other Resource for it).
    { actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
    { actions: REPOSITORY_PULL_ACTIONS, resources: [arn] },
  );

/** One ECR repository per service: immutable tags, scan on push, KMS encryption, lifecycle policy. */
export class ServiceRepository extends Construct implements IRepository {
  readonly repositoryUrl: string;
  readonly arn: string;
  readonly name: string;

  static fromAttributes(attrs: { repositoryUrl: string; arn: string }): IRepository {
    return { ...attrs, grantPull: (grantee) => grantPull(grantee, attrs.arn) };
  }

  constructor(scope: Construct, id: string, props: ServiceRepositoryProps) {
    super(scope, id);
    const untaggedExpiryDays = props.untaggedExpiryDays ?? 7;
    const keepTaggedImages = props.keepTaggedImages ?? 30;
    if (untaggedExpiryDays < 1 || keepTaggedImages < 1) {
      throw new Error(`ServiceRepository ${props.name}: untaggedExpiryDays and keepTaggedImages must be >= 1`);
    }
    const repository = new EcrRepository(this, 'repository', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.kmsKey.arn }],
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `expire untagged images after ${untaggedExpiryDays} days`,
            selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedExpiryDays },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            description: `keep the last ${keepTaggedImages} tagged images`,
            selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: keepTaggedImages },
            action: { type: 'expire' },
          },
        ],
      }),
    });
    this.repositoryUrl = repository.repositoryUrl;
    this.arn = repository.arn;
    this.name = props.name;
  }

  grantPull(grantee: IGrantable): Grant {
    return grantPull(grantee, this.arn);
  }
}
