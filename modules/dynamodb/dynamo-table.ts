import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { KeyAttribute, TableSpec } from '../../services/catalog';
import { Grant, type IGrantable } from '../security/grants';
import type { IKey } from '../security/kms-key';
import { metric, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';

export interface DynamoTableProps {
  readonly spec: TableSpec;
  /** `<prefix>-<spec.name>`. */
  readonly physicalName: string;
  readonly kmsKey: IKey;
  readonly deletionProtection: boolean;
  /** When set, read and write throttle alarms notify this topic. */
  readonly alarmTopicArn?: string;
}

/** Item-level access (reads, writes, transactions' condition checks); no table management. */
export const TABLE_READ_WRITE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
] as const;

/** A table as other constructs see it: created here, or imported by name and ARN. */
export interface ITable {
  readonly name: string;
  readonly arn: string;
  /** Item actions on the table and its indexes, plus the CMK through DynamoDB only. */
  grantReadWrite(grantee: IGrantable): Grant;
  metric(metricName: string, statistic?: Metric['statistic']): Metric;
}

class TableReference implements ITable {
  constructor(
    readonly name: string,
    readonly arn: string,
    private readonly kmsKey: IKey,
  ) {}

  grantReadWrite(grantee: IGrantable): Grant {
    return Grant.combine(
      Grant.add(grantee, { actions: TABLE_READ_WRITE_ACTIONS, resources: [this.arn, `${this.arn}/index/*`] }),
      this.kmsKey.grant(grantee, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'dynamodb'),
    );
  }

  metric(metricName: string, statistic: Metric['statistic'] = 'Sum'): Metric {
    return metric('AWS/DynamoDB', metricName, { TableName: this.name }, statistic, { label: `${this.name} ${metricName}` });
  }
}

/** An on-demand table from a catalog TableSpec: PITR, SSE with the CMK, TTL and GSIs as declared. */
export class DynamoTable extends Construct implements ITable {
  readonly arn: string;
  readonly name: string;
  private readonly ref: TableReference;

  static fromAttributes(attrs: { name: string; arn: string; kmsKey: IKey }): ITable {
    return new TableReference(attrs.name, attrs.arn, attrs.kmsKey);
  }

  constructor(scope: Construct, id: string, props: DynamoTableProps) {
    super(scope, id);
    const { spec } = props;
    const table = new DynamodbTable(this, 'table', {
      name: props.physicalName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: spec.partitionKey.name,
      rangeKey: spec.sortKey?.name,
      attribute: keyAttributes(spec),
      globalSecondaryIndex: (spec.indexes ?? []).map((index) => ({
        name: index.name,
        hashKey: index.partitionKey.name,
        rangeKey: index.sortKey?.name,
        projectionType: index.projection,
      })),
      ...(spec.ttlAttribute ? { ttl: { enabled: true, attributeName: spec.ttlAttribute } } : {}),
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKey.arn },
      deletionProtectionEnabled: props.deletionProtection,
    });
    this.arn = table.arn;
    this.name = props.physicalName;
    this.ref = new TableReference(this.name, this.arn, props.kmsKey);

    if (props.alarmTopicArn) {
      for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        metricAlarm(this, `alarm-${metricName}`, {
          alarmName: `${props.physicalName}-${metricName}`,
          description: `DynamoDB ${props.physicalName}: requests throttled (${metricName})`,
          metric: this.metric(metricName),
          threshold: 0,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          alarmTopicArn: props.alarmTopicArn,
        });
      }
    }
  }

  grantReadWrite(grantee: IGrantable): Grant {
    return this.ref.grantReadWrite(grantee);
  }

  metric(metricName: string, statistic?: Metric['statistic']): Metric {
    return this.ref.metric(metricName, statistic);
  }
}

/** Every key attribute of the table and its indexes, once; a name used with two types is a catalog error. */
function keyAttributes(spec: TableSpec): { name: string; type: string }[] {
  const keys: KeyAttribute[] = [spec.partitionKey];
  if (spec.sortKey) keys.push(spec.sortKey);
  for (const index of spec.indexes ?? []) {
    keys.push(index.partitionKey);
    if (index.sortKey) keys.push(index.sortKey);
  }
  const byName = new Map<string, string>();
  for (const key of keys) {
    const seen = byName.get(key.name);
    if (seen && seen !== key.type) {
      throw new Error(`table ${spec.name}: attribute "${key.name}" is declared as both ${seen} and ${key.type}`);
    }
    byName.set(key.name, key.type);
  }
  return [...byName].map(([name, type]) => ({ name, type }));
}
