import { Construct } from 'constructs';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { RdsClusterParameterGroup } from '@cdktf/provider-aws/lib/rds-cluster-parameter-group';
import { ServiceRole } from '../iam/service-role';
import { Connections } from '../security/connections';
import { Grant, type IGrantable } from '../security/grants';
import type { IKey } from '../security/kms-key';
import { grantSecretRead } from '../security/secret-read';
import { DataStoreSecurityGroup } from '../security/security-group';
import { LogGroup } from '../observability/log-group';
import { metric, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';
import { suppress } from '../policy/suppressions';

export interface AuroraPostgresProps {
  /** Cluster identifier and name prefix (lowercase letters, digits, hyphens). */
  readonly name: string;
  readonly vpcId: string;
  /** Isolated data subnets (no internet route), at least two AZs as RDS requires. */
  readonly subnetIds: readonly string[];
  /** Instances are placed round-robin: writer in the first AZ, readers in the following ones. */
  readonly availabilityZones: readonly string[];
  readonly kmsKey: IKey;
  readonly accountId: string;
  readonly region: string;
  /** Serverless v2 capacity range in ACUs (0.5 steps; 0 lets an idle cluster pause). */
  readonly minCapacityAcu: number;
  readonly maxCapacityAcu: number;
  /** Reader instances besides the writer; each lands in a different AZ from the writer. */
  readonly readerCount: number;
  /** Deletion protection plus a final snapshot on destroy. */
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  /** Initial database created with the cluster. */
  readonly databaseName: string;
  /** Default `16.8`; the parameter group family follows the major version. */
  readonly engineVersion?: string;
  /** Default `platform_admin`. The password is generated and rotated by RDS in Secrets Manager. */
  readonly masterUsername?: string;
  /** PostgreSQL log retention (CloudWatch export); default 30 days. */
  readonly logRetentionDays?: number;
  /** When set, CPU and connection alarms notify this topic. */
  readonly alarmTopicArn?: string;
  /** Enhanced Monitoring granularity (1, 5, 10, 15, 30 or 60 s); 0 = off. Default 60. */
  readonly monitoringIntervalSeconds?: number;
}

/** AWS's managed policy for the Enhanced Monitoring role (RDS writes OS metrics to CloudWatch Logs). */
export const ENHANCED_MONITORING_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';
const MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60];

/** The cluster as service stacks see it: created here, or imported from the platform stack's outputs. */
export interface IPostgresCluster {
  readonly endpoint: string;
  readonly port: number;
  /** Clients reach the cluster on 5432: `connections.allowFrom(scope, client.connections)`. */
  readonly connections: Connections;
  /** `cluster-…` id, the resource part of `rds-db:connect` ARNs. */
  readonly clusterResourceId: string;
  /** The RDS-managed master secret (JSON keys `username`, `password`): administration only. */
  readonly masterSecretArn: string;
  /** `rds-db:connect` as exactly one database user (IAM database authentication). */
  grantConnect(grantee: IGrantable, databaseUser: string): Grant;
  /** Read the master secret and decrypt it through Secrets Manager (the migration task only). */
  grantMasterSecretRead(grantee: IGrantable): Grant;
}

export interface PostgresClusterAttributes {
  readonly endpoint: string;
  readonly securityGroupId: string;
  readonly clusterResourceId: string;
  readonly masterSecretArn: string;
}

class PostgresClusterReference implements IPostgresCluster {
  readonly endpoint: string;
  readonly port = POSTGRES_PORT;
  readonly connections: Connections;
  readonly clusterResourceId: string;
  readonly masterSecretArn: string;

  constructor(
    attrs: PostgresClusterAttributes,
    private readonly context: { kmsKey: IKey; accountId: string; region: string },
  ) {
    this.endpoint = attrs.endpoint;
    this.connections = new Connections('aurora', attrs.securityGroupId, POSTGRES_PORT);
    this.clusterResourceId = attrs.clusterResourceId;
    this.masterSecretArn = attrs.masterSecretArn;
  }

  grantConnect(grantee: IGrantable, databaseUser: string): Grant {
    const { region, accountId } = this.context;
    return Grant.add(grantee, {
      actions: ['rds-db:connect'],
      resources: [`arn:aws:rds-db:${region}:${accountId}:dbuser:${this.clusterResourceId}/${databaseUser}`],
    });
  }

  grantMasterSecretRead(grantee: IGrantable): Grant {
    return grantSecretRead(grantee, this.masterSecretArn, this.context.kmsKey);
  }
}

