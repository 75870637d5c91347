import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { IKey } from '../security/kms-key';
import { LOG_RETENTION_DAYS } from './log-retention';


export interface LogGroupProps {
  readonly name: string;
  readonly retentionDays: number;
  readonly kmsKey: IKey;
}

/**
 * A log group that always has a retention period and is encrypted with the CMK. Usable in
 * `dependsOn` for services that write to it by name (RDS exports, ElastiCache log delivery).
 */
export class LogGroup extends Construct implements ITerraformDependable {
  /** A reference to the created group, so users of the name depend on it. */
  readonly name: string;
  readonly arn: string;
  readonly fqn: string;

  constructor(scope: Construct, id: string, props: LogGroupProps) {
    super(scope, id);
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(props.retentionDays)) {
      throw new Error(
        `LogGroup ${props.name}: retentionDays ${props.retentionDays} is not one CloudWatch Logs accepts ` +
          `(${LOG_RETENTION_DAYS.join(', ')})`,
      );
    }
    props.kmsKey.requireServiceUse('logs', `LogGroup ${props.name}`);
    const group = new CloudwatchLogGroup(this, 'group', {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKey.arn,
    });
    this.name = group.name;
    this.arn = group.arn;
    this.fqn = group.fqn;
  }
}
