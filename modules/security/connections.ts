/**
 * Network paths between security groups, shaped after AWS CDK's `Connections`: a data store (or a
 * service) exposes `connections`, and `target.connections.allowFrom(source.connections, …)` creates
 * both halves of the path at once — ingress on the target from the source group and egress on the
 * source to the target group, on the target's port — in the scope of the caller (so a service
 * stack owns its own paths to platform-owned data stores).
 */
import type { Construct } from 'constructs';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export class Connections {
  /**
   * @param name    short label used in rule construct ids and descriptions (e.g. `aurora`, `user`)
   * @param securityGroupId the group whose rules are written
   * @param port    the TCP port clients use to reach this group's members (none for pure clients)
   */
  constructor(
    readonly name: string,
    readonly securityGroupId: string,
    readonly port?: number,
  ) {}

  /** Opens `source → this` on this group's port: ingress here, egress on the source. Both rules live in `scope`. */
  allowFrom(scope: Construct, source: Connections): void {
    if (this.port === undefined) throw new Error(`connections "${this.name}" has no port to allow traffic to`);
    const id = `${source.name}-to-${this.name}-${this.port}`;
    // Rule descriptions accept a restricted character set (no arrows): plain words.
    const description = `${source.name} to ${this.name} on tcp ${this.port}`;
    new VpcSecurityGroupIngressRule(scope, `ingress-${id}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: source.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      description,
    });
    new VpcSecurityGroupEgressRule(scope, `egress-${id}`, {
      securityGroupId: source.securityGroupId,
      referencedSecurityGroupId: this.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      description,
    });
  }
}
