import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey as KmsKeyResource } from '@cdktf/provider-aws/lib/kms-key';
import type { IGrantable } from './grants';

export interface KmsKeyProps {
  /** Alias suffix: the key is reachable as `alias/<name>`. */
  readonly name: string;
  readonly description: string;
  readonly accountId: string;
  readonly region: string;
  /**
   * AWS service principals that use the key directly (not through a caller's IAM identity),
   * e.g. `logs.<region>.amazonaws.com` for encrypted log groups or `cloudwatch.amazonaws.com` for
   * alarms publishing to an encrypted SNS topic.
   */
  readonly servicePrincipals?: readonly string[];
  /** Waiting period before a scheduled deletion takes effect (7..30 days). */
  readonly deletionWindowDays?: number;
}

/** Service prefix of an AWS service that calls KMS on a caller's behalf, e.g. `sqs`, `dynamodb`. */
export type KmsViaService = 'sqs' | 'dynamodb' | 'secretsmanager';

const ENCRYPT_DECRYPT_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
];

/**
 * A customer managed key with rotation on. Its key policy delegates to IAM (account root: the
 * standard "enable IAM policies" statement, so grants below take effect) and lets each listed
 * service principal use it, scoped to this account.
 */
export class KmsKey extends Construct {
  readonly arn: string;
  readonly keyId: string;
  readonly aliasName: string;
  readonly accountId: string;
  readonly region: string;
  readonly servicePrincipals: readonly string[];

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    this.accountId = props.accountId;
    this.region = props.region;
    this.servicePrincipals = props.servicePrincipals ?? [];
    this.aliasName = `alias/${props.name}`;

    const key = new KmsKeyResource(this, 'key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: JSON.stringify(this.keyPolicy()),
    });
    new KmsAlias(this, 'alias', { name: this.aliasName, targetKeyId: key.keyId });
    this.arn = key.arn;
    this.keyId = key.keyId;
  }

  /** Adds exactly `actions` on this key, optionally only when called through `viaService`. */
  grant(grantee: IGrantable, actions: readonly string[], viaService?: KmsViaService): void {
    grantee.addToPolicy({
      actions,
      resources: [this.arn],
      ...(viaService
        ? { conditions: { StringEquals: { 'kms:ViaService': `${viaService}.${this.region}.amazonaws.com` } } }
        : {}),
    });
  }

  grantDecrypt(grantee: IGrantable, viaService?: KmsViaService): void {
    this.grant(grantee, ['kms:Decrypt'], viaService);
  }

  grantEncryptDecrypt(grantee: IGrantable, viaService?: KmsViaService): void {
    this.grant(grantee, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], viaService);
  }

  /** Fails synthesis when a construct needs a service principal the key policy does not admit. */
  requireServicePrincipal(principal: string, usedBy: string): void {
    if (!this.servicePrincipals.includes(principal)) {
      throw new Error(
        `${usedBy}: KMS key "${this.aliasName}" must list "${principal}" in servicePrincipals, ` +
          `otherwise ${principal} cannot use the key and the resource fails at apply time`,
      );
    }
  }

  private keyPolicy(): object {
    const account = `arn:aws:iam::${this.accountId}:root`;
    return {
      Version: '2012-10-17',
      Statement: [
        {
          // AWS's default key statement: key administration stays with the account and IAM
          // policies (the grants below) decide who may use the key.
          Sid: 'EnableIamPolicies',
          Effect: 'Allow',
          Principal: { AWS: account },
          Action: 'kms:*',
          Resource: '*',
        },
        ...this.servicePrincipals.map((principal) => ({
          Sid: `AllowService${principal.split('.')[0].replace(/[^A-Za-z0-9]/g, '')}`,
          Effect: 'Allow',
          Principal: { Service: principal },
          Resource: '*',
          ...this.servicePrincipalAccess(principal),
        })),
      ],
    };
  }

  private servicePrincipalAccess(principal: string): { Action: readonly string[]; Condition?: object } {
    // CloudWatch Logs passes the log group ARN as encryption context; pin it to this account and region.
    if (principal.startsWith('logs.')) {
      const logGroups = `arn:aws:logs:${this.region}:${this.accountId}:log-group:*`;
      return { Action: ENCRYPT_DECRYPT_ACTIONS, Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } } };
    }
    // Alarms publishing to an encrypted topic: AWS's documented statement, without conditions
    // (caller-account conditions on this call are known to make alarm notifications fail silently).
    if (principal === 'cloudwatch.amazonaws.com') return { Action: ['kms:Decrypt', 'kms:GenerateDataKey'] };
    return { Action: ENCRYPT_DECRYPT_ACTIONS, Condition: { StringEquals: { 'aws:SourceAccount': this.accountId } } };
  }
}
