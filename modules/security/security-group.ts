import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface DataStoreSecurityGroupProps {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  /** The one TCP port clients may reach. */
  readonly port: number;
}

/**
 * Security group of a data store (Aurora, ElastiCache): no ingress until `allowFrom` names a
 * client security group, and no egress (Terraform removes AWS's default allow-all egress rule when
 * the group declares none).
 */
export class DataStoreSecurityGroup extends Construct {
  readonly id: string;
  private readonly port: number;
  private readonly sources = new Set<string>();

  constructor(scope: Construct, id: string, props: DataStoreSecurityGroupProps) {
    super(scope, id);
    this.port = props.port;
    const group = new SecurityGroup(this, 'group', {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    this.id = group.id;
  }

  /** Ingress on the store's port from exactly one source security group. */
  allowFrom(sourceSecurityGroupId: string, description: string): void {
    if (this.sources.has(sourceSecurityGroupId)) {
      throw new Error(`${this.node.path}: ingress from ${sourceSecurityGroupId} is already allowed`);
    }
    this.sources.add(sourceSecurityGroupId);
    new VpcSecurityGroupIngressRule(this, `ingress-${this.sources.size}`, {
      securityGroupId: this.id,
      referencedSecurityGroupId: sourceSecurityGroupId,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      description,
    });
  }
}
