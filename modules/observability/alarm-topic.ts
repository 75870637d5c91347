import { Construct } from 'constructs';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import type { IKey } from '../security/kms-key';

export interface AlarmTopicProps {
  readonly name: string;
  /** Its key policy must admit CloudWatch alarms (they encrypt what they publish). */
  readonly kmsKey: IKey;
  /** Alarms allowed to publish (`<prefix>-*`): the same pattern the key policy admits. */
  readonly alarmNamePattern: string;
}

/** The SNS topic every alarm notifies: KMS-encrypted, publishable by this account's CloudWatch alarms. */
export class AlarmTopic extends Construct {
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    props.kmsKey.requireServiceUse('cloudwatchAlarmNamePattern', `AlarmTopic ${props.name}`);
    const topic = new SnsTopic(this, 'topic', { name: props.name, kmsMasterKeyId: props.kmsKey.arn });
    this.arn = topic.arn;
    this.name = props.name;
    const accountId = props.kmsKey.accountId;
    new SnsTopicPolicy(this, 'policy', {
      arn: topic.arn,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic.arn,
            Condition: {
              StringEquals: { 'aws:SourceAccount': accountId },
              ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${props.kmsKey.region}:${accountId}:alarm:${props.alarmNamePattern}` },
            },
          },
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: topic.arn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
  }
}
