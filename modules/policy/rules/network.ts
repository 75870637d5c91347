import { type StackView, type SynthesizedResource, isTrue, list, literal, num, one } from '../stack-view';
import type { Rule, Violation } from '../types';
import { controls, eachResource } from './define';

interface SgRule {
  readonly resource: SynthesizedResource;
  readonly direction: 'ingress' | 'egress';
  readonly cidrs: readonly string[];
  readonly protocol: string;
  readonly from: number | undefined;
  readonly to: number | undefined;
  readonly description: unknown;
}

const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');

/** Security-group rules from inline blocks, `aws_security_group_rule` and the VPC rule resources. */
function sgRules(view: StackView): SgRule[] {
  const out: SgRule[] = [];
  const fromBlock = (resource: SynthesizedResource, direction: SgRule['direction'], b: Record<string, unknown>) =>
    out.push({
      resource,
      direction,
      cidrs: [...strings(b.cidr_blocks), ...strings(b.ipv6_cidr_blocks)],
      protocol: String(b.protocol ?? ''),
      from: num(b.from_port),
      to: num(b.to_port),
      description: b.description,
    });
  for (const group of view.ofTypes(['aws_security_group', 'aws_default_security_group'])) {
    for (const direction of ['ingress', 'egress'] as const) {
      for (const block of list(group.attrs[direction])) fromBlock(group, direction, block as Record<string, unknown>);
    }
  }
  for (const rule of view.ofType('aws_security_group_rule')) {
    fromBlock(rule, rule.attrs.type === 'egress' ? 'egress' : 'ingress', rule.attrs as Record<string, unknown>);
  }
  for (const [type, direction] of [
    ['aws_vpc_security_group_ingress_rule', 'ingress'],
    ['aws_vpc_security_group_egress_rule', 'egress'],
  ] as const) {
    for (const rule of view.ofType(type)) {
      const a = rule.attrs;
      out.push({
        resource: rule,
        direction,
        cidrs: [literal(a.cidr_ipv4), literal(a.cidr_ipv6)].filter((c): c is string => !!c),
        protocol: String(a.ip_protocol ?? ''),
        from: num(a.from_port),
        to: num(a.to_port),
        description: a.description,
      });
    }
  }
  return out;
}

const WORLD = ['0.0.0.0/0', '::/0'];
const ADMIN_PORTS = [22, 3389];
const isWorld = (r: SgRule) => r.cidrs.some((c) => WORLD.includes(c));
const allPorts = (r: SgRule) => r.protocol === '-1' || r.protocol === 'all' || (r.from === 0 && r.to === 65535) || (r.from === -1 && r.to === -1);
const covers = (r: SgRule, port: number) => allPorts(r) || (r.from !== undefined && r.to !== undefined && r.from <= port && port <= r.to);
const ports = (r: SgRule) => (r.from === r.to ? `port ${r.from}` : `ports ${r.from}-${r.to}`);

function sgCheck(direction: SgRule['direction'], match: (r: SgRule) => boolean, detail: (r: SgRule) => string) {
  return (view: StackView): Violation[] =>
    sgRules(view)
      .filter((r) => r.direction === direction && match(r))
      .map((r) => ({ resource: r.resource, detail: detail(r) }));
}

