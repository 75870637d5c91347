import { loadEnvironments } from '../../envs';
import { dev } from '../../envs/dev';
import { prod } from '../../envs/prod';
import { loadEnvironment, type EnvironmentInput } from '../../envs/schema';
import { catalog, type Catalog, type EnvironmentName } from '../../services/catalog';

type Patch = (input: EnvironmentInput) => EnvironmentInput;

const load = (name: EnvironmentName, base: EnvironmentInput, patch: Patch, from: Catalog = catalog) => () =>
  loadEnvironment(name, patch(structuredClone(base)), from);

const withSizing = (service: string, env: EnvironmentName, sizing: Partial<Catalog['services'][number]['sizing']['dev']>): Catalog => ({
  ...catalog,
  services: catalog.services.map((s) => (s.name === service ? { ...s, sizing: { ...s.sizing, [env]: { ...s.sizing[env], ...sizing } } } : s)),
});

describe('environment configs', () => {
  it('all three environments load with defaults applied', () => {
    const envs = loadEnvironments();
    expect(envs.prod.network.availabilityZones).toHaveLength(3);
    expect(envs.staging.logLevel).toBe('info'); // default
    expect(envs.dev.aurora.engineVersion).toBe('16.8'); // default
  });

  it('the edge: certificates are requested unless imported, /static/* and price class 100 by default, the WAF limit per environment', () => {
    const envs = loadEnvironments();
    for (const env of Object.values(envs)) {
      expect(env.certificateArn).toBeUndefined();
      expect(env.edge.viewerCertificateArn).toBeUndefined();
      expect(env.edge).toMatchObject({ staticPathPattern: '/static/*', priceClass: 'PriceClass_100', originFacingPrefixListId: 'pl-4fa04526' });
    }
    expect([envs.dev.edge.wafRateLimitPer5Minutes, envs.staging.edge.wafRateLimitPer5Minutes, envs.prod.edge.wafRateLimitPer5Minutes]).toEqual([1000, 2000, 2000]);
    const imported = loadEnvironment('dev', {
      ...structuredClone(dev),
      certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      edge: { ...dev.edge, viewerCertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/def' },
    }, catalog);
    expect([imported.certificateArn, imported.edge.viewerCertificateArn]).toEqual([
      'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      'arn:aws:acm:us-east-1:111111111111:certificate/def',
    ]);
    // The WAF limit moved from loadBalancer to edge: the old place is a typo now.
    expect(load('dev', dev, (c) => ({ ...c, loadBalancer: { ...c.loadBalancer, wafRateLimitPer5Minutes: 10 } }) as EnvironmentInput)).toThrow(/loadBalancer: .*(rule: schema)/);
  });

  it('dev is the cheap environment', () => {
    const { dev: d } = loadEnvironments();
    expect(d.network.natGateways).toBe('single');
    expect(d.compute.spotSharePercent).toBe(100);
    expect(d.aurora.minCapacityAcu).toBe(0.5);
    expect(d.cache.replicas).toBe(0);
    expect([d.loadBalancer.deletionProtection, d.aurora.deletionProtection, d.dynamodb.deletionProtection]).toEqual([false, false, false]);
  });

  // Each rule: [rule id, environment, base, patch, expected message].
  const cases: [string, EnvironmentName, EnvironmentInput, Patch, string][] = [
    ['prod-multi-az', 'prod', prod, (c) => ({ ...c, network: { ...c.network, availabilityZones: ['eu-west-1a'], publicSubnetCidrs: ['10.30.0.0/24'], privateSubnetCidrs: ['10.30.16.0/20'], isolatedSubnetCidrs: ['10.30.64.0/24'] } }),
      'prod: network.availabilityZones: prod needs at least 2 availability zones (rule: prod-multi-az)'],
    ['prod-nat-per-az', 'prod', prod, (c) => ({ ...c, network: { ...c.network, natGateways: 'single' } }),
      'prod: network.natGateways: prod needs one NAT gateway per availability zone (rule: prod-nat-per-az)'],
    ['prod-aurora-reader', 'prod', prod, (c) => ({ ...c, aurora: { ...c.aurora, readers: 0 } }),
      'prod: aurora.readers: prod needs an Aurora reader in another availability zone (rule: prod-aurora-reader)'],
    ['prod-deletion-protection (ALB)', 'prod', prod, (c) => ({ ...c, loadBalancer: { ...c.loadBalancer, deletionProtection: false } }),
      'prod: loadBalancer.deletionProtection: prod needs deletion protection (rule: prod-deletion-protection)'],
    ['prod-deletion-protection (Aurora)', 'prod', prod, (c) => ({ ...c, aurora: { ...c.aurora, deletionProtection: false } }),
      'prod: aurora.deletionProtection: prod needs deletion protection (rule: prod-deletion-protection)'],
    ['prod-deletion-protection (DynamoDB)', 'prod', prod, (c) => ({ ...c, dynamodb: { deletionProtection: false } }),
      'prod: dynamodb.deletionProtection: prod needs deletion protection (rule: prod-deletion-protection)'],
    ['prod-cache-failover', 'prod', prod, (c) => ({ ...c, cache: { ...c.cache, multiAz: false } }),
      'prod: cache.multiAz: prod needs a Multi-AZ cache with automatic failover (rule: prod-cache-failover)'],
    ['prod-spot-share', 'prod', prod, (c) => ({ ...c, compute: { ...c.compute, spotSharePercent: 60 } }),
      'prod: compute.spotSharePercent: prod may run at most 50 % of tasks on Fargate Spot (rule: prod-spot-share)'],
    ['prod-access-logs', 'prod', prod, (c) => ({ ...c, loadBalancer: { ...c.loadBalancer, accessLogs: false } }),
      'prod: loadBalancer.accessLogs: prod needs ALB access logs (rule: prod-access-logs)'],
    ['prod-log-retention (application logs)', 'prod', prod, (c) => ({ ...c, observability: { ...c.observability, logRetentionDays: 90 } }),
      'prod: observability.logRetentionDays: prod keeps logs at least 365 days, got 90 (rule: prod-log-retention)'],
    ['prod-log-retention (flow logs)', 'prod', prod, (c) => ({ ...c, network: { ...c.network, flowLogRetentionDays: 180 } }),
      'prod: network.flowLogRetentionDays: prod keeps logs at least 365 days, got 180 (rule: prod-log-retention)'],
    ['prod-enhanced-monitoring', 'prod', prod, (c) => ({ ...c, aurora: { ...c.aurora, monitoringIntervalSeconds: 0 } }),
      'prod: aurora.monitoringIntervalSeconds: prod needs Aurora Enhanced Monitoring (1..60 s) (rule: prod-enhanced-monitoring)'],
    ['prod-cache-snapshots', 'prod', prod, (c) => ({ ...c, cache: { ...c.cache, snapshotRetentionDays: 0 } }),
      'prod: cache.snapshotRetentionDays: prod keeps at least one daily cache snapshot (rule: prod-cache-snapshots)'],
    ['tokens-sign-with-listed-key', 'dev', dev, (c) => ({ ...c, tokens: { keys: ['k1', 'k2'], signWith: 'k3' } }),
      'dev: tokens.signWith: must name one of the distinct tokens.keys (k1, k2) (rule: tokens-sign-with-listed-key)'],
    ['cache-failover-needs-replica', 'dev', dev, (c) => ({ ...c, cache: { ...c.cache, multiAz: true, replicas: 0 } }),
      'dev: cache.replicas: Multi-AZ with automatic failover needs at least 1 replica (rule: cache-failover-needs-replica)'],
    ['subnets-per-az', 'dev', dev, (c) => ({ ...c, network: { ...c.network, privateSubnetCidrs: ['10.10.16.0/20'] } }),
      'dev: network.privateSubnetCidrs: needs one subnet per availability zone (2), got 1 (rule: subnets-per-az)'],
    ['subnet-in-vpc', 'dev', dev, (c) => ({ ...c, network: { ...c.network, publicSubnetCidrs: ['10.10.0.0/24', '10.99.1.0/24'] } }),
      'dev: network.publicSubnetCidrs[1]: 10.99.1.0/24 is outside the VPC 10.10.0.0/16 (rule: subnet-in-vpc)'],
    ['subnet-overlap', 'dev', dev, (c) => ({ ...c, network: { ...c.network, isolatedSubnetCidrs: ['10.10.64.0/24', '10.10.16.0/24'] } }),
      'dev: network.isolatedSubnetCidrs[1]: 10.10.16.0/24 overlaps network.privateSubnetCidrs[0] (10.10.16.0/20) (rule: subnet-overlap)'],
    ['az-in-region', 'dev', dev, (c) => ({ ...c, network: { ...c.network, availabilityZones: ['eu-west-1a', 'us-east-1b'] } }),
      'dev: network.availabilityZones: us-east-1b is not an availability zone of eu-west-1 (rule: az-in-region)'],
    ['log-retention-allowed', 'dev', dev, (c) => ({ ...c, observability: { logRetentionDays: 10 } }),
      'dev: observability.logRetentionDays: 10 is not a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (rule: log-retention-allowed)'],
    ['certificate-region', 'dev', dev, (c) => ({ ...c, certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc' }),
      'dev: certificateArn: the ALB certificate must be issued in eu-west-1 (rule: certificate-region)'],
    ['viewer-certificate-us-east-1', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, viewerCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc' } }),
      'dev: edge.viewerCertificateArn: CloudFront only uses certificates issued in us-east-1 (rule: viewer-certificate-us-east-1)'],
    ['static-path-outside-api (static under an API prefix)', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, staticPathPattern: '/users/assets/*' } }),
      'dev: edge.staticPathPattern: /users/assets/* overlaps route /users/* of service user (rule: static-path-outside-api)'],
    ['static-path-outside-api (an API path under the static prefix)', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, staticPathPattern: '/auth/*' } }),
      'dev: edge.staticPathPattern: /auth/* overlaps route /auth/* of service user (rule: static-path-outside-api)'],
    ['schema (static path shape)', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, staticPathPattern: '/static' } }),
      'dev: edge.staticPathPattern: must be a path prefix ending in /*, such as /static/* (rule: schema)'],
    ['schema (prefix list id)', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, originFacingPrefixListId: 'sg-123' } }),
      'dev: edge.originFacingPrefixListId: must be a managed prefix list id such as pl-4fa04526 (rule: schema)'],
    ['schema (price class)', 'dev', dev, (c) => ({ ...c, edge: { ...c.edge, priceClass: 'PriceClass_50' as never } }),
      'dev: edge.priceClass: Invalid option: expected one of "PriceClass_100"|"PriceClass_200"|"PriceClass_All" (rule: schema)'],
    ['aurora-capacity', 'dev', dev, (c) => ({ ...c, aurora: { ...c.aurora, minCapacityAcu: 8, maxCapacityAcu: 2 } }),
      'dev: aurora.minCapacityAcu: must be a multiple of 0.5 ACU and not above maxCapacityAcu (rule: aurora-capacity)'],
    ['schema', 'dev', dev, (c) => ({ ...c, accountId: '1234' }),
      'dev: accountId: must be a 12-digit AWS account id (rule: schema)'],
    ['name-matches-environment', 'dev', dev, (c) => ({ ...c, name: 'staging' }),
      'dev: name: is "staging" (rule: name-matches-environment)'],
  ];

  it.each(cases)('rule %s fails with one clear message', (_rule, name, base, patch, message) => {
    expect(load(name, base, patch)).toThrow(message);
  });

  it('rule prod-min-tasks reads the catalog sizing for that environment', () => {
    expect(load('prod', prod, (c) => c, withSizing('notification', 'prod', { minTasks: 1 }))).toThrow(
      'prod: services.notification.sizing.prod.minTasks: prod needs minTasks >= 2, got 1 (rule: prod-min-tasks)',
    );
    // dev may run one task.
    expect(load('dev', dev, (c) => c, withSizing('notification', 'dev', { minTasks: 1 }))).not.toThrow();
  });

  it('rule fargate-sizing rejects CPU/memory pairs Fargate cannot run', () => {
    expect(load('staging', prod, (c) => ({ ...c, name: 'staging' }), withSizing('user', 'staging', { cpu: 512, memory: 512 }))).toThrow(
      'staging: services.user.sizing.staging: memory 512 MiB is not valid with cpu 512 on Fargate (rule: fargate-sizing)',
    );
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    expect(load('dev', dev, (c) => ({ ...c, network: { ...c.network, natGateway: 'single' } }) as EnvironmentInput)).toThrow(/rule: schema/);
  });
});
