/**
 * The roles a pipeline deploys with, one per delivery unit in every environment account, each
 * trusted only by that unit's deploy job in the tooling account and able to write only its own
 * stack's state.
 */
import { Construct } from 'constructs';
import type { EnvironmentName } from '../../services/catalog';
import {
  deployRoleArn,
  deployRoleName,
  pipelineJobRoleArn,
  platformResourcePrefix,
  serviceRepositoryName,
  serviceResourcePrefix,
} from '../delivery/names';
import type { DeliveryUnit } from '../delivery/units';
import type { PolicyStatement } from '../security/grants';
import { platformStateKey } from '../stacks/naming';
import { AWS_MANAGED_POLICY, CiRole, crossAccountRoleTrust } from './ci-role';
import { denyDataReads, protectCiIdentities, protectStateKey } from './guardrails';
import type { StateBackend } from './state-backend';

export interface DeployRoleProps {
  readonly unit: DeliveryUnit;
  readonly env: EnvironmentName;
  readonly accountId: string;
  /** The environment's region (its resources' ARNs). */
  readonly region: string;
  readonly project: string;
  readonly toolingAccountId: string;
  readonly state: StateBackend;
  readonly stateRegion: string;
}

/**
 * Pushing one image to one repository, as AWS documents it (ecr:GetAuthorizationToken has no
 * resource: `*` is the only form AWS accepts). KMS-encrypted repositories need no KMS rights of the
 * pusher: ECR uses its own grant on the key.
 */
export const IMAGE_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
] as const;

/** IAM changes that set what a role may do (a service deploy role may make them only with the service boundary). */
export const ROLE_POLICY_WRITE_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:PutRolePermissionsBoundary',
] as const;
export const ROLE_MAINTENANCE_ACTIONS = [
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
] as const;

const trustFor = (props: DeployRoleProps) =>
  crossAccountRoleTrust(pipelineJobRoleArn(props.toolingAccountId, props.project, props.unit.name, `deploy-${props.env}`));

/**
 * The platform pipeline's role: PowerUserAccess (the platform stack creates networks, data stores,
 * keys, the cluster) plus IAM for the platform's own roles (`<project>-<env>-*`). It is the one
 * broad deploy identity; its limits are the guardrails (no CI identity, no state-key
 * administration) and the state bucket's policy (its own state only).
 */
export class PlatformDeployRole extends Construct {
  readonly role: CiRole;

  constructor(scope: Construct, id: string, props: DeployRoleProps) {
    super(scope, id);
    const { accountId, env } = props;
    const prefix = platformResourcePrefix(props.project, env);
    this.role = new CiRole(this, 'role', {
      name: deployRoleName(env, props.unit.name),
      description: `deploys ${props.unit.stackName(env)} from the tooling account's ${props.unit.name} pipeline`,
      trust: [trustFor(props)],
      managedPolicyArns: [AWS_MANAGED_POLICY.powerUserAccess],
      managedPolicyReason:
        'The platform stack manages most resource types of the account; PowerUserAccess excludes IAM, which the inline grants add for its own prefix only',
      guardrails: [...protectCiIdentities(accountId), ...protectStateKey(props.state.key.arn)],
    });
    const stateKey = props.unit.stateKey(env);
    props.state.grant(this.role, { write: stateKey });
    props.state.confineWriter(deployRoleArn(accountId, env, props.unit.name), stateKey);
    const roles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
    this.role.addToPolicy({
      actions: [...ROLE_POLICY_WRITE_ACTIONS, ...ROLE_MAINTENANCE_ACTIONS, 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: [roles],
    });
    this.role.addToPolicy({ actions: ['iam:PassRole'], resources: [roles] });
  }
}

/**
 * A service pipeline's role: ReadOnlyAccess minus data reads (refresh), its own state (write) and
 * the platform's (read), its image repository (push), its own roles `<project>-<env>-<service>-*`
 * (write only with the service boundary; pass only to ECS tasks), and the resources of a service
 * stack, by name where the service supports it.
 */
export class ServiceDeployRole extends Construct {
  readonly role: CiRole;

  constructor(scope: Construct, id: string, props: DeployRoleProps & { readonly service: string; readonly boundaryArn: string }) {
    super(scope, id);
    const { accountId, env, region, service } = props;
    this.role = new CiRole(this, 'role', {
      name: deployRoleName(env, props.unit.name),
      description: `deploys ${props.unit.stackName(env)} from the tooling account's ${props.unit.name} pipeline`,
      trust: [trustFor(props)],
      managedPolicyArns: [AWS_MANAGED_POLICY.readOnlyAccess],
      managedPolicyReason: 'terraform plan refreshes every resource type of the stack; the guardrails deny reading any data',
      guardrails: [...denyDataReads(props.state.bucketArn, props.stateRegion), ...protectCiIdentities(accountId)],
    });
    const stateKey = props.unit.stateKey(env);
    props.state.grant(this.role, { write: stateKey, read: [platformStateKey(env)] });
    props.state.confineWriter(deployRoleArn(accountId, env, props.unit.name), stateKey);

    this.role.addToPolicy({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] });
    this.role.addToPolicy({
      actions: IMAGE_PUSH_ACTIONS,
      resources: [`arn:aws:ecr:${region}:${accountId}:repository/${serviceRepositoryName(props.project, service)}`],
    });

