import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { suppress } from '../policy/suppressions';

/**
 * Elastic Load Balancing's log-delivery accounts for regions opened before August 2022, which
 * do not accept the `logdelivery.elasticloadbalancing.amazonaws.com` principal. Newer regions use
 * the service principal only. (AWS: "Enable access logs for your Application Load Balancer".)
 */
const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-west-3': '009996457667',
  'eu-central-1': '054676820928',
  'eu-north-1': '897822967062',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-northeast-1': '582318560864',
};

export interface AccessLogBucketProps {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly prefix: string;
  readonly expirationDays: number;
}

/**
 * The ALB access-log bucket: private (public access block, bucket-owner ownership), versioned,
 * SSE-S3 (the only encryption ALB log delivery supports), objects expire, TLS-only, and only
 * ELB log delivery for this account's prefix may write.
 */
export class AccessLogBucket extends Construct {
  readonly bucketName: string;
  /** Depend on it before pointing the ALB at the bucket: ELB checks write access on enable. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', { bucket: props.name, forceDestroy: false });
    suppress(bucket, 'ENC-11', { reason: 'ALB access-log delivery supports only SSE-S3 (docs/decisions/0011)', expires: '2027-12-31' });
    suppress(bucket, 'S3-04', {
      reason: 'This bucket holds access logs itself; logging its reads would need another log bucket, and so on',
      expires: '2027-12-31',
    });
    this.bucketName = bucket.bucket;
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketVersioning(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    // SSE-S3, not the CMK: ALB log delivery supports no other encryption (docs/decisions/0011).
    new S3BucketServerSideEncryptionConfiguration(this, 'sse', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: props.expirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });

    const writePath = `${bucket.arn}/${props.prefix}/AWSLogs/${props.accountId}/*`;
    const legacyAccount = ELB_LOG_DELIVERY_ACCOUNTS[props.region];
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ElbLogDelivery',
            Effect: 'Allow',
            Principal: legacyAccount
              ? { AWS: `arn:aws:iam::${legacyAccount}:root` }
              : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: writePath,
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
  }
}
