import { isOn, isReference, isTrue, literal, num, one } from '../stack-view';
import type { Rule } from '../types';
import { PROD_ERROR, controls, eachResource } from './define';

const off = (value: unknown): boolean => !isOn(value);

export const resilienceRules: readonly Rule[] = [
  {
    id: 'BAK-01',
    area: 'resilience',
    title: 'DynamoDB tables have point-in-time recovery',
    fix: 'Set `point_in_time_recovery { enabled = true }`',
    severity: 'error',
    controls: controls('CKV_AWS_28', 'DynamoDB.2', 'AwsSolutions-DDB3', 'NIST.800.53.R5-DynamoDBPITREnabled'),
    resourceTypes: ['aws_dynamodb_table'],
    check: eachResource(['aws_dynamodb_table'], (r) => off(one(r.attrs.point_in_time_recovery)?.enabled) && 'point-in-time recovery is off'),
  },
  {
    id: 'BAK-02',
    area: 'resilience',
    title: 'DynamoDB tables have deletion protection',
    fix: 'Set `deletion_protection_enabled = true` (envs/ dynamodb.deletionProtection)',
    severity: PROD_ERROR,
    controls: controls('DynamoDB.6'),
    resourceTypes: ['aws_dynamodb_table'],
    check: eachResource(['aws_dynamodb_table'], (r) => off(r.attrs.deletion_protection_enabled) && 'deletion protection is off'),
  },
  {
    id: 'BAK-03',
    area: 'resilience',
    title: 'Aurora and RDS keep automated backups for at least 7 days',
    fix: 'Set `backup_retention_period` to 7 or more (envs/ aurora.backupRetentionDays)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_133', 'RDS.11~', 'AwsSolutions-RDS13~'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (r) => {
      if (isReference(r.attrs.backup_retention_period)) return undefined;
      const days = num(r.attrs.backup_retention_period) ?? 1;
      return days < 7 && `backups are kept ${days} day(s)`;
    }),
  },
  {
    id: 'BAK-04',
    area: 'resilience',
    title: 'Aurora clusters and RDS instances have deletion protection and take a final snapshot',
    fix: 'Set `deletion_protection = true`, `skip_final_snapshot = false` and a `final_snapshot_identifier` (envs/ aurora.deletionProtection)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_139', 'CKV_AWS_293', 'RDS.7', 'RDS.8', 'AwsSolutions-RDS10'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (r) => [
      ...(off(r.attrs.deletion_protection) ? ['deletion protection is off'] : []),
      ...(isTrue(r.attrs.skip_final_snapshot) ? ['skip_final_snapshot is true'] : []),
    ]),
  },
  {
    id: 'BAK-05',
    area: 'resilience',
    title: 'ElastiCache keeps automatic snapshots',
    fix: 'Set `snapshot_retention_limit` to 1 or more (envs/ cache.snapshotRetentionDays)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_134', 'ElastiCache.1', 'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) =>
      !isReference(r.attrs.snapshot_retention_limit) && (num(r.attrs.snapshot_retention_limit) ?? 0) < 1 && 'no automatic snapshots',
    ),
  },
  {
    id: 'BAK-06',
    area: 'resilience',
    title: 'Load balancers have deletion protection',
    fix: 'Set `enable_deletion_protection = true` (envs/ loadBalancer.deletionProtection)',
    severity: PROD_ERROR,
    controls: controls('CKV_AWS_150', 'ELB.6', 'NIST.800.53.R5-ELBDeletionProtectionEnabled'),
    resourceTypes: ['aws_lb', 'aws_alb'],
    check: eachResource(['aws_lb', 'aws_alb'], (r) => off(r.attrs.enable_deletion_protection) && 'deletion protection is off'),
  },
  {
    id: 'BAK-07',
    area: 'resilience',
    title: 'S3 buckets are versioned',
    fix: 'Add `aws_s3_bucket_versioning` with status "Enabled"',
    severity: 'warning',
    controls: controls('CKV_AWS_21', 'S3.14', 'NIST.800.53.R5-S3BucketVersioningEnabled'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_versioning'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) => {
      const versioning = view.referencing('aws_s3_bucket_versioning', bucket, 'bucket')[0];
      const status = versioning ? one(versioning.attrs.versioning_configuration)?.status : isOn(one(bucket.attrs.versioning)?.enabled) ? 'Enabled' : undefined;
      return !isReference(status) && status !== 'Enabled' && 'versioning is not enabled';
    }),
  },
  {
    id: 'BAK-08',
    area: 'resilience',
    title: 'Aurora clusters have instances in at least two availability zones',
    fix: 'Add a reader in another AZ (envs/ aurora.readers >= 1)',
    severity: PROD_ERROR,
    controls: controls('RDS.15', 'NIST.800.53.R5-RDSMultiAZSupport~'),
    resourceTypes: ['aws_rds_cluster', 'aws_rds_cluster_instance'],
    check: eachResource(['aws_rds_cluster'], (cluster, view) => {
      const instances = view.referencing('aws_rds_cluster_instance', cluster, 'cluster_identifier');
      const zones = new Set(instances.map((i) => literal(i.attrs.availability_zone) ?? i.address));
      return zones.size < 2 && `${instances.length} instance(s) in ${zones.size} availability zone(s)`;
    }),
  },
  {
    id: 'BAK-09',
    area: 'resilience',
    title: 'ElastiCache replication groups fail over automatically across availability zones',
    fix: 'Set `automatic_failover_enabled = true` and `multi_az_enabled = true` with at least one replica (envs/ cache.multiAz)',
    severity: PROD_ERROR,
    controls: controls('CKV2_AWS_50', 'ElastiCache.3', 'AwsSolutions-AEC4'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) => [
      ...(off(r.attrs.automatic_failover_enabled) ? ['automatic failover is off'] : []),
      ...(off(r.attrs.multi_az_enabled) ? ['Multi-AZ is off'] : []),
    ]),
  },
  {
    id: 'BAK-10',
    area: 'resilience',
    title: 'Aurora clusters copy tags to snapshots',
    fix: 'Set `copy_tags_to_snapshot = true`',
    severity: 'warning',
    controls: controls('CKV_AWS_313', 'RDS.16'),
    resourceTypes: ['aws_rds_cluster'],
    check: eachResource(['aws_rds_cluster'], (r) => off(r.attrs.copy_tags_to_snapshot) && 'copy_tags_to_snapshot is off'),
  },
];