export const POSTGRES_PORT = 5432;
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,50}[a-z0-9]$/;
/**
 * Aurora PostgreSQL sets max_connections from instance memory (about 2 GiB per ACU at the maximum
 * capacity) as LEAST(memory / 9531392, 5000); the connections alarm fires at 80 % of that.
 */
const maxConnectionsFor = (maxAcu: number): number => Math.min(Math.floor((maxAcu * 2 * 1024 ** 3) / 9531392), 5000);

/**
 * Aurora PostgreSQL Serverless v2: CMK-encrypted storage and Performance Insights, master password
 * managed by RDS in Secrets Manager (encrypted with the CMK, never in code or state), IAM database
 * authentication, TLS forced by the cluster parameter group, PostgreSQL logs exported to an
 * encrypted log group with retention, backups, and deletion protection with a final snapshot when asked.
 */
export class AuroraPostgres extends Construct implements IPostgresCluster {
  readonly securityGroupId: string;
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port = POSTGRES_PORT;
  readonly masterSecretArn: string;
  readonly clusterIdentifier: string;
  readonly clusterResourceId: string;
  readonly clusterArn: string;
  readonly connections: Connections;
  private readonly ref: PostgresClusterReference;

  static fromAttributes(attrs: PostgresClusterAttributes, context: { kmsKey: IKey; accountId: string; region: string }): IPostgresCluster {
    return new PostgresClusterReference(attrs, context);
  }

  constructor(scope: Construct, id: string, props: AuroraPostgresProps) {
    super(scope, id);
    validate(props);
    const engineVersion = props.engineVersion ?? '16.8';
    this.clusterIdentifier = props.name;

    const securityGroup = new DataStoreSecurityGroup(this, 'security-group', {
      name: `${props.name}-aurora`,
      description: `Aurora ${props.name}: clients on ${POSTGRES_PORT} only`,
      vpcId: props.vpcId,
    });
    this.securityGroupId = securityGroup.id;

    const subnetGroup = new DbSubnetGroup(this, 'subnets', {
      name: `${props.name}-aurora`,
      description: `Isolated subnets of ${props.name}`,
      subnetIds: [...props.subnetIds],
    });
    const major = engineVersion.split('.')[0];
    const parameters = new RdsClusterParameterGroup(this, 'parameters', {
      // A prefix, not a fixed name: a major upgrade replaces the group before the old one is deleted.
      namePrefix: `${props.name}-pg${major}-`,
      family: `aurora-postgresql${major}`,
      description: `TLS-only connections for ${props.name}`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'ssl_min_protocol_version', value: 'TLSv1.2' },
      ],
      lifecycle: { createBeforeDestroy: true },
    });
    // RDS would create this group on first export without retention or KMS; own it instead.
    const postgresLog = new LogGroup(this, 'postgresql-log', {
      name: `/aws/rds/cluster/${props.name}/postgresql`,
      retentionDays: props.logRetentionDays ?? 30,
      kmsKey: props.kmsKey,
    });

    const cluster = new RdsCluster(this, 'cluster', {
      clusterIdentifier: props.name,
      engine: 'aurora-postgresql',
      engineMode: 'provisioned',
      engineVersion,
      databaseName: props.databaseName,
      masterUsername: props.masterUsername ?? 'platform_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKey.arn,
      iamDatabaseAuthenticationEnabled: true,
      storageEncrypted: true,
      kmsKeyId: props.kmsKey.arn,
      serverlessv2ScalingConfiguration: { minCapacity: props.minCapacityAcu, maxCapacity: props.maxCapacityAcu },
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroupId],
      dbClusterParameterGroupName: parameters.name,
      port: POSTGRES_PORT,
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: ['postgresql'],
      deletionProtection: props.deletionProtection,
      skipFinalSnapshot: !props.deletionProtection,
      ...(props.deletionProtection ? { finalSnapshotIdentifier: `${props.name}-final` } : {}),
      dependsOn: [postgresLog],
    });

    const monitoringInterval = props.monitoringIntervalSeconds ?? 60;
    const monitoringRole =
      monitoringInterval > 0
        ? new ServiceRole(this, 'monitoring-role', {
            name: `${props.name}-rds-monitoring`,
            servicePrincipal: 'monitoring.rds.amazonaws.com',
            accountId: props.accountId,
            managedPolicyArns: [ENHANCED_MONITORING_POLICY_ARN],
          })
        : undefined;
    if (monitoringRole) {
      suppress(monitoringRole, 'IAM-06', {
        reason: 'Enhanced Monitoring documents this AWS managed policy as the role permissions (RDS writes RDSOSMetrics)',
        expires: '2027-12-31',
      });
    }

    for (let i = 0; i <= props.readerCount; i++) {
      new RdsClusterInstance(this, i === 0 ? 'writer' : `reader-${i}`, {
        identifier: `${props.name}-${i + 1}`,
        clusterIdentifier: cluster.clusterIdentifier,
        instanceClass: 'db.serverless',
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
        availabilityZone: props.availabilityZones[i % props.availabilityZones.length],
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.kmsKey.arn,
        performanceInsightsRetentionPeriod: 7,
        ...(monitoringRole ? { monitoringInterval, monitoringRoleArn: monitoringRole.arn } : {}),
      });
    }

    this.endpoint = cluster.endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.clusterArn = cluster.arn;
    this.clusterResourceId = cluster.clusterResourceId;
    this.masterSecretArn = cluster.masterUserSecret.get(0).secretArn;
    this.ref = new PostgresClusterReference(
      { endpoint: this.endpoint, securityGroupId: this.securityGroupId, clusterResourceId: this.clusterResourceId, masterSecretArn: this.masterSecretArn },
      { kmsKey: props.kmsKey, accountId: props.accountId, region: props.region },
    );
    this.connections = this.ref.connections;

    if (props.alarmTopicArn) {
      metricAlarm(this, 'alarm-cpu', {
        alarmName: `${props.name}-cpu`,
        description: `Aurora ${props.name}: CPU above 80 %`,
        metric: this.metric('CPUUtilization'),
        threshold: 80,
        alarmTopicArn: props.alarmTopicArn,
      });
      const connections = Math.floor(maxConnectionsFor(props.maxCapacityAcu) * 0.8);
      metricAlarm(this, 'alarm-connections', {
        alarmName: `${props.name}-connections`,
        description: `Aurora ${props.name}: over ${connections} connections (80 % of max_connections at ${props.maxCapacityAcu} ACU)`,
        metric: this.metric('DatabaseConnections', 'Maximum'),
        threshold: connections,
        alarmTopicArn: props.alarmTopicArn,
      });
    }
  }

  grantConnect(grantee: IGrantable, databaseUser: string): Grant {
    return this.ref.grantConnect(grantee, databaseUser);
  }

  grantMasterSecretRead(grantee: IGrantable): Grant {
    return this.ref.grantMasterSecretRead(grantee);
  }

  metric(metricName: string, statistic: Metric['statistic'] = 'Average'): Metric {
    return metric('AWS/RDS', metricName, { DBClusterIdentifier: this.clusterIdentifier }, statistic, { label: metricName });
  }
}

