import type { EnvironmentInput } from './schema';

/** prod: three AZs, NAT per AZ, reader in another AZ, Multi-AZ cache, every protection on. */
export const prod: EnvironmentInput = {
  name: 'prod',
  accountId: '333333333333',
  region: 'eu-west-1',
  costCenter: 'platform-prod',
  domain: 'api.example.com',
  hostedZoneId: 'Z0PROD3333333333333333',
  sesIdentityArn: 'arn:aws:ses:eu-west-1:333333333333:identity/example.com',
  state: { bucket: 'example-platform-tfstate-333333333333' },
  network: {
    vpcCidr: '10.30.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    publicSubnetCidrs: ['10.30.0.0/24', '10.30.1.0/24', '10.30.2.0/24'],
    privateSubnetCidrs: ['10.30.16.0/20', '10.30.32.0/20', '10.30.48.0/20'],
    isolatedSubnetCidrs: ['10.30.64.0/24', '10.30.65.0/24', '10.30.66.0/24'],
    natGateways: 'per-az',
    interfaceEndpoints: true,
    flowLogRetentionDays: 365,
  },
  loadBalancer: { deletionProtection: true, accessLogs: true, accessLogExpirationDays: 365 },
  edge: {
    // com.amazonaws.global.cloudfront.origin-facing in eu-west-1
    originFacingPrefixListId: 'pl-4fa04526',
    wafRateLimitPer5Minutes: 2000,
  },
  aurora: { minCapacityAcu: 1, maxCapacityAcu: 16, readers: 1, deletionProtection: true, backupRetentionDays: 14 },
  dynamodb: { deletionProtection: true },
  cache: { nodeType: 'cache.r7g.large', replicas: 2, multiAz: true, snapshotRetentionDays: 7 },
  compute: { spotSharePercent: 0, healthCheckGraceSeconds: 60 },
  observability: { traceSamplePercent: 5, logRetentionDays: 365, alarmEmail: 'platform-oncall@example.com' },
};
