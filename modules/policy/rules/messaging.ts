import { policiesOf } from '../policy-document';
import { type StackView, type SynthesizedResource, refersTo } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

/** Redrive policies in the stack: inline on queues and the separate redrive-policy resource. */
function redrivePolicies(view: StackView): { source: SynthesizedResource; policy: unknown }[] {
  return [
    ...view.ofType('aws_sqs_queue').map((source) => ({ source, policy: source.attrs.redrive_policy })),
    ...view.ofType('aws_sqs_queue_redrive_policy').map((source) => ({ source, policy: source.attrs.redrive_policy })),
  ].filter((p) => p.policy !== undefined && p.policy !== '');
}

export const messagingRules: readonly Rule[] = [
  {
    id: 'SQS-01',
    area: 'messaging',
    title: 'Every SQS queue has a dead-letter queue or is one',
    fix: 'Set `redrive_policy` with deadLetterTargetArn and maxReceiveCount (the Queue construct does this)',
    severity: 'error',
    controls: controls('AwsSolutions-SQS3'),
    resourceTypes: ['aws_sqs_queue', 'aws_sqs_queue_redrive_policy', 'aws_sqs_queue_redrive_allow_policy'],
    check: eachResource(['aws_sqs_queue'], (queue, view) => {
      const policies = redrivePolicies(view);
      const hasDlq =
        policies.some((p) => p.source === queue) ||
        view.referencing('aws_sqs_queue_redrive_policy', queue, 'queue_url').length > 0;
      const isDlq =
        policies.some((p) => p.source !== queue && refersTo(p.policy, queue)) ||
        view.referencing('aws_sqs_queue_redrive_allow_policy', queue, 'queue_url').length > 0;
      return !hasDlq && !isDlq && 'no redrive policy and no queue uses it as a dead-letter queue';
    }),
  },
  {
    id: 'SQS-02',
    area: 'messaging',
    title: 'SQS queue policies do not allow all actions',
    fix: 'Allow the exact sqs: actions (SendMessage, ReceiveMessage, ...) to named principals',
    severity: 'error',
    controls: controls('CKV_AWS_72'),
    resourceTypes: ['aws_sqs_queue', 'aws_sqs_queue_policy'],
    check: eachResource(['aws_sqs_queue'], (queue, view) =>
      policiesOf(view, queue, 'aws_sqs_queue_policy', 'queue_url').some(
        (s) => s.effect === 'Allow' && s.actions.some((a) => a === '*' || a.toLowerCase() === 'sqs:*'),
      ) && 'a queue policy allows sqs:* or *',
    ),
  },
];
