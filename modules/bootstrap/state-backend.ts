import { Construct } from 'constructs';
import type { IGrantable } from '../security/grants';
import { KmsKey } from '../security/kms-key';
import { STATE_KEY_ALIAS } from '../delivery/names';
import { SecureBucket } from './secure-bucket';

export interface StateBackendProps {
  readonly bucketName: string;
  readonly accountId: string;
  readonly region: string;
  readonly noncurrentVersionExpirationDays: number;
}

/** Terraform's S3-native lock (`use_lockfile`): an object next to the state, created and deleted per run. */
export const lockKey = (stateKey: string): string => `${stateKey}.tflock`;
const LOCK_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];

/** Writes a confined writer may do on its own state only; bucket changes it may never do. */
export const STATE_WRITER_DENIED_ACTIONS = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteBucket',
  's3:DeleteBucketPolicy',
  's3:PutBucketPolicy',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutEncryptionConfiguration',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketOwnershipControls',
] as const;

export interface StateAccess {
  readonly read?: readonly string[] | 'all';
  readonly write?: string;
}

/**
 * An account's Terraform state: a SecureBucket that Terraform may never destroy, encrypted with its
 * own CMK (alias `ci-terraform-state`). Access is granted per state key: a deploy role writes its
 * own stack's key and lock only.
 */
export class StateBackend extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly key: KmsKey;
  private readonly region: string;
  private readonly bucket: SecureBucket;

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    this.region = props.region;
    this.key = new KmsKey(this, 'key', {
      name: STATE_KEY_ALIAS,
      description: `Terraform state in ${props.bucketName}`,
      accountId: props.accountId,
      region: props.region,
    });
    const bucket = (this.bucket = new SecureBucket(this, 'bucket', {
      name: props.bucketName,
      kmsKey: this.key,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      preventDestroy: true,
    }));
    this.bucketName = bucket.bucketName;
    this.bucketArn = bucket.arn;
  }

  /** ARN of one state object, e.g. `dev/services/user.tfstate`. */
  objectArn(key: string): string {
    return `${this.bucketArn}/${key}`;
  }

  /**
   * State access for one identity: `read` lists the state keys it may read (`'all'`: every state of
   * the account, for plans), `write` the one state it may write (and lock); nothing else.
   */
  grant(grantee: IGrantable, access: StateAccess): void {
    const readKeys = access.read === 'all' ? ['*'] : [...(access.read ?? [])];
    const readable = [...readKeys, ...(access.write && access.read !== 'all' ? [access.write] : [])];
    if (readable.length === 0) throw new Error(`${grantee.grantName}: state access grants nothing`);
    grantee.addToPolicy({ actions: ['s3:ListBucket'], resources: [this.bucketArn] });
    grantee.addToPolicy({ actions: ['s3:GetObject'], resources: readable.map((key) => this.objectArn(key)) });
    if (access.write) {
      grantee.addToPolicy({ actions: ['s3:PutObject'], resources: [this.objectArn(access.write)] });
      grantee.addToPolicy({ actions: LOCK_ACTIONS, resources: [this.objectArn(lockKey(access.write))] });
    }
    this.grantKey(grantee, access.write ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']);
  }

  /**
   * The bucket itself enforces that `roleArn` writes nothing but `key` and its lock, and never
   * changes the bucket: a deploy role with broad S3 rights (the platform's) still cannot touch
   * another stack's state.
   */
  confineWriter(roleArn: string, key: string): void {
    this.bucket.addToResourcePolicy({
      Sid: `OnlyOwnState${roleArn
        .split('/')
        .pop()!
        .replace(/[^A-Za-z0-9]/g, '')}`,
      Effect: 'Deny',
      Principal: '*',
      Action: [...STATE_WRITER_DENIED_ACTIONS],
      NotResource: [this.objectArn(key), this.objectArn(lockKey(key))],
      Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn } },
    });
  }

  /** The CMK, only as S3 uses it on the caller's behalf (KmsKey's via-service grants do not cover S3). */
  private grantKey(grantee: IGrantable, actions: readonly string[]): void {
    grantee.addToPolicy({
      actions,
      resources: [this.key.arn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
    });
  }
}
