import { findQueue } from '../../services/catalog';
import { Queue, QUEUE_CONSUME_ACTIONS, QUEUE_SEND_ACTIONS } from '../../modules/queue/queue';
import { ALARM_TOPIC_ARN, REGION, ref, synthDataPlane } from './support/data-plane';

const spec = findQueue('events');

describe('Queue', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const queue = new Queue(scope, 'events', { spec, physicalName: 'prod-events', kmsKey, alarmTopicArn: ALARM_TOPIC_ARN });
    queue.grantSend(grantee('publisher'));
    queue.grantConsume(grantee('consumer'));
  });
  const queues = Object.values(synth.resources('aws_sqs_queue'));
  const main = queues.find((q) => q.name === 'prod-events')!;
  const dlq = queues.find((q) => q.name === 'prod-events-dlq')!;
  const keyArn = ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn');

  it('main queue and DLQ are SSE-KMS with the CMK and data-key reuse', () => {
    expect(queues).toHaveLength(2);
    for (const q of [main, dlq]) {
      expect(q.kms_master_key_id).toBe(keyArn);
      expect(q.kms_data_key_reuse_period_seconds).toBe(300);
      expect(q.sqs_managed_sse_enabled).toBeUndefined();
    }
  });

  it('visibility, retention and long polling come from the catalog', () => {
    expect(main.visibility_timeout_seconds).toBe(spec.visibilityTimeoutSeconds);
    expect(main.message_retention_seconds).toBe(spec.retentionSeconds);
    expect(main.receive_wait_time_seconds).toBe(spec.receiveWaitSeconds);
    expect(dlq.message_retention_seconds).toBe(spec.dlqRetentionSeconds);
  });

  it('redrives to the DLQ after maxReceiveCount, and the DLQ accepts only this source', () => {
    expect(JSON.parse(main.redrive_policy)).toEqual({
      deadLetterTargetArn: ref('aws_sqs_queue', dlq, synth, 'arn'),
      maxReceiveCount: spec.maxReceiveCount,
    });
    const allow = synth.only('aws_sqs_queue_redrive_allow_policy');
    expect(allow.queue_url).toBe(ref('aws_sqs_queue', dlq, synth, 'url'));
    expect(JSON.parse(allow.redrive_allow_policy)).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [ref('aws_sqs_queue', main, synth, 'arn')],
    });
  });

  it('both queues deny any request without TLS', () => {
    const policies = Object.values(synth.resources('aws_sqs_queue_policy'));
    expect(policies.map((p) => p.queue_url).sort()).toEqual(
      [ref('aws_sqs_queue', main, synth, 'url'), ref('aws_sqs_queue', dlq, synth, 'url')].sort(),
    );
    for (const p of policies) {
      const [statement] = JSON.parse(p.policy).Statement;
      expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  });

  it('alarms: DLQ depth above zero and oldest-message age, to the topic', () => {
    const alarms = Object.values(synth.resources('aws_cloudwatch_metric_alarm'));
    const depth = alarms.find((a) => a.dimensions.QueueName === 'prod-events-dlq')!;
    expect(depth).toMatchObject({
      metric_name: 'ApproximateNumberOfMessagesVisible',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
      alarm_actions: [ALARM_TOPIC_ARN],
    });
    const age = alarms.find((a) => a.dimensions.QueueName === 'prod-events')!;
    expect(age).toMatchObject({ metric_name: 'ApproximateAgeOfOldestMessage', threshold: 900, alarm_actions: [ALARM_TOPIC_ARN] });
    expect(alarms).toHaveLength(2);
  });

  it('grantSend: SendMessage only, GenerateDataKey + Decrypt through SQS', () => {
    const [sqs, kms] = synth.statements('publisher');
    expect(sqs.Action).toEqual([...QUEUE_SEND_ACTIONS]);
    expect(sqs.Resource).toEqual([ref('aws_sqs_queue', main, synth, 'arn')]);
    expect(kms.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` } });
  });

  it('grantConsume: receive/delete/visibility/attributes on the main queue, Decrypt only', () => {
    const [sqs, kms] = synth.statements('consumer');
    expect(sqs.Action).toEqual([...QUEUE_CONSUME_ACTIONS]);
    expect(sqs.Action).not.toContain('sqs:SendMessage');
    expect(sqs.Resource).toEqual([ref('aws_sqs_queue', main, synth, 'arn')]);
    expect(kms.Action).toEqual(['kms:Decrypt']);
  });

  it('rejects a DLQ that keeps messages for less time than the source', () => {
    expect(() =>
      synthDataPlane(({ scope, kmsKey }) => {
        new Queue(scope, 'q', {
          spec: { ...spec, dlqRetentionSeconds: spec.retentionSeconds - 1 },
          physicalName: 'q',
          kmsKey,
          alarmTopicArn: ALARM_TOPIC_ARN,
        });
      }),
    ).toThrow(/dlqRetentionSeconds must be >= retentionSeconds/);
  });
});
