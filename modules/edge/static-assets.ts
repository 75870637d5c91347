import { Construct } from 'constructs';
import { suppress } from '../policy/suppressions';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { KmsKey } from '../security/kms-key';

export interface StaticAssetsProps {
  /** Bucket name (globally unique: include the account id). */
  readonly bucketName: string;
  /** Name prefix of the key alias. */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** The one distribution allowed to read (through Origin Access Control). */
  readonly distributionArn: string;
  /** Days a replaced or deleted object version is kept. */
  readonly noncurrentVersionDays?: number;
}

/**
 * The private bucket CloudFront serves static assets from: public access blocked, bucket-owner
 * ownership (no ACLs), versioned, SSE-KMS with its own customer managed key, TLS-only. Only the
 * distribution may read, through Origin Access Control: the bucket policy and the key policy both
 * pin `aws:SourceArn` to its ARN. The key is the bucket's own so that the environment's CMK does
 * not wait for (or depend on) the distribution.
 */
export class StaticAssets extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The origin's domain name (regional, so requests go to the bucket's region directly). */
  readonly regionalDomainName: string;
  readonly kmsKeyArn: string;
  private readonly bucket: S3Bucket;
  private readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: StaticAssetsProps) {
    super(scope, id);
    const key = new KmsKey(this, 'kms', {
      name: `${props.name}-static-assets`,
      description: `${props.name}: static assets served by CloudFront`,
      accountId: props.accountId,
      region: props.region,
      serviceUse: { cloudfrontDistributionArn: props.distributionArn },
    });
    this.kmsKeyArn = key.arn;

    const bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: false });
    suppress(bucket, 'S3-04', {
      reason: 'Only the distribution reads it (OAC), and CloudFront standard logging records every request for it',
      expires: '2027-12-31',
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.regionalDomainName = bucket.bucketRegionalDomainName;
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
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-old-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CloudFrontDistributionReads',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: `${bucket.arn}/*`,
            Condition: { StringEquals: { 'AWS:SourceArn': props.distributionArn } },
          },
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    this.bucket = bucket;
    this.key = key;
  }

  /** Stores one object (encrypted with the bucket's key) that the distribution serves. */
  addObject(id: string, objectKey: string, content: string, contentType: string): void {
    new S3Object(this, id, {
      bucket: this.bucket.id,
      key: objectKey,
      content,
      contentType,
      serverSideEncryption: 'aws:kms',
      kmsKeyId: this.key.arn,
      bucketKeyEnabled: true,
    });
  }
}
