import { Construct } from 'constructs';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group';
import { ElasticacheUser } from '@cdktf/provider-aws/lib/elasticache-user';
import { ElasticacheUserGroup } from '@cdktf/provider-aws/lib/elasticache-user-group';
import { Connections } from '../security/connections';
import { Grant, type IGrantable } from '../security/grants';
import type { IKey } from '../security/kms-key';
import { DataStoreSecurityGroup } from '../security/security-group';
import { LogGroup } from '../observability/log-group';
import { metric, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';

export interface CacheProps {
  /** Replication group id and name prefix (lowercase letters, digits, hyphens; ≤ 40 characters). */
  readonly name: string;
  readonly vpcId: string;
  /** Isolated data subnets (no internet route). */
  readonly subnetIds: readonly string[];
  readonly kmsKey: IKey;
  readonly engine: 'valkey' | 'redis';
  readonly engineVersion: string;
  readonly nodeType: string;
  /** Read replicas besides the primary (0..5). */
  readonly replicas: number;
  /** Multi-AZ with automatic failover; needs at least one replica. */
  readonly multiAz: boolean;
  /** Daily snapshots kept (0 = none); with snapshots, a final snapshot is taken on deletion too. */
  readonly snapshotRetentionDays: number;
  /** Slow-log retention; default 30 days. */
  readonly logRetentionDays?: number;
  /** When set, memory and engine-CPU alarms notify this topic. */
  readonly alarmTopicArn?: string;
}

export const CACHE_PORT = 6379;
/** Daily snapshot window (UTC), before Aurora's 03:00 backup window. */
export const CACHE_SNAPSHOT_WINDOW = '01:00-02:00';

/** The cache as service stacks see it: created here, or imported from the platform stack's outputs. */
export interface ICache {
  readonly primaryEndpoint: string;
  readonly port: number;
  readonly connections: Connections;
  readonly replicationGroupId: string;
  /** The IAM-authenticated user services connect as (user id = user name). */
  readonly iamUserId: string;
  /** elasticache:Connect as the IAM user to this replication group (both ARNs are required). */
  grantConnect(grantee: IGrantable): Grant;
}

export interface CacheAttributes {
  readonly primaryEndpoint: string;
  readonly securityGroupId: string;
  readonly replicationGroupId: string;
  readonly arn: string;
  readonly iamUserId: string;
  readonly iamUserArn: string;
}

class CacheReference implements ICache {
  readonly primaryEndpoint: string;
  readonly port = CACHE_PORT;
  readonly connections: Connections;
  readonly replicationGroupId: string;
  readonly iamUserId: string;

  constructor(private readonly attrs: CacheAttributes) {
    this.primaryEndpoint = attrs.primaryEndpoint;
    this.connections = new Connections('cache', attrs.securityGroupId, CACHE_PORT);
    this.replicationGroupId = attrs.replicationGroupId;
    this.iamUserId = attrs.iamUserId;
  }

  grantConnect(grantee: IGrantable): Grant {
    return Grant.add(grantee, { actions: ['elasticache:Connect'], resources: [this.attrs.arn, this.attrs.iamUserArn] });
  }
}
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

/**
 * ElastiCache (Valkey or Redis OSS) replication group: transit and at-rest encryption with the CMK,
 * clients authenticate as an IAM-authenticated ElastiCache user (short-lived IAM tokens, so no AUTH
 * secret exists anywhere), the `default` user is switched off, slow log goes to an encrypted log group.
 */
export class Cache extends Construct implements ICache {
  readonly securityGroupId: string;
  readonly connections: Connections;
  readonly primaryEndpoint: string;
  readonly readerEndpoint: string;
  readonly port = CACHE_PORT;
  readonly replicationGroupId: string;
  readonly arn: string;
  /** The IAM-authenticated user services connect as (user id = user name, as IAM auth requires). */
  readonly iamUserId: string;
  readonly iamUserArn: string;
  /** Member node ids (`<replication group>-00N`), the CacheClusterId dimension of node metrics. */
  readonly nodeIds: readonly string[];
  private readonly ref: CacheReference;

  static fromAttributes(attrs: CacheAttributes): ICache {
    return new CacheReference(attrs);
  }

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    validate(props);
    this.replicationGroupId = props.name;
    this.iamUserId = `${props.name}-app`;
    this.nodeIds = Array.from({ length: props.replicas + 1 }, (_, i) => `${props.name}-${String(i + 1).padStart(3, '0')}`);

    const securityGroup = new DataStoreSecurityGroup(this, 'security-group', {
      name: `${props.name}-cache`,
      description: `ElastiCache ${props.name}: clients on ${CACHE_PORT} only`,
      vpcId: props.vpcId,
    });
    this.securityGroupId = securityGroup.id;

    const subnetGroup = new ElasticacheSubnetGroup(this, 'subnets', {
      name: `${props.name}-cache`,
      description: `Isolated subnets of ${props.name}`,
      subnetIds: [...props.subnetIds],
    });

    const defaultUser = new ElasticacheUser(this, 'default-user', {
      userId: `${props.name}-default`,
      userName: 'default',
      engine: props.engine,
      // Every user group must hold a user named "default"; this one cannot log in or run anything.
      accessString: 'off -@all',
      authenticationMode: { type: 'no-password-required' },
    });
    const appUser = new ElasticacheUser(this, 'app-user', {
      userId: this.iamUserId,
      userName: this.iamUserId,
      engine: props.engine,
      // Everything but the @dangerous class (KEYS, FLUSHALL, DEBUG, ...); INFO back for ioredis' ready check.
      accessString: 'on ~* +@all -@dangerous +info',
      authenticationMode: { type: 'iam' },
    });
    this.iamUserArn = appUser.arn;
    const userGroup = new ElasticacheUserGroup(this, 'user-group', {
      userGroupId: `${props.name}-users`,
      engine: props.engine,
      userIds: [defaultUser.userId, appUser.userId],
    });

    const slowLog = new LogGroup(this, 'slow-log', {
      name: `/aws/elasticache/${props.name}/slow-log`,
      retentionDays: props.logRetentionDays ?? 30,
      kmsKey: props.kmsKey,
    });

    const group = new ElasticacheReplicationGroup(this, 'replication-group', {
      replicationGroupId: props.name,
      description: `Cache of ${props.name}`,
      engine: props.engine,
      engineVersion: props.engineVersion,
      nodeType: props.nodeType,
      port: CACHE_PORT,
      numCacheClusters: props.replicas + 1,
      automaticFailoverEnabled: props.multiAz,
      multiAzEnabled: props.multiAz,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [this.securityGroupId],
      atRestEncryptionEnabled: 'true',
      kmsKeyId: props.kmsKey.arn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      userGroupIds: [userGroup.userGroupId],
      snapshotRetentionLimit: props.snapshotRetentionDays,
      ...(props.snapshotRetentionDays > 0
        ? { snapshotWindow: CACHE_SNAPSHOT_WINDOW, finalSnapshotIdentifier: `${props.name}-final` }
        : {}),
      autoMinorVersionUpgrade: 'true',
      logDeliveryConfiguration: [
        { destination: slowLog.name, destinationType: 'cloudwatch-logs', logFormat: 'json', logType: 'slow-log' },
      ],
    });
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.readerEndpoint = group.readerEndpointAddress;
    this.arn = group.arn;
    this.ref = new CacheReference({
      primaryEndpoint: this.primaryEndpoint,
      securityGroupId: this.securityGroupId,
      replicationGroupId: this.replicationGroupId,
      arn: this.arn,
      iamUserId: this.iamUserId,
      iamUserArn: this.iamUserArn,
    });
    this.connections = this.ref.connections;

    if (props.alarmTopicArn) {
      for (const nodeId of this.nodeIds) {
        metricAlarm(this, `alarm-memory-${nodeId}`, {
          alarmName: `${nodeId}-memory`,
          description: `ElastiCache ${nodeId}: memory above 80 % (evictions follow)`,
          metric: this.metric('DatabaseMemoryUsagePercentage', nodeId),
          threshold: 80,
          alarmTopicArn: props.alarmTopicArn,
        });
        metricAlarm(this, `alarm-cpu-${nodeId}`, {
          alarmName: `${nodeId}-engine-cpu`,
          description: `ElastiCache ${nodeId}: engine CPU above 80 %`,
          metric: this.metric('EngineCPUUtilization', nodeId),
          threshold: 80,
          alarmTopicArn: props.alarmTopicArn,
        });
      }
    }
  }

  grantConnect(grantee: IGrantable): Grant {
    return this.ref.grantConnect(grantee);
  }

  /** A per-node metric (ElastiCache publishes engine metrics per member node). */
  metric(metricName: string, nodeId: string, statistic: Metric['statistic'] = 'Average'): Metric {
    return metric('AWS/ElastiCache', metricName, { CacheClusterId: nodeId }, statistic, { label: `${nodeId} ${metricName}` });
  }
}

function validate(props: CacheProps): void {
  const problems: string[] = [];
  if (!NAME_PATTERN.test(props.name)) problems.push(`name "${props.name}" must match ${NAME_PATTERN}`);
  if (!Number.isInteger(props.replicas) || props.replicas < 0 || props.replicas > 5) {
    problems.push(`replicas must be an integer in 0..5 (got ${props.replicas})`);
  }
  if (props.multiAz && props.replicas < 1) problems.push('multiAz needs at least one replica to fail over to');
  if (props.subnetIds.length === 0) problems.push('subnetIds is empty');
  if (props.snapshotRetentionDays < 0 || props.snapshotRetentionDays > 35) {
    problems.push(`snapshotRetentionDays must be in 0..35 (got ${props.snapshotRetentionDays})`);
  }
  if (problems.length > 0) throw new Error(`Cache ${props.name}: ${problems.join('; ')}`);
}
