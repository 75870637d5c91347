import { Construct } from 'constructs';
import { suppress } from '../policy/suppressions';
import { Lazy } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { PolicyCollector, type IGrantable, type PolicyStatement } from '../security/grants';

/** AWS managed policies used by CI roles (global ARNs: named here, never looked up). */
export const AWS_MANAGED_POLICY = {
  /** Describe/list/get across services: what `terraform plan` needs to refresh any resource. */
  readOnlyAccess: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  /** Everything except IAM, Organizations and Account: the platform stack's own infrastructure. */
  powerUserAccess: 'arn:aws:iam::aws:policy/PowerUserAccess',
  administratorAccess: 'arn:aws:iam::aws:policy/AdministratorAccess',
} as const;

/** GitHub's OIDC issuer (the thumbprints are GitHub's published intermediate-CA fingerprints). */
export const GITHUB_OIDC = {
  url: 'https://token.actions.githubusercontent.com',
  host: 'token.actions.githubusercontent.com',
  audience: 'sts.amazonaws.com',
  thumbprints: ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'],
} as const;

/** One statement of a trust policy or a guardrail policy, as IAM's JSON has it. */
export type PolicyDocumentStatement = Readonly<Record<string, unknown>>;

/** GitHub Actions runs whose token carries exactly `subject` (e.g. `repo:org/repo:pull_request`). */
export const githubTrust = (providerArn: string, subject: string): PolicyDocumentStatement => ({
  Effect: 'Allow',
  Principal: { Federated: providerArn },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: {
    StringEquals: { [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience, [`${GITHUB_OIDC.host}:sub`]: subject },
  },
});

/**
 * Exactly one role of another account (the tooling account's CodeBuild role of a pipeline job).
 * Trusting the account with an `aws:PrincipalArn` condition, rather than naming the role as the
 * principal, lets this account be bootstrapped before or after the tooling account and keeps
 * working when that role is recreated.
 */
export const crossAccountRoleTrust = (roleArn: string): PolicyDocumentStatement => ({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${roleArn.split(':')[4]}:root` },
  Action: 'sts:AssumeRole',
  Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn } },
});

export interface CiRoleProps {
  readonly name: string;
  readonly description: string;
  readonly trust: readonly PolicyDocumentStatement[];
  readonly managedPolicyArns?: readonly string[];
  /** Why AWS managed policies fit this identity (required with `managedPolicyArns`; recorded as a policy-pack suppression). */
  readonly managedPolicyReason?: string;
  /** Explicit denies (rendered as the inline policy `guardrails`; they may use NotResource). */
  readonly guardrails?: readonly PolicyDocumentStatement[];
  /** Session length; default one hour. */
  readonly maxSessionDurationSeconds?: number;
}

/**
 * A CI identity: a role with an explicit trust policy, optional AWS managed policies, grants
 * collected into one inline policy (created on the first grant), and optional deny guardrails.
 */
export class CiRole extends Construct implements IGrantable {
  readonly arn: string;
  readonly name: string;
  readonly grantName: string;
  private readonly role: IamRole;
  private readonly collector: PolicyCollector;
  private granted = false;

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    this.grantName = props.name;
    this.collector = new PolicyCollector(props.name);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: props.description,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: props.trust }),
    });
    this.arn = this.role.arn;
    this.name = this.role.name;
    for (const [index, policyArn] of (props.managedPolicyArns ?? []).entries()) {
      new IamRolePolicyAttachment(this, `managed-${index}`, { role: this.role.name, policyArn });
    }
    if (props.managedPolicyArns?.length) {
      if (!props.managedPolicyReason) throw new Error(`${props.name}: say why AWS managed policies fit it (managedPolicyReason)`);
      // AdministratorAccess is its own rule (IAM-05), suppressed where it is used, with its own reason.
      if (props.managedPolicyArns.some((arn) => arn !== AWS_MANAGED_POLICY.administratorAccess)) {
        suppress(this, 'IAM-06', { reason: props.managedPolicyReason, expires: '2027-06-30' });
      }
    }
    if (props.guardrails?.length) {
      new IamRolePolicy(this, 'guardrails', {
        name: 'guardrails',
        role: this.role.name,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: props.guardrails }),
      });
    }
    this.node.addValidation({
      validate: () => (this.granted || props.managedPolicyArns?.length ? [] : [`${props.name}: role was granted nothing`]),
    });
  }

  addToPolicy(statement: PolicyStatement): void {
    this.collector.addToPolicy(statement);
    if (this.granted) return;
    this.granted = true;
    new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.name,
      policy: Lazy.stringValue({ produce: () => this.collector.toPolicyJson() }),
    });
  }
}
