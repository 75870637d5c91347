import type { Construct } from 'constructs';
import { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

export interface AnyAlarmProps {
  readonly alarmName: string;
  readonly description: string;
  /** Alarms created with `notifiedBy: 'composite'` (metric-alarm.ts): this one speaks for them. */
  readonly children: readonly CloudwatchMetricAlarm[];
  readonly alarmTopicArn: string;
}

/**
 * A composite alarm in ALARM while any of its children is: one notification (alarm and OK) per
 * incident instead of one per symptom. The rule names each child by a reference to its ARN, so
 * Terraform creates the children first and a renamed child cannot be left out.
 */
export function anyAlarm(scope: Construct, id: string, props: AnyAlarmProps): CloudwatchCompositeAlarm {
  if (props.children.length === 0) throw new Error(`composite alarm ${props.alarmName}: no children`);
  const alarmRule = props.children.map((child) => `ALARM("${child.arn}")`).join(' OR ');
  return new CloudwatchCompositeAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    alarmRule,
    alarmActions: [props.alarmTopicArn],
    okActions: [props.alarmTopicArn],
  });
}
