/**
 * Explicit denies for CI roles. They bound what an AWS managed policy (ReadOnlyAccess,
 * PowerUserAccess) would otherwise allow; an explicit deny wins over any allow.
 */
import { CI_PREFIX } from '../delivery/names';
import type { PolicyDocumentStatement } from './ci-role';

/** Reads of data (not configuration) that ReadOnlyAccess allows and no plan or deploy needs. */
export const DATA_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:GetRecords',
  'sqs:ReceiveMessage',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:StartQuery',
  'kinesis:GetRecords',
] as const;

/**
 * No data reads: objects only in the state bucket, no items, messages, secrets, parameters or log
 * events, and KMS decryption only through S3 (the state). Plans run code from pull requests, so
 * the plan role must not be able to read anything a stack protects.
 */
export const denyDataReads = (stateBucketArn: string, stateRegion: string): PolicyDocumentStatement[] => [
  {
    Sid: 'DenyObjectReadsOutsideState',
    Effect: 'Deny',
    Action: ['s3:GetObject', 's3:GetObjectVersion'],
    NotResource: `${stateBucketArn}/*`,
  },
  { Sid: 'DenyDataReads', Effect: 'Deny', Action: [...DATA_READ_ACTIONS], Resource: '*' },
  {
    Sid: 'DenyDecryptOutsideState',
    Effect: 'Deny',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { StringNotEquals: { 'kms:ViaService': `s3.${stateRegion}.amazonaws.com` } },
  },
];

/** IAM writes that would change a role, a policy or the OIDC provider. */
export const IAM_WRITE_ACTIONS = [
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:DeletePolicy',
  'iam:DeletePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
  'iam:AddClientIDToOpenIDConnectProvider',
  'iam:RemoveClientIDFromOpenIDConnectProvider',
] as const;

/** No deploy may change or assume a CI identity (`ci-*` roles and policies, the OIDC provider). */
export const protectCiIdentities = (accountId: string): PolicyDocumentStatement[] => [
  {
    Sid: 'DenyCiIdentityChanges',
    Effect: 'Deny',
    Action: [...IAM_WRITE_ACTIONS],
    Resource: [
      `arn:aws:iam::${accountId}:role/${CI_PREFIX}*`,
      `arn:aws:iam::${accountId}:policy/${CI_PREFIX}*`,
      `arn:aws:iam::${accountId}:oidc-provider/*`,
    ],
  },
  { Sid: 'DenyAssumingCiRoles', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${accountId}:role/${CI_PREFIX}*` },
];

/** KMS administration a deploy may never do on the state key (PowerUserAccess includes kms:*). */
export const protectStateKey = (stateKeyArn: string): PolicyDocumentStatement[] => [
  {
    Sid: 'DenyStateKeyAdministration',
    Effect: 'Deny',
    Action: [
      'kms:ScheduleKeyDeletion',
      'kms:DisableKey',
      'kms:DisableKeyRotation',
      'kms:PutKeyPolicy',
      'kms:CreateGrant',
      'kms:UpdateKeyDescription',
    ],
    Resource: stateKeyArn,
  },
];