export const networkRules: readonly Rule[] = [
  {
    id: 'NET-01',
    area: 'network',
    title: 'No security group admits the internet (0.0.0.0/0, ::/0) to SSH (22) or RDP (3389)',
    fix: 'Remove the rule; reach hosts through SSM Session Manager or ECS Exec, never an open admin port',
    severity: 'error',
    controls: controls('CKV_AWS_24', 'CKV_AWS_25', 'EC2.13', 'EC2.14', 'AwsSolutions-EC23'),
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'],
    check: sgCheck(
      'ingress',
      (r) => isWorld(r) && !allPorts(r) && ADMIN_PORTS.some((p) => covers(r, p)),
      (r) => `ingress from ${r.cidrs.filter((c) => WORLD.includes(c)).join(', ')} on ${ports(r)}`,
    ),
  },
  {
    id: 'NET-02',
    area: 'network',
    title: 'No security group admits the internet on all ports and protocols',
    fix: 'Allow one port from one source security group or prefix list (e.g. the CloudFront origin-facing list)',
    severity: 'error',
    controls: controls('CKV_AWS_277', 'EC2.19', 'AwsSolutions-EC23'),
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'],
    check: sgCheck('ingress', (r) => isWorld(r) && allPorts(r), (r) => `ingress from ${r.cidrs.join(', ')} on every port (protocol ${r.protocol})`),
  },
  {
    id: 'NET-03',
    area: 'network',
    title: 'No security group admits the internet on any port (the platform is reached only through CloudFront)',
    fix: 'Admit the CloudFront origin-facing prefix list or a source security group instead of 0.0.0.0/0 or ::/0',
    severity: 'error',
    controls: controls('AwsSolutions-EC23', 'EC2.18', 'CKV_AWS_260'),
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'],
    check: sgCheck(
      'ingress',
      (r) => isWorld(r) && !allPorts(r) && !ADMIN_PORTS.some((p) => covers(r, p)),
      (r) => `ingress from ${r.cidrs.filter((c) => WORLD.includes(c)).join(', ')} on ${ports(r)}`,
    ),
  },
  {
    id: 'NET-04',
    area: 'network',
    title: 'No security group allows egress to the internet on all ports and protocols',
    fix: 'Allow egress on the ports the workload needs (e.g. 443 to AWS APIs) and to data-store security groups',
    severity: 'warning',
    controls: controls('CKV_AWS_382'),
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_egress_rule'],
    check: sgCheck('egress', (r) => isWorld(r) && allPorts(r), (r) => `egress to ${r.cidrs.join(', ')} on every port`),
  },
  {
    id: 'NET-05',
    area: 'network',
    title: 'Every security-group rule has a description',
    fix: 'Set `description` saying who the rule admits and why',
    severity: 'warning',
    controls: controls('CKV_AWS_23', 'AwsSolutions-EC27~'),
    resourceTypes: ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule'],
    check: (view) =>
      sgRules(view)
        .filter((r) => !r.description)
        .map((r) => ({ resource: r.resource, detail: `${r.direction} rule on ${ports(r)} has no description` })),
  },
  {
    id: 'NET-06',
    area: 'network',
    title: "Every VPC's default security group is managed and has no rules",
    fix: 'Add an `aws_default_security_group` for the VPC without ingress or egress blocks',
    severity: 'error',
    controls: controls('CKV2_AWS_12', 'EC2.2', 'NIST.800.53.R5-VPCDefaultSecurityGroupClosed'),
    resourceTypes: ['aws_vpc', 'aws_default_security_group'],
    check: (view) => [
      ...view.ofType('aws_vpc').flatMap((vpc) =>
        view.referencing('aws_default_security_group', vpc, 'vpc_id').length > 0
          ? []
          : [{ resource: vpc, detail: 'the default security group keeps its allow-all rules (no aws_default_security_group)' }],
      ),
      ...view.ofType('aws_default_security_group').flatMap((sg) =>
        list(sg.attrs.ingress).length + list(sg.attrs.egress).length > 0
          ? [{ resource: sg, detail: 'the default security group declares rules' }]
          : [],
      ),
    ],
  },
  {
    id: 'NET-07',
    area: 'network',
    title: 'Every VPC has flow logs',
    fix: 'Add an `aws_flow_log` with `vpc_id` set to the VPC (traffic_type ALL) to an encrypted log group',
    severity: 'error',
    controls: controls('CKV2_AWS_11', 'EC2.6', 'AwsSolutions-VPC7', 'NIST.800.53.R5-VPCFlowLogsEnabled'),
    resourceTypes: ['aws_vpc', 'aws_flow_log'],
    check: (view) =>
      view
        .ofType('aws_vpc')
        .filter((vpc) => view.referencing('aws_flow_log', vpc).length === 0)
        .map((vpc) => ({ resource: vpc, detail: 'no aws_flow_log references this VPC' })),
  },
  {
    id: 'NET-08',
    area: 'network',
    title: 'Subnets do not assign public IPs on launch',
    fix: 'Set `map_public_ip_on_launch = false`',
    severity: 'error',
    controls: controls('CKV_AWS_130', 'EC2.15', 'NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled'),
    resourceTypes: ['aws_subnet'],
    check: eachResource(['aws_subnet'], (r) => isTrue(r.attrs.map_public_ip_on_launch) && 'map_public_ip_on_launch is true'),
  },
  {
    id: 'NET-09',
    area: 'network',
    title: 'ECS services do not assign public IPs to tasks',
    fix: 'Set `network_configuration.assign_public_ip = false` and run tasks in private subnets',
    severity: 'error',
    controls: controls('CKV_AWS_333', 'ECS.2', 'CT.ECS.PR.9'),
    resourceTypes: ['aws_ecs_service'],
    check: eachResource(['aws_ecs_service'], (r) => isTrue(one(r.attrs.network_configuration)?.assign_public_ip) && 'assign_public_ip is on'),
  },
  {
    id: 'NET-10',
    area: 'network',
    title: 'Database instances are not publicly accessible',
    fix: 'Set `publicly_accessible = false` and place the instance in isolated subnets',
    severity: 'error',
    controls: controls('CKV_AWS_17', 'RDS.2', 'NIST.800.53.R5-RDSInstancePublicAccess'),
    resourceTypes: ['aws_db_instance', 'aws_rds_cluster_instance'],
    check: eachResource(['aws_db_instance', 'aws_rds_cluster_instance'], (r) => isTrue(r.attrs.publicly_accessible) && 'publicly_accessible is on'),
  },
  {
    id: 'NET-11',
    area: 'network',
    title: 'EC2 instances and launch templates do not associate public IPs',
    fix: 'Set `associate_public_ip_address = false`; reach instances through a load balancer or SSM',
    severity: 'error',
    controls: controls('CKV_AWS_88', 'EC2.9', 'EC2.25'),
    resourceTypes: ['aws_instance', 'aws_launch_template'],
    check: eachResource(['aws_instance', 'aws_launch_template'], (r) =>
      r.type === 'aws_instance'
        ? isTrue(r.attrs.associate_public_ip_address) && 'associate_public_ip_address is on'
        : list(r.attrs.network_interfaces).some((n) => isTrue((n as Record<string, unknown>).associate_public_ip_address)) &&
          'a network interface associates a public IP',
    ),
  },
];
