import { type StackView, type SynthesizedResource, isOn, isReference, isTrue, keyKind, literal, one } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

/** A detail when `value` does not name a customer managed key (AWS managed, AWS owned or missing). */
function cmkProblem(view: StackView, value: unknown, what: string): string | undefined {
  const kind = keyKind(view, value);
  if (kind === 'cmk' || kind === 'unknown') return undefined;
  return kind === 'aws-managed' ? `${what} uses an AWS managed key (${String(value)})` : `${what} has no customer managed key`;
}

/** The default-encryption rule of a bucket: inline (legacy) or an aws_s3_bucket_server_side_encryption_configuration. */
function bucketEncryption(view: StackView, bucket: SynthesizedResource): Record<string, unknown> | undefined {
  const configs = view.referencing('aws_s3_bucket_server_side_encryption_configuration', bucket, 'bucket');
  const block = configs[0]?.attrs ?? one(bucket.attrs.server_side_encryption_configuration);
  return one(one(block?.rule)?.apply_server_side_encryption_by_default);
}

export const encryptionRules: readonly Rule[] = [
  {
    id: 'ENC-01',
    area: 'encryption',
    title: 'Customer managed symmetric KMS keys rotate automatically',
    fix: 'Set `enable_key_rotation = true`',
    severity: 'error',
    controls: controls('CKV_AWS_7', 'KMS.4', 'AwsSolutions-KMS5', 'NIST.800.53.R5-KMSBackingKeyRotationEnabled'),
    resourceTypes: ['aws_kms_key'],
    check: eachResource(['aws_kms_key'], (r) => {
      const spec = literal(r.attrs.customer_master_key_spec) ?? 'SYMMETRIC_DEFAULT';
      return spec === 'SYMMETRIC_DEFAULT' && !isOn(r.attrs.enable_key_rotation) && 'enable_key_rotation is off';
    }),
  },
  {
    id: 'ENC-02',
    area: 'encryption',
    title: 'SQS queues are encrypted with a customer managed KMS key',
    fix: 'Set `kms_master_key_id` to the platform CMK (SSE-SQS and alias/aws/sqs are not customer managed)',
    severity: 'error',
    controls: controls('CKV_AWS_27', 'CKV2_AWS_73', 'SQS.1', 'AwsSolutions-SQS2'),
    resourceTypes: ['aws_sqs_queue'],
    check: eachResource(['aws_sqs_queue'], (r, view) =>
      isTrue(r.attrs.sqs_managed_sse_enabled) ? 'uses SSE-SQS (an AWS owned key)' : cmkProblem(view, r.attrs.kms_master_key_id, 'queue'),
    ),
  },
  {
    id: 'ENC-03',
    area: 'encryption',
    title: 'SNS topics are encrypted with a customer managed KMS key',
    fix: 'Set `kms_master_key_id` to the platform CMK',
    severity: 'error',
    controls: controls('CKV_AWS_26', 'SNS.1', 'NIST.800.53.R5-SNSEncryptedKMS'),
    resourceTypes: ['aws_sns_topic'],
    check: eachResource(['aws_sns_topic'], (r, view) => cmkProblem(view, r.attrs.kms_master_key_id, 'topic')),
  },
  {
    id: 'ENC-04',
    area: 'encryption',
    title: 'DynamoDB tables are encrypted with a customer managed KMS key',
    fix: 'Set `server_side_encryption { enabled = true, kms_key_arn = <CMK> }`',
    severity: 'error',
    controls: controls('CKV_AWS_119'),
    resourceTypes: ['aws_dynamodb_table'],
    check: eachResource(['aws_dynamodb_table'], (r, view) => {
      const sse = one(r.attrs.server_side_encryption);
      if (!sse || !isOn(sse.enabled)) return 'server_side_encryption is off (AWS owned key)';
      return cmkProblem(view, sse.kms_key_arn, 'table');
    }),
  },
  {
    id: 'ENC-05',
    area: 'encryption',
    title: 'Aurora clusters and RDS instances encrypt storage with a customer managed KMS key',
    fix: 'Set `storage_encrypted = true` and `kms_key_id` to the platform CMK (only possible at creation)',
    severity: 'error',
    controls: controls('CKV_AWS_96', 'CKV_AWS_327', 'CKV_AWS_16', 'RDS.27', 'RDS.3', 'AwsSolutions-RDS2'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (r, view) =>
      !isOn(r.attrs.storage_encrypted) ? 'storage_encrypted is off' : cmkProblem(view, r.attrs.kms_key_id, 'storage'),
    ),
  },
  {
    id: 'ENC-06',
    area: 'encryption',
    title: 'Performance Insights data is encrypted with a customer managed KMS key',
    fix: 'Set `performance_insights_kms_key_id` to the platform CMK',
    severity: 'error',
    controls: controls('CKV_AWS_354'),
    resourceTypes: ['aws_rds_cluster_instance', 'aws_db_instance', 'aws_rds_cluster'],
    check: eachResource(['aws_rds_cluster_instance', 'aws_db_instance', 'aws_rds_cluster'], (r, view) =>
      isOn(r.attrs.performance_insights_enabled) && cmkProblem(view, r.attrs.performance_insights_kms_key_id, 'Performance Insights'),
    ),
  },
  {
    id: 'ENC-07',
    area: 'encryption',
    title: 'ElastiCache replication groups encrypt at rest with a customer managed KMS key',
    fix: 'Set `kms_key_id` to the platform CMK (with at_rest_encryption_enabled)',
    severity: 'error',
    controls: controls('CKV_AWS_191'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r, view) => cmkProblem(view, r.attrs.kms_key_id, 'cache')),
  },
  {
    id: 'ENC-08',
    area: 'encryption',
    title: 'Secrets (including RDS-managed master secrets) are encrypted with a customer managed KMS key',
    fix: 'Set `kms_key_id` (secret) or `master_user_secret_kms_key_id` (RDS) to the platform CMK',
    severity: 'error',
    controls: controls('CKV_AWS_149', 'NIST.800.53.R5-SecretsManagerUsingKMSKey'),
    resourceTypes: ['aws_secretsmanager_secret', 'aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_secretsmanager_secret', 'aws_rds_cluster', 'aws_db_instance'], (r, view) =>
      r.type === 'aws_secretsmanager_secret'
        ? cmkProblem(view, r.attrs.kms_key_id, 'secret')
        : isTrue(r.attrs.manage_master_user_password) && cmkProblem(view, r.attrs.master_user_secret_kms_key_id, 'master user secret'),
    ),
  },
  {
    id: 'ENC-09',
    area: 'encryption',
    title: 'ECR repositories are encrypted with a customer managed KMS key',
    fix: 'Set `encryption_configuration { encryption_type = "KMS", kms_key = <CMK> }`',
    severity: 'error',
    controls: controls('CKV_AWS_136'),
    resourceTypes: ['aws_ecr_repository'],
    check: eachResource(['aws_ecr_repository'], (r, view) => {
      const config = one(r.attrs.encryption_configuration);
      if (!isReference(config?.encryption_type) && literal(config?.encryption_type) !== 'KMS') return 'encryption_type is AES256 (not KMS)';
      return cmkProblem(view, config?.kms_key, 'repository');
    }),
  },
  {
    id: 'ENC-10',
    area: 'encryption',
    title: 'CloudWatch log groups are encrypted with a customer managed KMS key',
    fix: 'Set `kms_key_id` to a CMK whose policy admits logs.<region>.amazonaws.com',
    severity: 'error',
    controls: controls('CKV_AWS_158', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'CT.CLOUDWATCH.PR.3'),
    resourceTypes: ['aws_cloudwatch_log_group'],
    check: eachResource(['aws_cloudwatch_log_group'], (r, view) => cmkProblem(view, r.attrs.kms_key_id, 'log group')),
  },
  {
    id: 'ENC-11',
    area: 'encryption',
    title: 'S3 buckets default to SSE-KMS with a customer managed key',
    fix: 'Add `aws_s3_bucket_server_side_encryption_configuration` with sse_algorithm "aws:kms" and the CMK (suppress, with the reason, where the writer only supports SSE-S3)',
    severity: 'error',
    controls: controls('CKV_AWS_145', 'CKV_AWS_19', 'S3.17', 'NIST.800.53.R5-S3DefaultEncryptionKMS'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_server_side_encryption_configuration'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) => {
      const byDefault = bucketEncryption(view, bucket);
      if (!byDefault) return 'no default encryption configuration';
      const algorithm = literal(byDefault.sse_algorithm);
      if (algorithm !== undefined && !algorithm.startsWith('aws:kms')) return `default encryption is ${algorithm} (not SSE-KMS)`;
      return cmkProblem(view, byDefault.kms_master_key_id, 'default encryption');
    }),
  },
];

