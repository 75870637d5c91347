import { type StackView, type SynthesizedResource, isOn, isReference, literal, num } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

/** The cluster an Aurora instance belongs to, when it is in this stack. */
const clusterOf = (view: StackView, instance: SynthesizedResource) => view.target(instance.attrs.cluster_identifier);

export const auroraRules: readonly Rule[] = [
  {
    id: 'RDS-01',
    area: 'aurora',
    title: 'Aurora clusters and RDS instances accept IAM database authentication',
    fix: 'Set `iam_database_authentication_enabled = true`; services connect with IAM tokens, one role each',
    severity: 'error',
    controls: controls('CKV_AWS_162', 'CKV_AWS_161', 'RDS.12', 'RDS.10', 'AwsSolutions-RDS6'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (r) => !isOn(r.attrs.iam_database_authentication_enabled) && 'IAM database authentication is off'),
  },
  {
    id: 'RDS-02',
    area: 'aurora',
    title: 'Database instances have Enhanced Monitoring',
    fix: 'Set `monitoring_interval` (e.g. 60) and `monitoring_role_arn` on each instance (or on the cluster)',
    severity: 'error',
    controls: controls('CKV_AWS_118', 'RDS.6', 'NIST.800.53.R5-RDSEnhancedMonitoringEnabled'),
    resourceTypes: ['aws_rds_cluster_instance', 'aws_db_instance', 'aws_rds_cluster'],
    check: eachResource(['aws_rds_cluster_instance', 'aws_db_instance'], (r, view) => {
      const interval = (x: unknown) => (isReference(x) ? 60 : (num(x) ?? 0));
      const cluster = r.type === 'aws_rds_cluster_instance' ? clusterOf(view, r) : undefined;
      return interval(r.attrs.monitoring_interval) === 0 && interval(cluster?.attrs.monitoring_interval) === 0 && 'monitoring_interval is 0 (Enhanced Monitoring off)';
    }),
  },
  {
    id: 'RDS-03',
    area: 'aurora',
    title: 'Database instances have Performance Insights',
    fix: 'Set `performance_insights_enabled = true` with the CMK',
    severity: 'warning',
    controls: controls('CKV_AWS_353'),
    resourceTypes: ['aws_rds_cluster_instance', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster_instance', 'aws_db_instance'], (r, view) => {
      const cluster = r.type === 'aws_rds_cluster_instance' ? clusterOf(view, r) : undefined;
      return !isOn(r.attrs.performance_insights_enabled) && !isOn(cluster?.attrs.performance_insights_enabled) && 'Performance Insights is off';
    }),
  },
  {
    id: 'RDS-04',
    area: 'aurora',
    title: 'Database instances take minor engine upgrades automatically',
    fix: 'Leave `auto_minor_version_upgrade` on',
    severity: 'warning',
    controls: controls('CKV_AWS_226', 'RDS.13', 'RDS.35'),
    resourceTypes: ['aws_rds_cluster_instance', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster_instance', 'aws_db_instance'], (r) => r.attrs.auto_minor_version_upgrade === false && 'auto_minor_version_upgrade is off'),
  },
  {
    id: 'RDS-05',
    area: 'aurora',
    title: 'Database clusters use a custom administrator user name',
    fix: 'Set `master_username` to a name other than postgres/admin/root',
    severity: 'warning',
    controls: controls('RDS.24', 'RDS.25'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (r) => {
      const name = literal(r.attrs.master_username ?? r.attrs.username);
      return name !== undefined && ['postgres', 'admin', 'root', 'administrator'].includes(name.toLowerCase()) && `master user is "${name}"`;
    }),
  },
];
