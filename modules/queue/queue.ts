import { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import type { QueueSpec } from '../../services/catalog';
import type { IGrantable } from '../security/grants';
import type { KmsKey } from '../security/kms-key';
import { metricAlarm } from '../observability/metric-alarm';

export interface QueueProps {
  readonly spec: QueueSpec;
  /** `<prefix>-<spec.name>`; the DLQ is `<physicalName>-dlq`. */
  readonly physicalName: string;
  readonly kmsKey: KmsKey;
  readonly alarmTopicArn: string;
  /** Oldest-message age that raises the alarm; default 15 minutes (consumers are stuck or too few). */
  readonly maxMessageAgeSeconds?: number;
}

export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage'] as const;
export const QUEUE_CONSUME_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/** How long SQS reuses a data key before asking KMS again (fewer KMS calls, same protection). */
const DATA_KEY_REUSE_SECONDS = 300;

/**
 * A queue and its dead-letter queue: SSE-KMS with the CMK, long polling and visibility from the
 * catalog, TLS-only queue policies, a DLQ that accepts redrives from this queue only, and alarms
 * on DLQ depth > 0 and on the main queue's oldest message age.
 */
export class Queue extends Construct {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly dlqName: string;
  private readonly kmsKey: KmsKey;

  constructor(scope: Construct, id: string, props: QueueProps) {
    super(scope, id);
    const { spec, kmsKey } = props;
    if (spec.retentionSeconds > spec.dlqRetentionSeconds) {
      // SQS keeps a message's original enqueue time on redrive: a shorter DLQ retention drops it early.
      throw new Error(`queue ${spec.name}: dlqRetentionSeconds must be >= retentionSeconds`);
    }
    this.kmsKey = kmsKey;
    this.name = props.physicalName;
    this.dlqName = `${props.physicalName}-dlq`;
    const encryption = { kmsMasterKeyId: kmsKey.arn, kmsDataKeyReusePeriodSeconds: DATA_KEY_REUSE_SECONDS };

    const dlq = new SqsQueue(this, 'dlq', {
      name: this.dlqName,
      messageRetentionSeconds: spec.dlqRetentionSeconds,
      receiveWaitTimeSeconds: spec.receiveWaitSeconds,
      ...encryption,
    });
    const queue = new SqsQueue(this, 'queue', {
      name: this.name,
      visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
      messageRetentionSeconds: spec.retentionSeconds,
      receiveWaitTimeSeconds: spec.receiveWaitSeconds,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: spec.maxReceiveCount }),
      ...encryption,
    });
    // A separate resource: the DLQ naming its source inline would make the two queues a cycle.
    new SqsQueueRedriveAllowPolicy(this, 'dlq-redrive-allow', {
      queueUrl: dlq.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }),
    });
    new SqsQueuePolicy(this, 'queue-policy', { queueUrl: queue.url, policy: denyInsecureTransport(queue.arn) });
    new SqsQueuePolicy(this, 'dlq-policy', { queueUrl: dlq.url, policy: denyInsecureTransport(dlq.arn) });

    this.url = queue.url;
    this.arn = queue.arn;
    this.dlqUrl = dlq.url;
    this.dlqArn = dlq.arn;

    metricAlarm(this, 'alarm-dlq-depth', {
      alarmName: `${this.dlqName}-not-empty`,
      description: `SQS ${this.dlqName}: messages failed ${spec.maxReceiveCount} times and were dead-lettered`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: this.dlqName },
      statistic: 'Maximum',
      threshold: 0,
      evaluationPeriods: 1,
      alarmTopicArn: props.alarmTopicArn,
    });
    metricAlarm(this, 'alarm-oldest-message', {
      alarmName: `${this.name}-oldest-message-age`,
      description: `SQS ${this.name}: a message has waited over ${props.maxMessageAgeSeconds ?? 900} s`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: this.name },
      statistic: 'Maximum',
      threshold: props.maxMessageAgeSeconds ?? 900,
      evaluationPeriods: 3,
      alarmTopicArn: props.alarmTopicArn,
    });
  }

  /** sqs:SendMessage on the main queue; SSE-KMS needs GenerateDataKey + Decrypt through SQS. */
  grantSend(grantee: IGrantable): void {
    grantee.addToPolicy({ actions: QUEUE_SEND_ACTIONS, resources: [this.arn] });
    this.kmsKey.grant(grantee, ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs');
  }

  /** Receive, delete, extend visibility and read attributes on the main queue; Decrypt through SQS. */
  grantConsume(grantee: IGrantable): void {
    grantee.addToPolicy({ actions: QUEUE_CONSUME_ACTIONS, resources: [this.arn] });
    this.kmsKey.grantDecrypt(grantee, 'sqs');
  }
}

function denyInsecureTransport(queueArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}
