import type { EnvironmentInput } from './schema';

/** dev: cheap and disposable — one NAT, mostly Spot, smallest Aurora/cache, protections off. */
export const dev: EnvironmentInput = {
  name: 'dev',
  accountId: '111111111111',
  region: 'eu-west-1',
  costCenter: 'platform-dev',
  domain: 'api.dev.example.com',
  hostedZoneId: 'Z0DEV1111111111111111',
  sesIdentityArn: 'arn:aws:ses:eu-west-1:111111111111:identity/dev.example.com',
  state: { bucket: 'example-platform-tfstate-111111111111' },
  logLevel: 'debug',
  network: {
    vpcCidr: '10.10.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
    privateSubnetCidrs: ['10.10.16.0/20', '10.10.32.0/20'],
    isolatedSubnetCidrs: ['10.10.64.0/24', '10.10.65.0/24'],
    natGateways: 'single',
    // Interface endpoints cost more than dev's NAT traffic.
    interfaceEndpoints: false,
    flowLogRetentionDays: 7,
  },
  loadBalancer: { deletionProtection: false, accessLogs: false },
  edge: {
    // com.amazonaws.global.cloudfront.origin-facing in eu-west-1
    originFacingPrefixListId: 'pl-4fa04526',
    wafRateLimitPer5Minutes: 1000,
  },
  aurora: { minCapacityAcu: 0.5, maxCapacityAcu: 2, readers: 0, deletionProtection: false, backupRetentionDays: 1 },
  dynamodb: { deletionProtection: false },
  cache: { nodeType: 'cache.t4g.micro', replicas: 0, multiAz: false, snapshotRetentionDays: 0 },
  compute: { spotSharePercent: 100, healthCheckGraceSeconds: 60 },
  observability: { logRetentionDays: 7 },
};
