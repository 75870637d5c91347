import { AuroraPostgres, ENHANCED_MONITORING_POLICY_ARN, type AuroraPostgresProps } from '../../modules/aurora/aurora-postgres';
import { Connections } from '../../modules/security/connections';
import { ACCOUNT_ID, ALARM_TOPIC_ARN, REGION, actionsOf, ref, synthDataPlane } from './support/data-plane';

const base = {
  name: 'prod-db',
  vpcId: 'vpc-1',
  subnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  minCapacityAcu: 0.5,
  maxCapacityAcu: 8,
  readerCount: 1,
  deletionProtection: true,
  backupRetentionDays: 14,
  databaseName: 'users',
  accountId: ACCOUNT_ID,
  region: REGION,
} as const;

describe('AuroraPostgres', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const db = new AuroraPostgres(scope, 'db', { ...base, kmsKey, alarmTopicArn: ALARM_TOPIC_ARN });
    db.connections.allowFrom(scope, new Connections('user', 'sg-user'));
    db.grantMasterSecretRead(grantee('user-migrate-execution'));
    db.grantConnect(grantee('user-task'), 'user_app');
  });
  const cluster = synth.only('aws_rds_cluster');
  const keyArn = ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn');
  const instances = Object.values(synth.resources('aws_rds_cluster_instance'));

  it('Serverless v2 aurora-postgresql 16 with storage encrypted by the CMK', () => {
    expect(cluster).toMatchObject({
      engine: 'aurora-postgresql',
      engine_mode: 'provisioned',
      storage_encrypted: true,
      kms_key_id: keyArn,
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 8 },
      database_name: 'users',
      port: 5432,
    });
    expect(cluster.engine_version).toMatch(/^16\./);
  });

  it('master password managed by RDS with the CMK; never a literal; IAM auth on', () => {
    expect(cluster.manage_master_user_password).toBe(true);
    expect(cluster.master_user_secret_kms_key_id).toBe(keyArn);
    expect(cluster.master_password).toBeUndefined();
    expect(cluster.master_password_wo).toBeUndefined();
    expect(cluster.iam_database_authentication_enabled).toBe(true);
  });

  it('TLS forced by the cluster parameter group', () => {
    const parameters = synth.only('aws_rds_cluster_parameter_group');
    expect(parameters.family).toBe('aurora-postgresql16');
    expect(parameters.parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
    expect(cluster.db_cluster_parameter_group_name).toBe(ref('aws_rds_cluster_parameter_group', parameters, synth, 'name'));
  });

  it('backups, log export to an owned encrypted log group, snapshots tagged, protection + final snapshot', () => {
    expect(cluster).toMatchObject({
      backup_retention_period: 14,
      enabled_cloudwatch_logs_exports: ['postgresql'],
      copy_tags_to_snapshot: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'prod-db-final',
    });
    const logGroup = synth.only('aws_cloudwatch_log_group');
    expect(logGroup).toMatchObject({ name: '/aws/rds/cluster/prod-db/postgresql', kms_key_id: keyArn, retention_in_days: 30 });
    expect(cluster.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\./)]);
  });

  it('writer and reader are serverless, in different AZs, with Performance Insights on the CMK', () => {
    expect(instances).toHaveLength(2);
    expect(new Set(instances.map((i) => i.availability_zone))).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    for (const instance of instances) {
      expect(instance).toMatchObject({
        instance_class: 'db.serverless',
        publicly_accessible: false,
        performance_insights_enabled: true,
        performance_insights_kms_key_id: keyArn,
      });
    }
  });

  it('Enhanced Monitoring every 60 s through a role only RDS monitoring of this account assumes', () => {
    const role = synth.only('aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement[0]).toMatchObject({
      Principal: { Service: 'monitoring.rds.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
    });
    expect(synth.only('aws_iam_role_policy_attachment').policy_arn).toBe(ENHANCED_MONITORING_POLICY_ARN);
    for (const instance of instances) {
      expect(instance.monitoring_interval).toBe(60);
      expect(instance.monitoring_role_arn).toBe(ref('aws_iam_role', role, synth, 'arn'));
    }
  });

  it('subnet group and security group: 5432 from the allowed client only, both halves of the path', () => {
    expect(synth.only('aws_db_subnet_group').subnet_ids).toEqual(base.subnetIds);
    const group = ref('aws_security_group', synth.only('aws_security_group'), synth, 'id');
    expect(synth.only('aws_vpc_security_group_ingress_rule')).toMatchObject({
      security_group_id: group,
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: 'sg-user',
    });
    expect(synth.only('aws_vpc_security_group_egress_rule')).toMatchObject({
      security_group_id: 'sg-user',
      referenced_security_group_id: group,
      from_port: 5432,
    });
  });

  it('grantConnect: rds-db:connect as exactly one database user of this cluster', () => {
    const [statement] = synth.statements('user-task');
    expect(statement.Action).toEqual(['rds-db:connect']);
    const resourceId = ref('aws_rds_cluster', cluster, synth, 'cluster_resource_id');
    expect(statement.Resource).toEqual([`arn:aws:rds-db:${REGION}:${ACCOUNT_ID}:dbuser:${resourceId}/user_app`]);
  });

  it('grantMasterSecretRead: the RDS-managed secret and Decrypt through Secrets Manager', () => {
    const statements = synth.statements('user-migrate-execution');
    expect(actionsOf(statements)).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    expect(statements[0].Resource).toEqual([
      `\${aws_rds_cluster.${Object.keys(synth.resources('aws_rds_cluster'))[0]}.master_user_secret[0].secret_arn}`,
    ]);
    expect(statements[1].Condition).toEqual({ StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } });
  });

  it('CPU and connection alarms; the connection threshold follows max capacity', () => {
    const alarms = Object.values(synth.resources('aws_cloudwatch_metric_alarm'));
    const connections = alarms.find((a) => a.metric_name === 'DatabaseConnections')!;
    // 8 ACU ≈ 16 GiB → max_connections 1802; alarm at 80 %.
    expect(connections.threshold).toBe(1441);
    expect(alarms.find((a) => a.metric_name === 'CPUUtilization')).toMatchObject({ threshold: 80, alarm_actions: [ALARM_TOPIC_ARN] });
  });

  it('unprotected clusters skip the final snapshot', () => {
    const dev = synthDataPlane(({ scope, kmsKey }) => {
      new AuroraPostgres(scope, 'db', { ...base, name: 'dev-db', deletionProtection: false, readerCount: 0, kmsKey });
    });
    const devCluster = dev.only('aws_rds_cluster');
    expect(devCluster).toMatchObject({ deletion_protection: false, skip_final_snapshot: true });
    expect(devCluster.final_snapshot_identifier).toBeUndefined();
    expect(Object.keys(dev.resources('aws_rds_cluster_instance'))).toHaveLength(1);
  });

  it('Enhanced Monitoring can be switched off (no role then)', () => {
    const off = synthDataPlane(({ scope, kmsKey }) => {
      new AuroraPostgres(scope, 'db', { ...base, monitoringIntervalSeconds: 0, kmsKey });
    });
    expect(off.resources('aws_iam_role')).toEqual({});
    for (const instance of Object.values(off.resources('aws_rds_cluster_instance'))) expect(instance.monitoring_interval).toBeUndefined();
  });

  it.each<[string, Partial<AuroraPostgresProps>, RegExp]>([
    ['a reader without a second AZ', { availabilityZones: ['eu-west-1a'] }, /reader needs a second availability zone/],
    ['min above max', { minCapacityAcu: 4, maxCapacityAcu: 2 }, /capacity 4\.\.2 ACU/],
    ['a bad database name', { databaseName: 'user-db' }, /not a valid PostgreSQL identifier/],
    ['a malformed engine version', { engineVersion: '16' }, /engineVersion "16" must be <major>\.<minor>/],
    ['an unsupported monitoring interval', { monitoringIntervalSeconds: 20 }, /monitoringIntervalSeconds must be one of/],
  ])('rejects %s', (_, override, message) => {
    expect(() => synthDataPlane(({ scope, kmsKey }) => new AuroraPostgres(scope, 'db', { ...base, ...override, kmsKey }))).toThrow(
      message,
    );
  });
});
