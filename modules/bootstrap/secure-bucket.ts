import { Construct } from 'constructs';
import { suppress } from '../policy/suppressions';
import { Lazy } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { KmsKey } from '../security/kms-key';

export interface SecureBucketProps {
  readonly name: string;
  readonly kmsKey: KmsKey;
  /** Superseded object versions are deleted after this many days. */
  readonly noncurrentVersionExpirationDays: number;
  /** Current objects expire after this many days (none: kept). */
  readonly expirationDays?: number;
  /** Terraform refuses any plan that destroys the bucket (`lifecycle.prevent_destroy`). */
  readonly preventDestroy: boolean;
}

/**
 * A private bucket for CI data (Terraform state, pipeline artifacts): public access blocked,
 * bucket-owner ownership (no ACLs), versioned, SSE-KMS with the CMK by default, and a policy that
 * refuses plain HTTP and any upload that asks for another encryption than KMS.
 */
export class SecureBucket extends Construct {
  readonly bucketName: string;
  readonly arn: string;
  readonly id: string;
  private readonly extraStatements: Readonly<Record<string, unknown>>[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', {
      bucket: props.name,
      forceDestroy: false,
      ...(props.preventDestroy ? { lifecycle: { preventDestroy: true } } : {}),
    });
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.id = bucket.id;
    suppress(bucket, 'S3-04', {
      reason: 'Server access logs need a separate SSE-S3 log bucket per account, not built yet; S3 data events in CloudTrail are the alternative',
      expires: '2027-03-31',
    });

    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketVersioning(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfiguration(this, 'sse', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKey.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-superseded-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          ...(props.expirationDays ? { expiration: [{ days: props.expirationDays }] } : {}),
        },
      ],
    });
    const baseline = [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucket.arn, `${bucket.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        // Uploads without an encryption header get the KMS default; one asking for SSE-S3 is refused.
        Sid: 'DenyEncryptionOtherThanKms',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${bucket.arn}/*`,
        Condition: {
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      },
    ];
    new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: Lazy.stringValue({
        produce: () => JSON.stringify({ Version: '2012-10-17', Statement: [...baseline, ...this.extraStatements] }),
      }),
    });
  }

  /** Adds a statement to the bucket policy (rendered at synthesis, after every construct added its own). */
  addToResourcePolicy(statement: Readonly<Record<string, unknown>>): void {
    this.extraStatements.push(statement);
  }
}