    const roles = `arn:aws:iam::${accountId}:role/${serviceResourcePrefix(props.project, env, service)}-*`;
    this.role.addToPolicy({
      actions: ROLE_POLICY_WRITE_ACTIONS,
      resources: [roles],
      conditions: { StringEquals: { 'iam:PermissionsBoundary': props.boundaryArn } },
    });
    this.role.addToPolicy({ actions: ROLE_MAINTENANCE_ACTIONS, resources: [roles] });
    this.role.addToPolicy({
      actions: ['iam:PassRole'],
      resources: [roles],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    for (const statement of serviceStackWrites({ ...props, service })) this.role.addToPolicy(statement);
  }
}

/**
 * What applying a service stack changes besides IAM, state and the image: task definitions, the
 * ECS service, target group and listener rules, security-group rules toward the data stores, its
 * log group, alarms, dashboard and scaling. Named resources are scoped to the service's prefix;
 * APIs without resource-level permissions (task definitions, scaling targets) and resources named
 * by AWS (rules, security-group rules) are scoped to the environment's account and region.
 */
export function serviceStackWrites(props: {
  accountId: string;
  region: string;
  project: string;
  env: EnvironmentName;
  service: string;
}): PolicyStatement[] {
  const { accountId, region, env, service } = props;
  const prefix = serviceResourcePrefix(props.project, env, service);
  const cluster = platformResourcePrefix(props.project, env);
  const arn = (awsService: string, resource: string) => `arn:aws:${awsService}:${region}:${accountId}:${resource}`;
  return [
    // RegisterTaskDefinition has no resource-level permissions.
    { actions: ['ecs:RegisterTaskDefinition', 'ecs:DeregisterTaskDefinition'], resources: ['*'] },
    {
      actions: ['ecs:CreateService', 'ecs:UpdateService', 'ecs:DeleteService', 'ecs:TagResource', 'ecs:UntagResource'],
      resources: [arn('ecs', `service/${cluster}/${service}`), arn('ecs', `task-definition/${prefix}:*`)],
    },
    // The deploy runs the service's one-off migration task before the rollout, in the service's cluster only.
    {
      actions: ['ecs:RunTask'],
      resources: [arn('ecs', `task-definition/${prefix}-migrate:*`)],
      conditions: { ArnEquals: { 'ecs:cluster': arn('ecs', `cluster/${cluster}`) } },
    },
    { actions: ['ecs:DescribeTasks'], resources: [arn('ecs', `task/${cluster}/*`)] },
    {
      actions: [
        'elasticloadbalancing:CreateTargetGroup',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:SetRulePriorities',
        'elasticloadbalancing:AddTags',
        'elasticloadbalancing:RemoveTags',
      ],
      resources: [
        arn('elasticloadbalancing', 'targetgroup/*/*'),
        arn('elasticloadbalancing', 'listener/app/*/*/*'),
        arn('elasticloadbalancing', 'listener-rule/app/*/*/*/*'),
      ],
    },
    {
      actions: [
        'ec2:CreateSecurityGroup',
        'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:ModifySecurityGroupRules',
        'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
        'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
        'ec2:CreateTags',
        'ec2:DeleteTags',
      ],
      resources: [arn('ec2', 'security-group/*'), arn('ec2', 'security-group-rule/*'), arn('ec2', 'vpc/*')],
    },
    {
      actions: [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:AssociateKmsKey',
        'logs:DisassociateKmsKey',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      resources: [arn('logs', `log-group:/ecs/${prefix}`), arn('logs', `log-group:/ecs/${prefix}:*`)],
    },
    {
      actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      resources: [arn('cloudwatch', `alarm:${prefix}-*`)],
    },
    {
      actions: ['cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards'],
      resources: [`arn:aws:cloudwatch::${accountId}:dashboard/${prefix}*`],
    },
    {
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
        'application-autoscaling:DeleteScalingPolicy',
        'application-autoscaling:TagResource',
        'application-autoscaling:UntagResource',
      ],
      resources: [arn('application-autoscaling', 'scalable-target/*')],
    },
    {
      // The first scalable ECS service of an account creates Application Auto Scaling's service-linked role.
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:aws:iam::${accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/*`],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' } },
    },
  ];
}
