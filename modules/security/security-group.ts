import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';

export interface DataStoreSecurityGroupProps {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
}

/**
 * Security group of a data store (Aurora, ElastiCache): no ingress and no egress of its own
 * (Terraform removes AWS's default allow-all egress rule when the group declares none). Clients are
 * admitted one by one through the store's `connections.allowFrom`, in the client's own stack.
 */
export class DataStoreSecurityGroup extends Construct {
  readonly id: string;

  constructor(scope: Construct, id: string, props: DataStoreSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, 'group', {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    this.id = group.id;
  }
}
