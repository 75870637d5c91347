import { Construct } from 'constructs';
import { suppress } from '../policy/suppressions';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { SERVICE_ROLE_BOUNDARY } from '../delivery/names';

/**
 * The data-plane actions a service's task or execution role may ever be granted, in its own
 * account. A test checks that every action the stacks grant a service role is listed here.
 */
export const SERVICE_DATA_PLANE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'elasticache:Connect',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GetPublicKey',
  'kms:Sign',
  'kms:Verify',
  'logs:CreateLogStream',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
  'rds-db:connect',
  'secretsmanager:GetSecretValue',
  'ses:SendEmail',
  'ses:SendRawEmail',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
  'sqs:SendMessage',
] as const;

/** Actions without a resource (account-level): no resource-account condition can apply to them. */
export const SERVICE_ACCOUNT_LEVEL_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'cloudwatch:PutMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
] as const;

export interface ServiceRoleBoundaryProps {
  readonly accountId: string;
}

/**
 * The permissions boundary of every service role (`ci-service-role-boundary`). A service's deploy
 * role may create and change its service's roles only with this boundary attached, so a pipeline
 * cannot mint a role that does more than a service may ever do (IAM, infrastructure changes,
 * other accounts' resources).
 */
export class ServiceRoleBoundary extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ServiceRoleBoundaryProps) {
    super(scope, id);
    const policy = new IamPolicy(this, 'policy', {
      name: SERVICE_ROLE_BOUNDARY,
      description: 'Upper bound of every service task and execution role (data plane of this account only)',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DataPlaneInThisAccount',
            Effect: 'Allow',
            Action: [...SERVICE_DATA_PLANE_ACTIONS],
            Resource: '*',
            Condition: { StringEquals: { 'aws:ResourceAccount': props.accountId } },
          },
          { Sid: 'AccountLevel', Effect: 'Allow', Action: [...SERVICE_ACCOUNT_LEVEL_ACTIONS], Resource: '*' },
        ],
      }),
    });
    this.arn = policy.arn;
    suppress(policy, ['IAM-03', 'IAM-11'], {
      reason: 'A permissions boundary grants nothing: it is the ceiling of what service roles may ever be granted, scoped to this account',
      expires: '2027-12-31',
    });
  }
}

/** The boundary's ARN, by name (for stacks that attach it without referencing the bootstrap stack). */
export const serviceRoleBoundaryArn = (accountId: string): string => `arn:aws:iam::${accountId}:policy/${SERVICE_ROLE_BOUNDARY}`;
