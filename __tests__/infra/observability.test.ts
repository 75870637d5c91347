import { Testing } from 'cdktf';
import { AlarmTopic } from '../../modules/observability/alarm-topic';
import { PlatformDashboard } from '../../modules/observability/dashboard';
import { LogGroup } from '../../modules/observability/log-group';
import { metricAlarm } from '../../modules/observability/metric-alarm';
import { KmsKey } from '../../modules/security/kms-key';
import { ACCOUNT_ID, ALARM_TOPIC_ARN, REGION, ref, synthDataPlane } from './support/data-plane';

describe('observability', () => {
  const synth = synthDataPlane(({ scope, kmsKey }) => {
    new AlarmTopic(scope, 'alarms', { name: 'prod-alarms', kmsKey });
    new LogGroup(scope, 'logs', { name: '/platform/prod/user', retentionDays: 30, kmsKey });
    metricAlarm(scope, 'latency', {
      alarmName: 'p99',
      description: 'slow',
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: { LoadBalancer: 'app/x/1' },
      percentile: 'p99',
      threshold: 1,
      alarmTopicArn: ALARM_TOPIC_ARN,
    });
    new PlatformDashboard(scope, 'dashboard', {
      name: 'prod-platform',
      region: REGION,
      loadBalancer: { arnSuffix: 'app/prod/abc', targetGroups: [{ service: 'user', arnSuffix: 'targetgroup/user/1' }] },
      ecs: { clusterName: 'prod', serviceNames: ['user', 'payment'] },
      aurora: { clusterIdentifier: 'prod-db' },
      cache: { nodeIds: ['prod-cache-001', 'prod-cache-002'] },
      tables: [{ name: 'prod-payments' }],
      queues: [{ name: 'prod-events', dlqName: 'prod-events-dlq' }],
    });
  });
  const keyArn = ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn');

  it('alarm topic: KMS-encrypted, CloudWatch alarms of this account may publish, TLS only', () => {
    const topic = synth.only('aws_sns_topic');
    expect(topic.kms_master_key_id).toBe(keyArn);
    const [publish, deny] = JSON.parse(synth.only('aws_sns_topic_policy').policy).Statement;
    expect(publish).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
    });
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('log group: retention and KMS are always set', () => {
    expect(synth.only('aws_cloudwatch_log_group')).toEqual({
      name: '/platform/prod/user',
      retention_in_days: 30,
      kms_key_id: keyArn,
    });
  });

  it('metricAlarm defaults: missing data is not breaching, alarm and OK go to the topic', () => {
    const alarm = synth.only('aws_cloudwatch_metric_alarm');
    expect(alarm).toMatchObject({
      extended_statistic: 'p99',
      treat_missing_data: 'notBreaching',
      alarm_actions: [ALARM_TOPIC_ARN],
      ok_actions: [ALARM_TOPIC_ARN],
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      comparison_operator: 'GreaterThanThreshold',
    });
    expect(alarm.statistic).toBeUndefined();
  });

  it('dashboard draws every input', () => {
    const dashboard = synth.only('aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('prod-platform');
    const body = JSON.parse(dashboard.dashboard_body);
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles).toEqual([
      'ALB requests and 5xx',
      'Target p99 latency (s)',
      'Healthy targets',
      'Service CPU %',
      'Service memory %',
      'Aurora CPU % and ACU',
      'Aurora connections',
      'Cache memory % and CPU %',
      'Cache hits / misses',
      'DynamoDB consumed capacity',
      'DynamoDB throttles',
      'Queue backlog and DLQ depth',
      'Oldest message age (s)',
    ]);
    expect(dashboard.dashboard_body).toContain('"prod-events-dlq"');
    expect(body.widgets.every((w: { properties: { region: string } }) => w.properties.region === REGION)).toBe(true);
  });

  it('rejects an unsupported retention, a key without the needed principals, and an empty dashboard', () => {
    Testing.synthScope((scope) => {
      const bare = new KmsKey(scope, 'bare', { name: 'bare', description: 'x', accountId: ACCOUNT_ID, region: REGION });
      expect(() => new LogGroup(scope, 'a', { name: 'a', retentionDays: 30, kmsKey: bare })).toThrow(
        /must list "logs.eu-west-1.amazonaws.com"/,
      );
      expect(() => new AlarmTopic(scope, 'b', { name: 'b', kmsKey: bare })).toThrow(/must list "cloudwatch.amazonaws.com"/);
      expect(() => new PlatformDashboard(scope, 'd', { name: 'd', region: REGION })).toThrow(/nothing to draw/);
    });
    synthDataPlane(({ scope, kmsKey }) => {
      expect(() => new LogGroup(scope, 'c', { name: 'c', retentionDays: 0, kmsKey })).toThrow(/retentionDays 0 is not one/);
      expect(() => new LogGroup(scope, 'd', { name: 'd', retentionDays: 31, kmsKey })).toThrow(/retentionDays 31/);
    });
  });
});
