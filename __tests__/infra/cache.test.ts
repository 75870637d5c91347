import { Connections } from '../../modules/security/connections';
import { Cache, type CacheProps } from '../../modules/cache/cache';
import { ALARM_TOPIC_ARN, ref, synthDataPlane } from './support/data-plane';

const base = {
  name: 'prod-cache',
  vpcId: 'vpc-1',
  subnetIds: ['subnet-a', 'subnet-b'],
  engine: 'valkey',
  engineVersion: '8.0',
  nodeType: 'cache.t4g.small',
  replicas: 1,
  multiAz: true,
  snapshotRetentionDays: 7,
} as const;

describe('Cache', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const cache = new Cache(scope, 'cache', { ...base, kmsKey, alarmTopicArn: ALARM_TOPIC_ARN });
    cache.connections.allowFrom(scope, new Connections('user', 'sg-user'));
    cache.grantConnect(grantee('user-task'));
  });
  const group = synth.only('aws_elasticache_replication_group');
  const users = Object.values(synth.resources('aws_elasticache_user'));
  const appUser = users.find((u) => u.user_name === 'prod-cache-app')!;

  it('replication group: transit (required) and at-rest encryption with the CMK, Multi-AZ failover', () => {
    expect(group).toMatchObject({
      engine: 'valkey',
      engine_version: '8.0',
      num_cache_clusters: 2,
      port: 6379,
      transit_encryption_enabled: true,
      transit_encryption_mode: 'required',
      at_rest_encryption_enabled: 'true',
      kms_key_id: ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn'),
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      snapshot_retention_limit: 7,
      snapshot_window: '01:00-02:00',
      final_snapshot_identifier: 'prod-cache-final',
    });
    expect(group.auth_token).toBeUndefined();
    expect(group.subnet_group_name).toBe(ref('aws_elasticache_subnet_group', synth.only('aws_elasticache_subnet_group'), synth, 'name'));
  });

  it('auth: an IAM-authenticated user (id = name) and a disabled default user in the group', () => {
    expect(appUser).toMatchObject({ user_id: 'prod-cache-app', authentication_mode: { type: 'iam' } });
    expect(appUser.passwords).toBeUndefined();
    const defaultUser = users.find((u) => u.user_name === 'default')!;
    expect(defaultUser.access_string).toMatch(/^off /);
    const userGroup = synth.only('aws_elasticache_user_group');
    expect(userGroup.user_ids).toEqual([
      ref('aws_elasticache_user', defaultUser, synth, 'user_id'),
      ref('aws_elasticache_user', appUser, synth, 'user_id'),
    ]);
    expect(group.user_group_ids).toEqual([ref('aws_elasticache_user_group', userGroup, synth, 'user_group_id')]);
  });

  it('slow log goes to a KMS-encrypted log group with retention', () => {
    const logGroup = synth.only('aws_cloudwatch_log_group');
    expect(logGroup.retention_in_days).toBe(30);
    expect(logGroup.kms_key_id).toBeDefined();
    expect(group.log_delivery_configuration).toEqual([
      {
        destination: ref('aws_cloudwatch_log_group', logGroup, synth, 'name'),
        destination_type: 'cloudwatch-logs',
        log_format: 'json',
        log_type: 'slow-log',
      },
    ]);
  });

  it('security group: 6379 from the allowed client only', () => {
    expect(synth.only('aws_vpc_security_group_ingress_rule')).toMatchObject({
      from_port: 6379,
      to_port: 6379,
      referenced_security_group_id: 'sg-user',
    });
    expect(group.security_group_ids).toEqual([ref('aws_security_group', synth.only('aws_security_group'), synth, 'id')]);
  });

  it('grantConnect: elasticache:Connect on the replication group and the user', () => {
    expect(synth.statements('user-task')).toEqual([
      {
        Effect: 'Allow',
        Action: ['elasticache:Connect'],
        Resource: [ref('aws_elasticache_replication_group', group, synth, 'arn'), ref('aws_elasticache_user', appUser, synth, 'arn')],
      },
    ]);
  });

  it('memory and engine-CPU alarms for every node', () => {
    const alarms = Object.values(synth.resources('aws_cloudwatch_metric_alarm'));
    expect(alarms.map((a) => `${a.dimensions.CacheClusterId} ${a.metric_name}`).sort()).toEqual([
      'prod-cache-001 DatabaseMemoryUsagePercentage',
      'prod-cache-001 EngineCPUUtilization',
      'prod-cache-002 DatabaseMemoryUsagePercentage',
      'prod-cache-002 EngineCPUUtilization',
    ]);
  });

  it('single node without Multi-AZ for dev; Multi-AZ without a replica is rejected', () => {
    const dev = synthDataPlane(({ scope, kmsKey }) => {
      new Cache(scope, 'cache', { ...base, name: 'dev-cache', replicas: 0, multiAz: false, snapshotRetentionDays: 0, kmsKey });
    });
    const devGroup = dev.only('aws_elasticache_replication_group');
    expect(devGroup).toMatchObject({ num_cache_clusters: 1, automatic_failover_enabled: false, multi_az_enabled: false });
    // No snapshots kept: no window, no final snapshot.
    expect(devGroup.snapshot_window).toBeUndefined();
    expect(devGroup.final_snapshot_identifier).toBeUndefined();
    expect(dev.resources('aws_cloudwatch_metric_alarm')).toEqual({});
    const invalid: Omit<CacheProps, 'kmsKey'> = { ...base, replicas: 0, multiAz: true };
    expect(() => synthDataPlane(({ scope, kmsKey }) => new Cache(scope, 'c', { ...invalid, kmsKey }))).toThrow(
      /multiAz needs at least one replica/,
    );
  });
});
