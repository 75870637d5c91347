import { isOn, isReference, literal, one } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

const PUBLIC_ACLS = ['public-read', 'public-read-write', 'authenticated-read'];
const BLOCK_SETTINGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;

export const s3Rules: readonly Rule[] = [
  {
    id: 'S3-01',
    area: 's3',
    title: 'Every S3 bucket blocks public access (all four settings)',
    fix: 'Add `aws_s3_bucket_public_access_block` for the bucket with all four settings true',
    severity: 'error',
    controls: controls('CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56', 'S3.8', 'AwsSolutions-S2'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_public_access_block'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) => {
      const block = view.referencing('aws_s3_bucket_public_access_block', bucket, 'bucket')[0];
      if (!block) return 'no public access block';
      const open = BLOCK_SETTINGS.filter((s) => !isOn(block.attrs[s]));
      return open.length > 0 && `public access block leaves ${open.join(', ')} off`;
    }),
  },
  {
    id: 'S3-02',
    area: 's3',
    title: 'S3 buckets disable ACLs (object ownership BucketOwnerEnforced)',
    fix: 'Add `aws_s3_bucket_ownership_controls` with object_ownership "BucketOwnerEnforced"',
    severity: 'error',
    controls: controls('S3.12', 'CKV2_AWS_65'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_ownership_controls'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) => {
      const controlsBlock = view.referencing('aws_s3_bucket_ownership_controls', bucket, 'bucket')[0];
      const ownership = one(controlsBlock?.attrs.rule)?.object_ownership;
      return !isReference(ownership) && ownership !== 'BucketOwnerEnforced' && `object ownership is ${String(ownership ?? 'not set (ACLs enabled on older buckets)')}`;
    }),
  },
  {
    id: 'S3-03',
    area: 's3',
    title: 'No S3 ACL grants public or any-authenticated-user access',
    fix: 'Remove the canned ACL; grant access through the bucket policy to named principals',
    severity: 'error',
    controls: controls('CKV_AWS_20', 'CKV_AWS_57', 'CKV2_AWS_43', 'S3.2', 'S3.3'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_acl'],
    check: eachResource(['aws_s3_bucket', 'aws_s3_bucket_acl'], (r) => {
      const acl = literal(r.attrs.acl);
      return acl !== undefined && PUBLIC_ACLS.includes(acl) && `acl is ${acl}`;
    }),
  },
  {
    id: 'S3-04',
    area: 's3',
    title: 'S3 buckets have server access logging',
    fix: 'Add `aws_s3_bucket_logging` to a log bucket (suppress, with the reason, on the log bucket itself)',
    severity: 'warning',
    controls: controls('CKV_AWS_18', 'S3.9', 'AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_logging'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) =>
      !one(bucket.attrs.logging) && view.referencing('aws_s3_bucket_logging', bucket, 'bucket').length === 0 && 'server access logging is off',
    ),
  },
  {
    id: 'S3-05',
    area: 's3',
    title: 'S3 buckets have a lifecycle configuration',
    fix: 'Add `aws_s3_bucket_lifecycle_configuration` (expiry, noncurrent versions, aborted uploads)',
    severity: 'warning',
    controls: controls('CKV2_AWS_61', 'S3.13'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_lifecycle_configuration'],
    check: eachResource(['aws_s3_bucket'], (bucket, view) =>
      !bucket.attrs.lifecycle_rule && view.referencing('aws_s3_bucket_lifecycle_configuration', bucket, 'bucket').length === 0 && 'no lifecycle configuration',
    ),
  },
];
