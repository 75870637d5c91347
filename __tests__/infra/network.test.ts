import { Testing } from 'cdktf';
import { INTERFACE_ENDPOINT_SERVICES, Network, type NetworkProps } from '../../modules/network/network';
import { ACCOUNT_ID, REGION, synthDataPlane, type Synthesized } from './support/data-plane';

const base: Omit<NetworkProps, 'kmsKey'> = {
  name: 'test',
  accountId: ACCOUNT_ID,
  region: REGION,
  cidr: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  publicSubnetCidrs: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'],
  privateSubnetCidrs: ['10.0.16.0/20', '10.0.32.0/20', '10.0.48.0/20'],
  isolatedSubnetCidrs: ['10.0.64.0/24', '10.0.65.0/24', '10.0.66.0/24'],
  natGateways: 'per-az',
  interfaceEndpoints: true,
  flowLogRetentionDays: 90,
};

const synthNetwork = (overrides: Partial<NetworkProps> = {}): Synthesized =>
  synthDataPlane(({ scope, kmsKey }) => void new Network(scope, 'network', { ...base, kmsKey, ...overrides }));

/** Logical id of a resource from the `${type.id.attr}` reference string. */
const idOf = (reference: string) => reference.replace(/^\$\{[a-z0-9_]+\.([^.]+)\..*\}$/, '$1');

describe('Network', () => {
  let perAz: Synthesized;
  let single: Synthesized;
  beforeAll(() => {
    perAz = synthNetwork();
    single = synthNetwork({ natGateways: 'single', interfaceEndpoints: false });
  });

  it('creates one subnet per tier and AZ, none mapping public IPs', () => {
    const subnets = Object.values(perAz.resources('aws_subnet'));
    expect(subnets).toHaveLength(9);
    expect(subnets.map((s) => s.tags.Tier).sort()).toEqual([...Array(3).fill('isolated'), ...Array(3).fill('private'), ...Array(3).fill('public')]);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it('isolated subnets route nowhere outside the VPC', () => {
    const subnets = perAz.resources('aws_subnet');
    const isolatedSubnetIds = Object.entries(subnets).filter(([, s]) => s.tags.Tier === 'isolated').map(([id]) => id);
    const associations = Object.values(perAz.resources('aws_route_table_association'));
    const isolatedTables = new Set(
      associations.filter((a) => isolatedSubnetIds.includes(idOf(a.subnet_id))).map((a) => idOf(a.route_table_id)),
    );
    expect(isolatedTables.size).toBe(1);
    const routes = Object.values(perAz.resources('aws_route'));
    expect(routes.filter((r) => isolatedTables.has(idOf(r.route_table_id)))).toEqual([]);
    const [table] = [...isolatedTables];
    expect(perAz.resources('aws_route_table')[table!]!.route).toBeUndefined();
    // And the gateway endpoints are not attached to it either.
    for (const endpoint of Object.values(perAz.resources('aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Gateway')) {
      expect(endpoint.route_table_ids.map(idOf)).not.toContain(table);
    }
  });

  it('gives each private AZ its own NAT in per-az mode and shares one in single mode', () => {
    const natIds = (s: Synthesized) =>
      Object.values(s.resources('aws_route')).filter((r) => r.nat_gateway_id).map((r) => r.nat_gateway_id as string);
    expect(Object.keys(perAz.resources('aws_nat_gateway'))).toHaveLength(3);
    expect(new Set(natIds(perAz)).size).toBe(3);
    expect(Object.keys(single.resources('aws_nat_gateway'))).toHaveLength(1);
    expect(natIds(single)).toHaveLength(3);
    expect(new Set(natIds(single)).size).toBe(1);
  });

  it('only the public route table reaches the internet gateway', () => {
    const igwRoutes = Object.values(perAz.resources('aws_route')).filter((r) => r.gateway_id);
    expect(igwRoutes).toHaveLength(1);
    expect(igwRoutes[0]!.destination_cidr_block).toBe('0.0.0.0/0');
  });

  it('closes the default security group (no ingress, no egress)', () => {
    const group = perAz.only('aws_default_security_group');
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
  });

  it('has S3 and DynamoDB gateway endpoints, and interface endpoints only when asked', () => {
    const services = (s: Synthesized, type: string) =>
      Object.values(s.resources('aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === type).map((e) => e.service_name).sort();
    expect(services(perAz, 'Gateway')).toEqual([`com.amazonaws.${REGION}.dynamodb`, `com.amazonaws.${REGION}.s3`]);
    expect(services(perAz, 'Interface')).toEqual(INTERFACE_ENDPOINT_SERVICES.map((s) => `com.amazonaws.${REGION}.${s}`).sort());
    expect(services(single, 'Interface')).toEqual([]);
    expect(Testing.toHaveResourceWithProperties(perAz.json, 'aws_vpc_security_group_ingress_rule', {
      cidr_ipv4: '10.0.0.0/16', from_port: 443, to_port: 443,
    })).toBe(true);
  });

  it('sends all flow logs to a KMS-encrypted log group with retention', () => {
    const flowLog = perAz.only('aws_flow_log');
    expect(flowLog.traffic_type).toBe('ALL');
    const group = perAz.only('aws_cloudwatch_log_group');
    expect(group.retention_in_days).toBe(90);
    expect(group.kms_key_id).toMatch(/aws_kms_key/);
    const policy = JSON.parse(perAz.only('aws_iam_role_policy').policy);
    expect(policy.Statement[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams']);
    expect(JSON.stringify(policy.Statement[0].Resource)).toMatch(/aws_cloudwatch_log_group/);
  });

  it('rejects a subnet list that does not match the AZs', () => {
    expect(() => synthNetwork({ privateSubnetCidrs: ['10.0.16.0/20'] })).toThrow('private subnets need one CIDR per AZ (3)');
  });
});
