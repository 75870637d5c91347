import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { PolicyCollector, type IGrantable, type PolicyStatement } from '../security/grants';

export interface ServiceRoleProps {
  readonly name: string;
  /** The AWS service that assumes the role, e.g. `ecs-tasks.amazonaws.com`. */
  readonly servicePrincipal: string;
  /** Confused-deputy guard: only this account's use of the service may assume the role. */
  readonly accountId: string;
}

/**
 * An IAM role assumable by one AWS service, whose only permissions are one inline policy built
 * from grants (`addToPolicy`). The policy is rendered at synthesis, after every grant was made;
 * a role nobody granted anything fails validation instead of synthesizing an empty policy.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly arn: string;
  readonly name: string;
  readonly grantName: string;
  private readonly policy: PolicyCollector;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.grantName = props.name;
    this.policy = new PolicyCollector(props.name);
    const role = new IamRole(this, 'role', {
      name: props.name,
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
    new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: role.name,
      policy: Lazy.stringValue({ produce: () => this.policy.toPolicyJson() }),
    });
    this.node.addValidation({ validate: () => (this.policy.isEmpty ? [`${props.name}: role was granted nothing`] : []) });
    this.arn = role.arn;
    this.name = role.name;
  }

  addToPolicy(statement: PolicyStatement): void {
    this.policy.addToPolicy(statement);
  }
}
