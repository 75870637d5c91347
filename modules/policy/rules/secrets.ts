import { literal, num, one } from '../stack-view';
import type { Rule } from '../types';
import { PROD_ERROR, controls, eachResource } from './define';

/** Rotation interval in days from `automatically_after_days` or a `rate(N days)` schedule. */
function rotationDays(rules: Record<string, unknown> | undefined): number | undefined {
  const days = num(rules?.automatically_after_days);
  if (days !== undefined) return days;
  const rate = /^rate\((\d+)\s+days?\)$/.exec(literal(rules?.schedule_expression) ?? '');
  return rate ? Number(rate[1]) : undefined;
}

export const secretsRules: readonly Rule[] = [
  {
    id: 'SEC-01',
    area: 'secrets',
    title: 'Secrets Manager secrets rotate automatically',
    fix: 'Add `aws_secretsmanager_secret_rotation` with a rotation function (or use a service-managed secret, e.g. RDS manage_master_user_password)',
    severity: PROD_ERROR,
    controls: controls('CKV2_AWS_57', 'SecretsManager.1', 'AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'),
    resourceTypes: ['aws_secretsmanager_secret', 'aws_secretsmanager_secret_rotation'],
    check: eachResource(['aws_secretsmanager_secret'], (secret, view) =>
      view.referencing('aws_secretsmanager_secret_rotation', secret, 'secret_id').length === 0 && 'no rotation is configured',
    ),
  },
  {
    id: 'SEC-02',
    area: 'secrets',
    title: 'Secret rotation happens at least every 90 days',
    fix: 'Set `rotation_rules.automatically_after_days` (or a rate schedule) to 90 or less',
    severity: 'error',
    controls: controls('CKV_AWS_304', 'SecretsManager.4'),
    resourceTypes: ['aws_secretsmanager_secret_rotation'],
    check: eachResource(['aws_secretsmanager_secret_rotation'], (r) => {
      const days = rotationDays(one(r.attrs.rotation_rules));
      return days !== undefined && days > 90 && `rotates every ${days} days`;
    }),
  },
];
