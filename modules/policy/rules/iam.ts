import {
  type Statement,
  allows,
  hasSourceCondition,
  identityPolicies,
  isWildcardPrincipal,
  matchesAction,
  resourcePolicies,
  statementsOf,
} from '../policy-document';
import { type StackView, type SynthesizedResource, list, literal } from '../stack-view';
import type { Rule, Violation } from '../types';
import { controls } from './define';

/** Actions that accept only `Resource: "*"` (no resource-level permissions in the IAM service reference). */
const RESOURCE_STAR_ONLY = [
  'ecr:GetAuthorizationToken',
  'cloudwatch:PutMetricData',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'sts:GetCallerIdentity',
  'ec2:Describe*',
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'elasticloadbalancing:Describe*',
  'kms:CreateKey',
  'kms:ListKeys',
  'kms:ListAliases',
  'secretsmanager:GetRandomPassword',
  'secretsmanager:ListSecrets',
  'logs:DescribeLogGroups',
  'sqs:ListQueues',
  'sns:ListTopics',
  'dynamodb:ListTables',
  'ssm:DescribeParameters',
];

const onlyStarActions = (s: Statement) =>
  s.actions.every((action) => RESOURCE_STAR_ONLY.some((allowed) => action.toLowerCase() === allowed.toLowerCase() || matchesAction(allowed, action)));

const isAdmin = (s: Statement) => s.effect === 'Allow' && s.actions.includes('*') && s.resources.includes('*');

/** Violations for each statement of each identity policy that `bad` returns a detail for. */
function identityStatements(bad: (s: Statement) => string | undefined) {
  return (view: StackView): Violation[] =>
    identityPolicies(view).flatMap(({ resource, statements }) =>
      statements.flatMap((s) => {
        const detail = bad(s);
        return detail ? [{ resource, detail }] : [];
      }),
    );
}

const ATTACHMENT_TYPES = [
  'aws_iam_role_policy_attachment',
  'aws_iam_user_policy_attachment',
  'aws_iam_group_policy_attachment',
  'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_iam_role',
];

/** Managed-policy ARNs attached by each resource (attachments and `managed_policy_arns`). */
function attachedPolicyArns(view: StackView): { resource: SynthesizedResource; arn: string }[] {
  return view.ofTypes(ATTACHMENT_TYPES).flatMap((resource) =>
    [...list(resource.attrs.policy_arn), ...list(resource.attrs.policy_arns), ...list(resource.attrs.managed_policy_arns)]
      .map(literal)
      .filter((arn): arn is string => !!arn)
      .map((arn) => ({ resource, arn })),
  );
}

const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\//;

function trustStatements(view: StackView): { resource: SynthesizedResource; statement: Statement }[] {
  return view.ofType('aws_iam_role').flatMap((resource) =>
    (statementsOf(view, resource.attrs.assume_role_policy) ?? []).map((statement) => ({ resource, statement })),
  );
}

/** Services whose role trust cannot carry a source condition (instance profiles). */
const NO_SOURCE_CONTEXT = ['ec2.amazonaws.com'];

const GITHUB_OIDC = 'token.actions.githubusercontent.com';

