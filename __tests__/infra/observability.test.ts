import { Testing } from 'cdktf';
import { AlarmTopic } from '../../modules/observability/alarm-topic';
import { Dashboard } from '../../modules/observability/dashboard';
import { LogGroup } from '../../modules/observability/log-group';
import { metric } from '../../modules/observability/metric';
import { metricAlarm } from '../../modules/observability/metric-alarm';
import { KmsKey } from '../../modules/security/kms-key';
import { ACCOUNT_ID, ALARM_TOPIC_ARN, REGION, ref, synthDataPlane } from './support/data-plane';

describe('observability', () => {
  const synth = synthDataPlane(({ scope, kmsKey }) => {
    new AlarmTopic(scope, 'alarms', { name: 'prod-alarms', kmsKey, alarmNamePattern: 'test-*' });
    new LogGroup(scope, 'logs', { name: '/platform/prod/user', retentionDays: 30, kmsKey });
    const latency = metric('AWS/ApplicationELB', 'TargetResponseTime', { LoadBalancer: 'app/x/1' }, 'p99');
    metricAlarm(scope, 'latency', { alarmName: 'p99', description: 'slow', metric: latency, threshold: 1, alarmTopicArn: ALARM_TOPIC_ARN });
    new Dashboard(scope, 'dashboard', {
      name: 'prod-platform',
      region: REGION,
      widgets: [
        { title: 'latency', metrics: [latency, metric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'prod-events-dlq' }, 'Maximum', { label: 'dlq' })] },
        { title: 'empty graphs are dropped', metrics: [] },
      ],
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
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:test-*` },
      },
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

  it('dashboard draws each graph from the same metric descriptions the alarms use', () => {
    const dashboard = synth.only('aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('prod-platform');
    const body = JSON.parse(dashboard.dashboard_body);
    expect(body.widgets).toHaveLength(1);
    expect(body.widgets[0].properties).toMatchObject({ title: 'latency', region: REGION, view: 'timeSeries' });
    expect(body.widgets[0].properties.metrics).toEqual([
      ['AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer', 'app/x/1', { stat: 'p99' }],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'prod-events-dlq', { stat: 'Maximum', label: 'dlq' }],
    ]);
  });

  it('rejects an unsupported retention, a key without the needed principals, and an empty dashboard', () => {
    Testing.synthScope((scope) => {
      const bare = new KmsKey(scope, 'bare', { name: 'bare', description: 'x', accountId: ACCOUNT_ID, region: REGION });
      expect(() => new LogGroup(scope, 'a', { name: 'a', retentionDays: 30, kmsKey: bare })).toThrow(/must admit "logs"/);
      expect(() => new AlarmTopic(scope, 'b', { name: 'b', kmsKey: bare, alarmNamePattern: 'b-*' })).toThrow(/must admit "cloudwatchAlarmNamePattern"/);
      expect(() => new Dashboard(scope, 'd', { name: 'd', region: REGION, widgets: [] })).toThrow(/nothing to draw/);
    });
    synthDataPlane(({ scope, kmsKey }) => {
      expect(() => new LogGroup(scope, 'c', { name: 'c', retentionDays: 0, kmsKey })).toThrow(/retentionDays 0 is not one/);
      expect(() => new LogGroup(scope, 'd', { name: 'd', retentionDays: 31, kmsKey })).toThrow(/retentionDays 31/);
    });
  });
});
