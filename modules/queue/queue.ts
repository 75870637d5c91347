import { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import type { QueueSpec } from '../../services/catalog';
import { Grant, type IGrantable } from '../security/grants';
import type { IKey } from '../security/kms-key';
import { metric, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';

export interface QueueProps {
  readonly spec: QueueSpec;
  /** `<prefix>-<spec.name>`; the DLQ is `<physicalName>-dlq`. */
  readonly physicalName: string;
  readonly kmsKey: IKey;
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

/** A queue (and its DLQ) as other constructs see it: created here, or imported from the platform stack. */
export interface IQueue {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
  readonly dlqUrl: string;
  readonly dlqName: string;
  /** sqs:SendMessage on the main queue; SSE-KMS needs GenerateDataKey + Decrypt through SQS. */
  grantSend(grantee: IGrantable): Grant;
  /** Receive, delete, extend visibility and read attributes on the main queue; Decrypt through SQS. */
  grantConsume(grantee: IGrantable): Grant;
  /** A metric of the main queue (`dlq: true`: of the dead-letter queue). */
  metric(metricName: string, statistic?: Metric['statistic'], dlq?: boolean): Metric;
}

export type QueueAttributes = Pick<IQueue, 'url' | 'arn' | 'name' | 'dlqUrl' | 'dlqName'>;

class QueueReference implements IQueue {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
  readonly dlqUrl: string;
  readonly dlqName: string;

  constructor(
    attrs: QueueAttributes,
    private readonly kmsKey: IKey,
  ) {
    this.url = attrs.url;
    this.arn = attrs.arn;
    this.name = attrs.name;
    this.dlqUrl = attrs.dlqUrl;
    this.dlqName = attrs.dlqName;
  }

  grantSend(grantee: IGrantable): Grant {
    return Grant.combine(
      Grant.add(grantee, { actions: QUEUE_SEND_ACTIONS, resources: [this.arn] }),
      this.kmsKey.grant(grantee, ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs'),
    );
  }

  grantConsume(grantee: IGrantable): Grant {
    return Grant.combine(
      Grant.add(grantee, { actions: QUEUE_CONSUME_ACTIONS, resources: [this.arn] }),
      this.kmsKey.grantDecrypt(grantee, 'sqs'),
    );
  }

  metric(metricName: string, statistic: Metric['statistic'] = 'Maximum', dlq = false): Metric {
    const name = dlq ? this.dlqName : this.name;
    return metric('AWS/SQS', metricName, { QueueName: name }, statistic, { label: name });
  }
}

/** How long SQS reuses a data key before asking KMS again (fewer KMS calls, same protection). */
const DATA_KEY_REUSE_SECONDS = 300;

/**
 * A queue and its dead-letter queue: SSE-KMS with the CMK, long polling and visibility from the
 * catalog, TLS-only queue policies, a DLQ that accepts redrives from this queue only, and alarms
 * on DLQ depth > 0 and on the main queue's oldest message age.
 */
export class Queue extends Construct implements IQueue {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly dlqName: string;
  private readonly ref: QueueReference;

  static fromAttributes(attrs: QueueAttributes, kmsKey: IKey): IQueue {
    return new QueueReference(attrs, kmsKey);
  }

  constructor(scope: Construct, id: string, props: QueueProps) {
    super(scope, id);
    const { spec, kmsKey } = props;
    if (spec.retentionSeconds > spec.dlqRetentionSeconds) {
      // SQS keeps a message's original enqueue time on redrive: a shorter DLQ retention drops it early.
      throw new Error(`queue ${spec.name}: dlqRetentionSeconds must be >= retentionSeconds`);
    }
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
    this.ref = new QueueReference(this, kmsKey);

    metricAlarm(this, 'alarm-dlq-depth', {
      alarmName: `${this.dlqName}-not-empty`,
      description: `SQS ${this.dlqName}: messages failed ${spec.maxReceiveCount} times and were dead-lettered`,
      metric: this.metric('ApproximateNumberOfMessagesVisible', 'Maximum', true),
      threshold: 0,
      evaluationPeriods: 1,
      alarmTopicArn: props.alarmTopicArn,
    });
    metricAlarm(this, 'alarm-oldest-message', {
      alarmName: `${this.name}-oldest-message-age`,
      description: `SQS ${this.name}: a message has waited over ${props.maxMessageAgeSeconds ?? 900} s`,
      metric: this.metric('ApproximateAgeOfOldestMessage'),
      threshold: props.maxMessageAgeSeconds ?? 900,
      evaluationPeriods: 3,
      alarmTopicArn: props.alarmTopicArn,
    });
  }

  grantSend(grantee: IGrantable): Grant {
    return this.ref.grantSend(grantee);
  }

  grantConsume(grantee: IGrantable): Grant {
    return this.ref.grantConsume(grantee);
  }

  metric(metricName: string, statistic?: Metric['statistic'], dlq?: boolean): Metric {
    return this.ref.metric(metricName, statistic, dlq);
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
