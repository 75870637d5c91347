import { LoadBalancer, NOT_FOUND_BODY, TLS_POLICY, type LoadBalancerProps } from '../../modules/load-balancer/load-balancer';
import { ServiceTargetGroup } from '../../modules/load-balancer/service-target-group';
import { Connections } from '../../modules/security/connections';
import { catalog } from '../../services/catalog';
import { ACCOUNT_ID, ALARM_TOPIC_ARN, REGION, synthDataPlane, type Synthesized } from './support/data-plane';

const props: LoadBalancerProps = {
  name: 'test',
  accountId: ACCOUNT_ID,
  region: REGION,
  vpcId: 'vpc-1',
  privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
  certificateArn: `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/abc`,
  originFacingPrefixListId: 'pl-4fa04526',
  deletionProtection: true,
  idleTimeoutSeconds: 60,
  accessLogs: { expirationDays: 90 },
  alarmTopicArn: ALARM_TOPIC_ARN,
};

/** The ALB with every catalog service attached, as the service stacks do it. */
const synthAlb = (overrides: Partial<LoadBalancerProps> = {}): Synthesized =>
  synthDataPlane(({ scope }) => {
    const alb = new LoadBalancer(scope, 'alb', { ...props, ...overrides });
    for (const s of catalog.services) {
      new ServiceTargetGroup(scope, `tg-${s.name}`, { loadBalancer: alb, name: `test-${s.name}`, port: s.containerPort, healthPath: s.healthPath, routes: s.routes });
      new Connections(s.name, `sg-${s.name}`, s.containerPort).allowFrom(scope, alb.connections);
    }
  });

describe('LoadBalancer', () => {
  let prodLike: Synthesized;
  let devLike: Synthesized;
  beforeAll(() => {
    prodLike = synthAlb();
    devLike = synthAlb({ deletionProtection: false, accessLogs: undefined });
  });

  const listener = (s: Synthesized, port: number) => Object.values(s.resources('aws_lb_listener')).find((l) => l.port === port)!;

  it('serves HTTPS with the TLS 1.3 policy and the configured certificate, 404 JSON by default', () => {
    const https = listener(prodLike, 443);
    expect(https.protocol).toBe('HTTPS');
    expect(https.ssl_policy).toBe(TLS_POLICY);
    expect(https.ssl_policy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(https.certificate_arn).toBe(props.certificateArn);
    expect(https.default_action).toEqual([
      { type: 'fixed-response', fixed_response: { status_code: '404', content_type: 'application/json', message_body: NOT_FOUND_BODY } },
    ]);
    expect(JSON.parse(NOT_FOUND_BODY).error.code).toBe('not_found');
  });

  it('has no port-80 listener: HTTPS is the only way in', () => {
    for (const s of [prodLike, devLike]) {
      expect(Object.values(s.resources('aws_lb_listener')).map((l) => [l.port, l.protocol])).toEqual([[443, 'HTTPS']]);
    }
  });

  it('is internal, in the private subnets', () => {
    for (const s of [prodLike, devLike]) expect(s.only('aws_lb')).toMatchObject({ internal: true, subnets: props.privateSubnetIds });
  });

  it('drops invalid headers and protects against deletion as configured', () => {
    expect(prodLike.only('aws_lb')).toMatchObject({ drop_invalid_header_fields: true, enable_deletion_protection: true });
    expect(devLike.only('aws_lb')).toMatchObject({ drop_invalid_header_fields: true, enable_deletion_protection: false });
  });

  it('has one listener rule per catalog route with the catalog priority and patterns', () => {
    const rules = Object.values(prodLike.resources('aws_lb_listener_rule'));
    const expected = catalog.services.flatMap((s) => s.routes.map((r) => ({ priority: r.priority, values: [...r.pathPatterns], service: s.name })));
    expect(rules).toHaveLength(expected.length);
    const groups = prodLike.resources('aws_lb_target_group');
    for (const route of expected) {
      const rule = rules.find((r) => r.priority === route.priority)!;
      expect(rule.condition).toEqual([{ path_pattern: { values: route.values } }]);
      const groupId = rule.action[0].target_group_arn.split('.')[1];
      expect(groups[groupId].name).toBe(`test-${route.service}`);
    }
  });

  it('target groups use IP targets, the catalog health path and a short deregistration delay', () => {
    const groups = Object.values(prodLike.resources('aws_lb_target_group'));
    for (const s of catalog.services) {
      expect(groups.find((g) => g.name === `test-${s.name}`)).toMatchObject({
        target_type: 'ip',
        port: s.containerPort,
        deregistration_delay: '30',
        health_check: { path: s.healthPath, matcher: '200' },
      });
    }
  });

  it('admits 443 from the CloudFront origin-facing prefix list only, and egress only to each service on its port', () => {
    const group = prodLike.only('aws_security_group');
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    const ingress = Object.values(prodLike.resources('aws_vpc_security_group_ingress_rule')).filter((r) => !r.referenced_security_group_id);
    expect(ingress).toEqual([
      expect.objectContaining({ prefix_list_id: 'pl-4fa04526', ip_protocol: 'tcp', from_port: 443, to_port: 443 }),
    ]);
    expect(prodLike.json).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
    const egress = Object.values(prodLike.resources('aws_vpc_security_group_egress_rule'));
    expect(egress.map((r) => [r.referenced_security_group_id, r.from_port, r.to_port]).sort()).toEqual(
      catalog.services.map((s) => [`sg-${s.name}`, s.containerPort, s.containerPort]).sort(),
    );
  });

  it("has no web ACL of its own (the edge's CloudFront-scope ACL filters before the VPC origin)", () => {
    expect(prodLike.resources('aws_wafv2_web_acl')).toEqual({});
    expect(prodLike.resources('aws_wafv2_web_acl_association')).toEqual({});
  });

  it('writes access logs to a private, versioned, encrypted, expiring bucket only ELB may write to', () => {
    const bucket = prodLike.only('aws_s3_bucket');
    expect(prodLike.only('aws_lb').access_logs).toMatchObject({ enabled: true, prefix: 'alb' });
    expect(prodLike.only('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(prodLike.only('aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
    expect(prodLike.only('aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
    expect(prodLike.only('aws_s3_bucket_lifecycle_configuration').rule[0].expiration).toEqual([{ days: 90 }]);
    const policy = JSON.parse(prodLike.only('aws_s3_bucket_policy').policy);
    const [write, deny] = policy.Statement;
    expect(write).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject', Principal: { AWS: 'arn:aws:iam::156460612806:root' } });
    expect(write.Resource).toContain(`/alb/AWSLogs/${ACCOUNT_ID}/*`);
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(bucket.bucket).toBe(`test-alb-logs-${ACCOUNT_ID}`);
    expect(devLike.resources('aws_s3_bucket')).toEqual({});
    expect(devLike.only('aws_lb').access_logs).toBeUndefined();
  });

  it('alarms on 5xx and p99 latency', () => {
    const names = Object.values(prodLike.resources('aws_cloudwatch_metric_alarm')).map((a) => a.alarm_name).sort();
    expect(names).toEqual(['test-alb-5xx', 'test-alb-p99-latency', 'test-alb-target-5xx']);
  });
});