function validate(props: AuroraPostgresProps): void {
  const problems: string[] = [];
  const { minCapacityAcu: min, maxCapacityAcu: max } = props;
  if (!NAME_PATTERN.test(props.name)) problems.push(`name "${props.name}" must match ${NAME_PATTERN}`);
  if (min < 0 || max < 1 || max > 256 || min > max || min % 0.5 !== 0 || max % 0.5 !== 0) {
    problems.push(`capacity ${min}..${max} ACU must satisfy 0 <= min <= max, 1 <= max <= 256, in 0.5 steps`);
  }
  if (!Number.isInteger(props.readerCount) || props.readerCount < 0 || props.readerCount > 15) {
    problems.push(`readerCount must be an integer in 0..15 (got ${props.readerCount})`);
  }
  if (props.readerCount > 0 && props.availabilityZones.length < 2) {
    problems.push('a reader needs a second availability zone (the writer and its reader must not share one)');
  }
  if (props.availabilityZones.length === 0) problems.push('availabilityZones is empty');
  if (props.subnetIds.length < 2) problems.push('RDS subnet groups need subnets in at least two AZs');
  if (props.backupRetentionDays < 1 || props.backupRetentionDays > 35) {
    problems.push(`backupRetentionDays must be in 1..35 (got ${props.backupRetentionDays})`);
  }
  if (props.monitoringIntervalSeconds !== undefined && !MONITORING_INTERVALS.includes(props.monitoringIntervalSeconds)) {
    problems.push(`monitoringIntervalSeconds must be one of ${MONITORING_INTERVALS.join(', ')}`);
  }
  if (props.engineVersion !== undefined && !/^\d+\.\d+$/.test(props.engineVersion)) {
    problems.push(`engineVersion "${props.engineVersion}" must be <major>.<minor>, e.g. 16.8`);
  }
  if (!/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/.test(props.databaseName)) {
    problems.push(`databaseName "${props.databaseName}" is not a valid PostgreSQL identifier`);
  }
  if (problems.length > 0) throw new Error(`AuroraPostgres ${props.name}: ${problems.join('; ')}`);
}
