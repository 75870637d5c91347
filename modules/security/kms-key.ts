import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey as KmsKeyResource } from '@cdktf/provider-aws/lib/kms-key';
import { Grant, type IGrantable } from './grants';

/** Service prefix of an AWS service that calls KMS on a caller's behalf, e.g. `sqs`, `dynamodb`. */
export type KmsViaService = 'sqs' | 'dynamodb' | 'secretsmanager';

/** AWS services that use the key directly (not through a caller's IAM identity). */
export interface KeyServiceUse {
  /** CloudWatch Logs in the key's region encrypts log groups (pinned by encryption context). */
  readonly logs?: boolean;
  /**
   * CloudWatch alarms publish to a KMS-encrypted SNS topic: admitted only for alarms of this
   * account and region whose names match this pattern (e.g. `platform-prod-*`).
   */
  readonly cloudwatchAlarmNamePattern?: string;
  /**
   * CloudFront reads objects encrypted with the key through Origin Access Control: admitted for
   * `kms:Decrypt` only, and only on behalf of this distribution (`aws:SourceArn`).
   */
  readonly cloudfrontDistributionArn?: string;
}

/** The key as other constructs see it: created here, or imported from another stack. */
export interface IKey {
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly serviceUse: KeyServiceUse;
  /** Exactly `actions` on this key, optionally only when called through `viaService`. */
  grant(grantee: IGrantable, actions: readonly string[], viaService?: KmsViaService): Grant;
  grantDecrypt(grantee: IGrantable, viaService?: KmsViaService): Grant;
  grantEncryptDecrypt(grantee: IGrantable, viaService?: KmsViaService): Grant;
  /** Fails synthesis when a construct needs a service use the key policy does not admit. */
  requireServiceUse(use: keyof KeyServiceUse, usedBy: string): void;
}

export interface KmsKeyProps {
  /** Alias suffix: the key is reachable as `alias/<name>`. */
  readonly name: string;
  readonly description: string;
  readonly accountId: string;
  readonly region: string;
  readonly serviceUse?: KeyServiceUse;
  /** Waiting period before a scheduled deletion takes effect (7..30 days). */
  readonly deletionWindowDays?: number;
}

const ENCRYPT_DECRYPT_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
];

/** Grant methods shared by the construct and imported references. */
class KeyGrants {
  constructor(private readonly key: Pick<IKey, 'arn' | 'region' | 'serviceUse'> & { readonly label: string }) {}

  grant(grantee: IGrantable, actions: readonly string[], viaService?: KmsViaService): Grant {
    return Grant.add(grantee, {
      actions,
      resources: [this.key.arn],
      ...(viaService
        ? { conditions: { StringEquals: { 'kms:ViaService': `${viaService}.${this.key.region}.amazonaws.com` } } }
        : {}),
    });
  }

  requireServiceUse(use: keyof KeyServiceUse, usedBy: string): void {
    if (!this.key.serviceUse[use]) {
      throw new Error(
        `${usedBy}: KMS key "${this.key.label}" must admit "${use}" in serviceUse, otherwise the service cannot use ` +
          'the key and the resource fails at apply time',
      );
    }
  }
}

/**
 * A customer managed key with rotation on. Its key policy delegates to IAM (account root: the
 * standard "enable IAM policies" statement, so grants take effect) and admits the AWS services
 * that use it directly, each pinned to this account (and region) by a condition so the service
 * cannot be used as a confused deputy from another account.
 */
export class KmsKey extends Construct implements IKey {
  readonly arn: string;
  readonly keyId: string;
  readonly aliasName: string;
  readonly accountId: string;
  readonly region: string;
  readonly serviceUse: KeyServiceUse;
  private readonly grants: KeyGrants;

  /** A key created elsewhere (e.g. the platform stack), used from this stack by ARN. */
  static fromAttributes(attrs: { arn: string; accountId: string; region: string; serviceUse: KeyServiceUse }): IKey {
    const grants = new KeyGrants({ ...attrs, label: attrs.arn });
    return {
      ...attrs,
      grant: (g, actions, via) => grants.grant(g, actions, via),
      grantDecrypt: (g, via) => grants.grant(g, ['kms:Decrypt'], via),
      grantEncryptDecrypt: (g, via) => grants.grant(g, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], via),
      requireServiceUse: (use, usedBy) => grants.requireServiceUse(use, usedBy),
    };
  }

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    this.accountId = props.accountId;
    this.region = props.region;
    this.serviceUse = props.serviceUse ?? {};
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
    this.grants = new KeyGrants({ arn: this.arn, region: this.region, serviceUse: this.serviceUse, label: this.aliasName });
  }

  grant(grantee: IGrantable, actions: readonly string[], viaService?: KmsViaService): Grant {
    return this.grants.grant(grantee, actions, viaService);
  }

  grantDecrypt(grantee: IGrantable, viaService?: KmsViaService): Grant {
    return this.grant(grantee, ['kms:Decrypt'], viaService);
  }

  grantEncryptDecrypt(grantee: IGrantable, viaService?: KmsViaService): Grant {
    return this.grant(grantee, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], viaService);
  }

  requireServiceUse(use: keyof KeyServiceUse, usedBy: string): void {
    this.grants.requireServiceUse(use, usedBy);
  }

  private keyPolicy(): object {
    const account = `arn:aws:iam::${this.accountId}:root`;
    const statements: object[] = [
      {
        // AWS's default key statement: key administration stays with the account and IAM
        // policies (the grants) decide who may use the key.
        Sid: 'EnableIamPolicies',
        Effect: 'Allow',
        Principal: { AWS: account },
        Action: 'kms:*',
        Resource: '*',
      },
    ];
    if (this.serviceUse.logs) {
      // CloudWatch Logs passes the log group ARN as encryption context: only this account's groups.
      statements.push({
        Sid: 'AllowCloudWatchLogs',
        Effect: 'Allow',
        Principal: { Service: `logs.${this.region}.amazonaws.com` },
        Action: ENCRYPT_DECRYPT_ACTIONS,
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${this.region}:${this.accountId}:log-group:*` } },
      });
    }
    if (this.serviceUse.cloudwatchAlarmNamePattern) {
      // Alarms publishing to the encrypted alarm topic: only this account's alarms with our names.
      statements.push({
        Sid: 'AllowCloudWatchAlarms',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': this.accountId },
          ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${this.serviceUse.cloudwatchAlarmNamePattern}` },
        },
      });
    }
    if (this.serviceUse.cloudfrontDistributionArn) {
      statements.push({
        Sid: 'AllowCloudFrontDistribution',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': this.serviceUse.cloudfrontDistributionArn } },
      });
    }
    return { Version: '2012-10-17', Statement: statements };
  }
}