export const iamRules: readonly Rule[] = [
  {
    id: 'IAM-01',
    area: 'iam',
    title: 'No IAM policy grants full administrative access ("Action": "*" on "Resource": "*")',
    fix: 'Grant the exact actions on the exact resources the principal needs',
    severity: 'error',
    controls: controls('CKV_AWS_62', 'IAM.1', 'NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess', 'AwsSolutions-IAM5'),
    resourceTypes: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'],
    check: identityStatements((s) => (isAdmin(s) ? 'allows "*" on "*"' : undefined)),
  },
  {
    id: 'IAM-02',
    area: 'iam',
    title: 'IAM policies do not allow wildcard actions ("*" or "<service>:*")',
    fix: 'List the exact actions (the grant helpers in modules/security do this)',
    severity: 'error',
    controls: controls('CKV_AWS_63', 'IAM.21', 'NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess', 'AwsSolutions-IAM5'),
    resourceTypes: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'],
    check: identityStatements((s) => {
      if (s.effect !== 'Allow' || isAdmin(s)) return undefined;
      const wild = s.actions.filter((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a));
      return wild.length ? `allows ${wild.join(', ')}` : undefined;
    }),
  },
  {
    id: 'IAM-03',
    area: 'iam',
    title: 'IAM policies scope restrictable actions to resources (no "Resource": "*")',
    fix: 'Name the resource ARNs; only actions without resource-level permissions (e.g. ecr:GetAuthorizationToken) may use "*"',
    severity: 'error',
    controls: controls('CKV_AWS_355', 'AwsSolutions-IAM5'),
    resourceTypes: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'],
    check: identityStatements((s) =>
      s.effect === 'Allow' && s.resources.includes('*') && !isAdmin(s) && !onlyStarActions(s)
        ? `allows ${s.actions.join(', ')} on "*"`
        : undefined,
    ),
  },
  {
    id: 'IAM-04',
    area: 'iam',
    title: 'iam:PassRole is scoped to named roles',
    fix: 'Allow iam:PassRole only on the role ARNs the principal hands to a service, with an iam:PassedToService condition',
    severity: 'error',
    controls: controls('CKV_AWS_286~', 'CKV_AWS_110~'),
    resourceTypes: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'],
    check: identityStatements((s) =>
      allows(s, 'iam:PassRole') && s.resources.some((r) => r === '*' || r.endsWith(':role/*') || r === 'arn:aws:iam::*:role/*')
        ? `allows iam:PassRole on ${s.resources.join(', ')}`
        : undefined,
    ),
  },
  {
    id: 'IAM-05',
    area: 'iam',
    title: 'No role, user or group has the AWS AdministratorAccess policy',
    fix: 'Attach a least-privilege policy instead',
    severity: 'error',
    controls: controls('CKV_AWS_274', 'IAM.1~'),
    resourceTypes: ATTACHMENT_TYPES,
    check: (view) =>
      attachedPolicyArns(view)
        .filter(({ arn }) => /:policy\/AdministratorAccess$/.test(arn))
        .map(({ resource, arn }) => ({ resource, detail: `attaches ${arn}` })),
  },
  {
    id: 'IAM-06',
    area: 'iam',
    title: 'Roles use policies written for them, not AWS managed policies',
    fix: 'Replace the managed policy with an inline least-privilege policy built from grants',
    severity: 'warning',
    controls: controls('AwsSolutions-IAM4'),
    resourceTypes: ATTACHMENT_TYPES,
    check: (view) =>
      attachedPolicyArns(view)
        .filter(({ arn }) => AWS_MANAGED.test(arn) && !/:policy\/AdministratorAccess$/.test(arn))
        .map(({ resource, arn }) => ({ resource, detail: `attaches AWS managed policy ${arn}` })),
  },
  {
    id: 'IAM-07',
    area: 'iam',
    title: 'IAM policies are attached to roles or groups, never to users',
    fix: 'Give people roles (SSO or assumed roles) and attach policies to those',
    severity: 'error',
    controls: controls('CKV_AWS_40', 'IAM.2', 'NIST.800.53.R5-IAMUserNoPolicies'),
    resourceTypes: ['aws_iam_user_policy', 'aws_iam_user_policy_attachment', 'aws_iam_policy_attachment'],
    check: (view) =>
      view.ofTypes(['aws_iam_user_policy', 'aws_iam_user_policy_attachment', 'aws_iam_policy_attachment']).flatMap((resource) =>
        resource.type !== 'aws_iam_policy_attachment' || list(resource.attrs.users).length > 0
          ? [{ resource, detail: 'attaches a policy to an IAM user' }]
          : [],
      ),
  },
  {
    id: 'IAM-08',
    area: 'iam',
    title: 'Role trust policies do not let any principal assume the role',
    fix: 'Name the service, account or federated identity that may assume the role',
    severity: 'error',
    controls: controls('CKV_AWS_60', 'CKV_AWS_61'),
    resourceTypes: ['aws_iam_role'],
    check: (view) =>
      trustStatements(view)
        .filter(({ statement: s }) => s.effect === 'Allow' && (s.principals.some(isWildcardPrincipal) || s.principals.some((p) => p.type === 'Service' && p.id === '*')) && s.conditions.length === 0)
        .map(({ resource }) => ({ resource, detail: 'trust policy allows "*" to assume the role without conditions' })),
  },
  {
    id: 'IAM-09',
    area: 'iam',
    title: 'Service principals in trust and resource policies (key, bucket, topic, queue, secret) are bound to this account or resource',
    fix: 'Add an aws:SourceAccount or aws:SourceArn condition (or the service\'s encryption-context key) to the statement',
    severity: 'error',
    controls: controls('CKV_AWS_60~', 'CKV_AWS_33~', 'CKV_AWS_70~', 'CKV_AWS_168~', 'CKV_AWS_169~'),
    resourceTypes: ['aws_iam_role', ...['aws_kms_key', 'aws_s3_bucket_policy', 'aws_sns_topic_policy', 'aws_sqs_queue_policy', 'aws_secretsmanager_secret_policy']],
    check: (view) => {
      const unbound = (s: Statement) =>
        s.effect === 'Allow' &&
        !hasSourceCondition(s) &&
        s.principals.filter((p) => p.type === 'Service' && p.id !== '*' && !NO_SOURCE_CONTEXT.includes(p.id)).map((p) => p.id);
      const trust = trustStatements(view).flatMap(({ resource, statement }) =>
        (unbound(statement) || []).map((service) => ({ resource, detail: `trust policy lets ${service} assume the role without aws:SourceAccount/aws:SourceArn` })),
      );
      const resources = resourcePolicies(view).flatMap(({ resource, statements }) =>
        statements.flatMap((s) => (unbound(s) || []).map((service) => ({ resource, detail: `policy allows ${service} without aws:SourceAccount/aws:SourceArn` }))),
      );
      return [...trust, ...resources];
    },
  },
  {
    id: 'IAM-10',
    area: 'iam',
    title: 'Resource policies (bucket, queue, topic, key, secret, repository) do not allow anyone ("Principal": "*") without a condition',
    fix: 'Name the principals, or add a condition that limits "*" (aws:PrincipalOrgID, aws:SourceArn, ...)',
    severity: 'error',
    controls: controls('CKV_AWS_70', 'CKV_AWS_168', 'CKV_AWS_169', 'CKV_AWS_33', 'CKV_AWS_32', 'KMS.5', 'SNS.4', 'AwsSolutions-ECR1'),
    resourceTypes: ['aws_s3_bucket_policy', 'aws_sqs_queue_policy', 'aws_sns_topic_policy', 'aws_kms_key', 'aws_secretsmanager_secret_policy', 'aws_ecr_repository_policy'],
    check: (view) =>
      resourcePolicies(view).flatMap(({ resource, statements }) =>
        statements
          .filter((s) => s.effect === 'Allow' && s.principals.some(isWildcardPrincipal) && s.conditions.length === 0)
          .map((s) => ({ resource, detail: `allows ${s.actions.join(', ')} to "*"` })),
      ),
  },
  {
    id: 'IAM-11',
    area: 'iam',
    title: 'IAM policies do not allow decryption with every KMS key',
    fix: 'Allow kms:Decrypt on the key ARNs, ideally with a kms:ViaService condition',
    severity: 'error',
    controls: controls('KMS.1', 'KMS.2'),
    resourceTypes: ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'],
    check: identityStatements((s) =>
      (allows(s, 'kms:Decrypt') || allows(s, 'kms:ReEncryptFrom')) && s.resources.includes('*') && !isAdmin(s)
        ? 'allows kms:Decrypt on "*"'
        : undefined,
    ),
  },
  {
    id: 'IAM-12',
    area: 'iam',
    title: 'GitHub Actions OIDC roles are limited to named repositories (token `sub` condition)',
    fix: 'Add StringEquals/StringLike on token.actions.githubusercontent.com:sub (repo:<org>/<repo>:...) and :aud = sts.amazonaws.com',
    severity: 'error',
    controls: controls('CKV_AWS_358', 'CKV_AWS_393'),
    resourceTypes: ['aws_iam_role'],
    check: (view) =>
      trustStatements(view)
        .filter(({ statement: s }) => s.effect === 'Allow' && s.principals.some((p) => p.type === 'Federated' && p.id.includes(GITHUB_OIDC)))
        .filter(({ statement: s }) => {
          const sub = s.conditions.filter((c) => c.key === `${GITHUB_OIDC}:sub`);
          return sub.length === 0 || sub.some((c) => c.values.some((v) => v === '*' || v === 'repo:*' || /^repo:\*/.test(v)));
        })
        .map(({ resource }) => ({ resource, detail: 'GitHub OIDC trust without a repository-scoped `sub` condition' })),
  },
];
