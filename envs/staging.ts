import type { EnvironmentInput } from './schema';

/** staging: prod's shape at smaller scale (multi-AZ, NAT per AZ), protections off for rebuilds. */
export const staging: EnvironmentInput = {
  name: 'staging',
  accountId: '222222222222',
  region: 'eu-west-1',
  costCenter: 'platform-staging',
  domain: 'api.staging.example.com',
  hostedZoneId: 'Z0STAGING22222222222',
  sesIdentityArn: 'arn:aws:ses:eu-west-1:222222222222:identity/staging.example.com',
  state: { bucket: 'example-platform-tfstate-222222222222' },
  network: {
    vpcCidr: '10.20.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24'],
    privateSubnetCidrs: ['10.20.16.0/20', '10.20.32.0/20'],
    isolatedSubnetCidrs: ['10.20.64.0/24', '10.20.65.0/24'],
    natGateways: 'per-az',
    interfaceEndpoints: true,
    flowLogRetentionDays: 30,
  },
  loadBalancer: { deletionProtection: false, accessLogs: true, accessLogExpirationDays: 30 },
  edge: {
    // com.amazonaws.global.cloudfront.origin-facing in eu-west-1
    originFacingPrefixListId: 'pl-4fa04526',
  },
  aurora: { minCapacityAcu: 0.5, maxCapacityAcu: 4, readers: 1, deletionProtection: false },
  dynamodb: { deletionProtection: false },
  cache: { nodeType: 'cache.t4g.small', replicas: 1, multiAz: true },
  compute: { spotSharePercent: 50 },
  observability: { traceSamplePercent: 25, logRetentionDays: 30 },
};
