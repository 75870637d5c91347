import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { PolicyCollector, type IGrantable, type PolicyStatement } from '../security/grants';

export interface ServiceRoleProps {
  readonly name: string;
  /** The AWS service that assumes the role, e.g. `ecs-tasks.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** Confused-deputy guard: only this account's use of the service may assume the role. */
  readonly accountId: string;
  /**
   * AWS managed policies the service documents as the role's permissions (by ARN constant, never
   * looked up), e.g. RDS Enhanced Monitoring's. Everything else is granted inline.
   */
  readonly managedPolicyArns?: readonly string[];
  /** Permissions boundary the role must carry (service roles: what a service may ever do). */
  readonly permissionsBoundary?: string;
}

/**
 * An IAM role assumable by one AWS service, whose permissions are one inline policy built from
 * grants (`addToPolicy`), rendered at synthesis after every grant was made. The policy resource is
 * created with the first grant: a role granted nothing (e.g. the task role of a service with no
 * needs) has no inline policy at all.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly arn: string;
  readonly name: string;
  readonly grantName: string;
  private readonly policy: PolicyCollector;
  private hasInlinePolicy = false;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.grantName = props.name;
    this.policy = new PolicyCollector(props.name);
    const role = new IamRole(this, 'role', {
      name: props.name,
      ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: props.servicePrincipal },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
          },
        ],
      }),
    });
    this.arn = role.arn;
    this.name = role.name;
    for (const [i, policyArn] of (props.managedPolicyArns ?? []).entries()) {
      new IamRolePolicyAttachment(this, `managed-${i}`, { role: role.name, policyArn });
    }
  }

  addToPolicy(statement: PolicyStatement): void {
    this.policy.addToPolicy(statement);
    if (this.hasInlinePolicy) return;
    this.hasInlinePolicy = true;
    new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.name,
      policy: Lazy.stringValue({ produce: () => this.policy.toPolicyJson() }),
    });
  }
}
