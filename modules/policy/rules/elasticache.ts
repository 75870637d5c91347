import { isOn, list, literal } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

export const elasticacheRules: readonly Rule[] = [
  {
    id: 'ECA-01',
    area: 'elasticache',
    title: 'ElastiCache replication groups encrypt data at rest',
    fix: 'Set `at_rest_encryption_enabled = true` with the CMK in `kms_key_id` (only possible at creation)',
    severity: 'error',
    controls: controls('CKV_AWS_29', 'ElastiCache.4', 'AwsSolutions-AEC3'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) => !isOn(r.attrs.at_rest_encryption_enabled) && 'at_rest_encryption_enabled is off'),
  },
  {
    id: 'ECA-02',
    area: 'elasticache',
    title: 'ElastiCache clients authenticate (user groups with IAM, or an AUTH token)',
    fix: 'Set `user_group_ids` to a group whose users authenticate with IAM (docs/decisions/0007)',
    severity: 'error',
    controls: controls('CKV_AWS_31', 'ElastiCache.6', 'AwsSolutions-AEC6'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) =>
      list(r.attrs.user_group_ids).length === 0 && !r.attrs.auth_token && !r.attrs.auth_token_wo && 'no user group and no AUTH token: anyone who reaches the port can connect',
    ),
  },
  {
    id: 'ECA-03',
    area: 'elasticache',
    title: 'ElastiCache does not use the default subnet group',
    fix: 'Set `subnet_group_name` to a subnet group of the isolated data subnets',
    severity: 'error',
    controls: controls('ElastiCache.7', 'CKV_AWS_323'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) => {
      const name = r.attrs.subnet_group_name;
      return (name === undefined || literal(name) === 'default') && 'uses the default subnet group';
    }),
  },
  {
    id: 'ECA-04',
    area: 'elasticache',
    title: 'ElastiCache takes minor engine upgrades automatically',
    fix: 'Leave `auto_minor_version_upgrade` on',
    severity: 'warning',
    controls: controls('ElastiCache.2', 'CKV_AWS_322~'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) =>
      (r.attrs.auto_minor_version_upgrade === false || r.attrs.auto_minor_version_upgrade === 'false') && 'auto_minor_version_upgrade is off',
    ),
  },
];
