import { catalog, findService } from '../../services/catalog';
import { DynamoTable, TABLE_READ_WRITE_ACTIONS } from '../../modules/dynamodb/dynamo-table';
import { ALARM_TOPIC_ARN, REGION, actionsOf, ref, synthDataPlane } from './support/data-plane';

const [payments, idempotency] = findService('payment').needs.tables!;

describe('DynamoTable', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const table = new DynamoTable(scope, 'payments', {
      spec: payments,
      physicalName: 'prod-payments',
      kmsKey,
      deletionProtection: true,
      alarmTopicArn: ALARM_TOPIC_ARN,
    });
    new DynamoTable(scope, 'idempotency', { spec: idempotency, physicalName: 'prod-idempotency-keys', kmsKey, deletionProtection: false });
    table.grantReadWrite(grantee('payment-task'));
  });
  const tables = synth.resources('aws_dynamodb_table');
  const byName = (name: string) => Object.values(tables).find((t) => t.name === name)!;
  const keyArn = ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn');

  it('on-demand, PITR, SSE with the CMK, deletion protection as asked', () => {
    for (const table of Object.values(tables)) {
      expect(table.billing_mode).toBe('PAY_PER_REQUEST');
      expect(table.point_in_time_recovery).toEqual({ enabled: true });
      expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: keyArn });
    }
    expect(byName('prod-payments').deletion_protection_enabled).toBe(true);
    expect(byName('prod-idempotency-keys').deletion_protection_enabled).toBe(false);
  });

  it('keys, attributes and GSIs come from the catalog spec', () => {
    const table = byName('prod-payments');
    expect(table.hash_key).toBe('id');
    expect(table.attribute).toEqual([
      { name: 'id', type: 'S' },
      { name: 'userId', type: 'S' },
      { name: 'createdAt', type: 'S' },
    ]);
    expect(table.global_secondary_index).toEqual([
      { name: 'by-user', hash_key: 'userId', range_key: 'createdAt', projection_type: 'ALL' },
    ]);
    expect(table.ttl).toBeUndefined();
  });

  it('TTL only where the spec declares it', () => {
    expect(byName('prod-idempotency-keys').ttl).toEqual({ enabled: true, attribute_name: 'expiresAt' });
  });

  it('grantReadWrite: item actions on the table and its indexes, the CMK only through DynamoDB', () => {
    const statements = synth.statements('payment-task');
    const tableArn = ref('aws_dynamodb_table', byName('prod-payments'), synth, 'arn');
    expect(statements[0].Action).toEqual([...TABLE_READ_WRITE_ACTIONS]);
    expect(statements[0].Resource).toEqual([tableArn, `${tableArn}/index/*`]);
    expect(statements[1].Resource).toEqual([keyArn]);
    expect(statements[1].Condition).toEqual({ StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } });
    expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
    expect(actionsOf(statements)).not.toContain('dynamodb:DeleteTable');
  });

  it('throttle alarms notify the topic when one is given', () => {
    const alarms = Object.values(synth.resources('aws_cloudwatch_metric_alarm'));
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    for (const alarm of alarms) {
      expect(alarm.dimensions).toEqual({ TableName: 'prod-payments' });
      expect(alarm.alarm_actions).toEqual([ALARM_TOPIC_ARN]);
      expect(alarm.ok_actions).toEqual([ALARM_TOPIC_ARN]);
    }
  });

  it('every catalog table synthesizes', () => {
    const all = catalog.services.flatMap((s) => s.needs.tables ?? []);
    const synthAll = synthDataPlane(({ scope, kmsKey }) => {
      for (const spec of all) new DynamoTable(scope, spec.name, { spec, physicalName: `dev-${spec.name}`, kmsKey, deletionProtection: false });
    });
    expect(Object.keys(synthAll.resources('aws_dynamodb_table'))).toHaveLength(all.length);
  });

  it('rejects an attribute declared with two types', () => {
    expect(() =>
      synthDataPlane(({ scope, kmsKey }) => {
        new DynamoTable(scope, 't', {
          spec: {
            name: 'bad',
            partitionKey: { name: 'id', type: 'S' },
            indexes: [{ name: 'i', partitionKey: { name: 'id', type: 'N' }, projection: 'KEYS_ONLY' }],
          },
          physicalName: 'bad',
          kmsKey,
          deletionProtection: false,
        });
      }),
    ).toThrow(/attribute "id" is declared as both S and N/);
  });
});
