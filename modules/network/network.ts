import { Construct } from 'constructs';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ServiceRole } from '../iam/service-role';
import { LogGroup } from '../observability/log-group';
import type { KmsKey } from '../security/kms-key';

/** Interface endpoints the Fargate tasks use when `interfaceEndpoints` is on. */
export const INTERFACE_ENDPOINT_SERVICES = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sqs', 'kms'] as const;

export interface NetworkProps {
  /** Name prefix, e.g. `platform-prod`. */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly cidr: string;
  readonly availabilityZones: readonly string[];
  /** One CIDR per AZ, in AZ order, for each tier. */
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  readonly isolatedSubnetCidrs: readonly string[];
  readonly natGateways: 'single' | 'per-az';
  readonly interfaceEndpoints: boolean;
  readonly flowLogRetentionDays: number;
  /** Encrypts the flow-log group; must admit the regional Logs service principal. */
  readonly kmsKey: KmsKey;
}

type Tier = 'public' | 'private' | 'isolated';

/**
 * The VPC: public subnets (NAT only), private-app subnets (Fargate and the internal ALB; egress through NAT) and
 * isolated-data subnets (Aurora, ElastiCache; only the VPC-local route), S3/DynamoDB gateway
 * endpoints, optional interface endpoints, flow logs, and a default security group without rules.
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly cidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly isolatedSubnetIds: string[];
  readonly flowLogGroupName: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azCount = props.availabilityZones.length;
    for (const [tier, list] of [
      ['public', props.publicSubnetCidrs],
      ['private', props.privateSubnetCidrs],
      ['isolated', props.isolatedSubnetCidrs],
    ] as const) {
      if (list.length !== azCount) throw new Error(`Network ${props.name}: ${tier} subnets need one CIDR per AZ (${azCount})`);
    }

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true, // required by interface endpoints' private DNS
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    this.vpcId = vpc.id;
    this.cidr = props.cidr;

    // Takes over the VPC's default group and removes all its rules: nothing may use it by accident.
    new DefaultSecurityGroup(this, 'default-sg', { vpcId: vpc.id, tags: { Name: `${props.name}-default-closed` } });

    const subnets = (tier: Tier, cidrs: readonly string[]) =>
      cidrs.map(
        (cidrBlock, i) =>
          new Subnet(this, `${tier}-${i}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: props.availabilityZones[i],
            mapPublicIpOnLaunch: false,
            tags: { Name: `${props.name}-${tier}-${props.availabilityZones[i]}`, Tier: tier },
          }),
      );
    const publicSubnets = subnets('public', props.publicSubnetCidrs);
    const privateSubnets = subnets('private', props.privateSubnetCidrs);
    const isolatedSubnets = subnets('isolated', props.isolatedSubnetCidrs);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);

    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: props.name } });
    const publicRoutes = new RouteTable(this, 'public-rt', { vpcId: vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    publicSubnets.forEach((s, i) => new RouteTableAssociation(this, `public-rta-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }));

    const natCount = props.natGateways === 'per-az' ? azCount : 1;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${i}` } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: subnet.id,
        tags: { Name: `${props.name}-nat-${props.availabilityZones[i]}` },
        dependsOn: [igw],
      });
    });

    // One private route table per AZ, so each AZ egresses through its own NAT when there is one per AZ.
    const privateRouteTableIds = privateSubnets.map((subnet, i) => {
      const table = new RouteTable(this, `private-rt-${i}`, {
        vpcId: vpc.id,
        tags: { Name: `${props.name}-private-${props.availabilityZones[i]}` },
      });
      new Route(this, `private-default-${i}`, {
        routeTableId: table.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nats[props.natGateways === 'per-az' ? i : 0]!.id,
      });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: subnet.id, routeTableId: table.id });
      return table.id;
    });

    // Isolated tier: a table with only the implicit local route (no IGW, no NAT).
    const isolatedRoutes = new RouteTable(this, 'isolated-rt', { vpcId: vpc.id, tags: { Name: `${props.name}-isolated` } });
    isolatedSubnets.forEach((s, i) => new RouteTableAssociation(this, `isolated-rta-${i}`, { subnetId: s.id, routeTableId: isolatedRoutes.id }));

    for (const service of ['s3', 'dynamodb']) {
      new VpcEndpoint(this, `gateway-${service}`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: privateRouteTableIds,
        tags: { Name: `${props.name}-${service}` },
      });
    }

    if (props.interfaceEndpoints) this.addInterfaceEndpoints(props, vpc.id);

    const flowLogs = new LogGroup(this, 'flow-logs', {
      name: `/vpc/${props.name}/flow-logs`,
      retentionDays: props.flowLogRetentionDays,
      kmsKey: props.kmsKey,
    });
    this.flowLogGroupName = flowLogs.name;
    const role = new ServiceRole(this, 'flow-logs-role', {
      name: `${props.name}-vpc-flow-logs`,
      servicePrincipal: 'vpc-flow-logs.amazonaws.com',
      accountId: props.accountId,
    });
    role.addToPolicy({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [flowLogs.arn, `${flowLogs.arn}:*`],
    });
    new FlowLog(this, 'flow-log', {
      vpcId: vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogs.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }

  private addInterfaceEndpoints(props: NetworkProps, vpcId: string): void {
    const group = new SecurityGroup(this, 'endpoints-sg', {
      name: `${props.name}-vpc-endpoints`,
      description: 'Interface endpoints: HTTPS from inside the VPC only',
      vpcId,
      tags: { Name: `${props.name}-vpc-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints-https', {
      securityGroupId: group.id,
      cidrIpv4: props.cidr,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from the VPC',
    });
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, `interface-${service.replace('.', '-')}`, {
        vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [group.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
  }
}
