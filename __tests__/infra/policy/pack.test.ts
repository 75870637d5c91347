/**
 * The pack as the platform uses it: an Aspect on real cdktf stacks, failing synthesis on errors,
 * seeing escape hatches and raw overrides, honouring dated suppressions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import {
  PolicyViolationError,
  SUPPRESSION_EXPIRED,
  SUPPRESSION_UNUSED,
  applyPolicyPack,
  evaluateStack,
  policyReport,
  suppress,
  synthesizeWithPolicy,
} from '../../../modules/policy';
import { Queue } from '../../../modules/queue/queue';
import { KmsKey } from '../../../modules/security/kms-key';
import { findQueue } from '../../../services/catalog';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const NOW = new Date('2026-03-01T12:00:00Z');

const newApp = () => new App({ outdir: mkdtempSync(join(tmpdir(), 'policy-')) });

function stackIn(app: App, id: string, environment = 'prod'): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: REGION, defaultTags: [{ tags: { Environment: environment } }] });
  return stack;
}

/** A deliberately insecure stack: one mistake per line, each of which a rule must catch. */
function insecureResources(stack: Construct): void {
  new SecurityGroup(stack, 'ssh', {
    name: 'ssh',
    ingress: [{ cidrBlocks: ['0.0.0.0/0'], protocol: 'tcp', fromPort: 22, toPort: 22, description: 'ssh' }],
  });
  new SqsQueue(stack, 'queue', { name: 'orders' });
  new S3Bucket(stack, 'bucket', { bucket: 'acme-orders' });
  const role = new IamRole(stack, 'role', {
    name: 'app',
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  new IamRolePolicy(stack, 'admin', {
    role: role.name,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  });
  new EcsTaskDefinition(stack, 'task', {
    family: 'app',
    networkMode: 'awsvpc',
    taskRoleArn: role.arn,
    executionRoleArn: role.arn,
    containerDefinitions: JSON.stringify([
      { name: 'app', image: 'app:1', environment: [{ name: 'DATABASE_PASSWORD', value: 'hunter2' }] },
    ]),
  });
  new DynamodbTable(stack, 'table', { name: 'orders', hashKey: 'id', attribute: [{ name: 'id', type: 'S' }], billingMode: 'PAY_PER_REQUEST' });
}

const EXPECTED_INSECURE = ['NET-01', 'ENC-02', 'TLS-01', 'SQS-01', 'S3-01', 'ENC-11', 'TLS-03', 'IAM-01', 'IAM-09', 'ECS-01', 'ECS-02', 'ECS-04', 'ECS-06', 'BAK-01', 'ENC-04'];

/** A stack built only from the platform's own constructs: the pack must find nothing wrong with the queue. */
function platformQueueStack(app: App, id = 'platform'): { stack: TerraformStack; queue: Queue } {
  const stack = stackIn(app, id);
  const kmsKey = new KmsKey(stack, 'kms', {
    name: 'test',
    description: 'test key',
    accountId: ACCOUNT,
    region: REGION,
    serviceUse: { logs: true },
  });
  const queue = new Queue(stack, 'events', {
    spec: findQueue('events'),
    physicalName: 'prod-events',
    kmsKey,
    alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`,
  });
  return { stack, queue };
}

const ruleIds = (stack: TerraformStack, now = NOW) => evaluateStack(stack, { now }).findings.filter((f) => !f.suppressed).map((f) => f.ruleId);

describe('policy pack on cdktf stacks', () => {
  it('an insecure stack fails synthesis, naming stack, construct path, resource, rule and fix', () => {
    const app = newApp();
    const stack = stackIn(app, 'insecure');
    insecureResources(stack);
    applyPolicyPack(stack, { now: NOW });

    expect(ruleIds(stack)).toEqual(expect.arrayContaining(EXPECTED_INSECURE));
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('ERROR NET-01 [insecure] insecure/ssh (aws_security_group.ssh): ingress from 0.0.0.0/0 on port 22');
    expect(message).toContain('fix: Remove the rule; reach hosts through SSM Session Manager');
    for (const id of EXPECTED_INSECURE) expect(message).toContain(` ${id} `);
  });

  it('the platform Queue construct passes its rules', () => {
    const { stack } = platformQueueStack(newApp());
    const queueRules = ['ENC-02', 'TLS-01', 'SQS-01', 'SQS-02', 'MON-04', 'IAM-10'];
    expect(ruleIds(stack).filter((id) => queueRules.includes(id))).toEqual([]);
  });

  it('an insecure change through an escape hatch (addOverride) fails synth with the rule id and the fix', () => {
    const app = newApp();
    const { stack, queue } = platformQueueStack(app);
    (queue.node.findChild('queue') as SqsQueue).addOverride('kms_master_key_id', 'alias/aws/sqs');
    applyPolicyPack(stack, { now: NOW });

    expect(() => app.synth()).toThrow(
      /ERROR ENC-02 \[platform\] platform\/events\/queue \(aws_sqs_queue\.events_queue_[0-9A-F]+\): queue uses an AWS managed key \(alias\/aws\/sqs\)\n\s+fix: Set `kms_master_key_id` to the platform CMK/,
    );
  });

  it('a resource added by a raw stack override is checked and attributed to the stack', () => {
    const app = newApp();
    const { stack } = platformQueueStack(app);
    stack.addOverride('resource.aws_vpc_security_group_ingress_rule.backdoor', {
      security_group_id: 'sg-123',
      cidr_ipv4: '0.0.0.0/0',
      ip_protocol: 'tcp',
      from_port: 3389,
      to_port: 3389,
      description: 'temporary',
    });
    const finding = evaluateStack(stack, { now: NOW }).findings.find((f) => f.ruleId === 'NET-01');
    expect(finding).toMatchObject({ constructPath: 'platform', resource: 'aws_vpc_security_group_ingress_rule.backdoor', severity: 'error' });
  });

  it('Testing.synth runs the pack through the Aspect (validations on)', () => {
    const app = Testing.app();
    const stack = stackIn(app, 'insecure');
    insecureResources(stack);
    applyPolicyPack(stack, { now: NOW });
    expect(() => Testing.synth(stack, true)).toThrow(/ERROR IAM-01 \[insecure\] insecure\/admin/);
  });
});

describe('suppressions', () => {
  function suppressedQueueStack(expires: string) {
    const app = newApp();
    const stack = stackIn(app, 'app');
    const queue = new SqsQueue(stack, 'queue', { name: 'legacy', sqsManagedSseEnabled: true });
    suppress(queue, 'ENC-02', { reason: 'legacy consumer cannot use KMS until it moves to SDK v3', expires });
    return { app, stack };
  }

  it('a suppression with a reason hides the finding until it expires; the report keeps it, marked', () => {
    const { stack } = suppressedQueueStack('2026-03-01');
    const finding = evaluateStack(stack, { now: NOW }).findings.find((f) => f.ruleId === 'ENC-02');
    expect(finding?.suppressed).toEqual({ reason: 'legacy consumer cannot use KMS until it moves to SDK v3', expires: '2026-03-01' });
    expect(ruleIds(stack)).not.toContain('ENC-02');
    expect(ruleIds(stack)).not.toContain(SUPPRESSION_EXPIRED);
  });

  it('an expired suppression hides nothing and is itself an error that fails synth', () => {
    const { app, stack } = suppressedQueueStack('2026-02-28');
    expect(ruleIds(stack)).toEqual(expect.arrayContaining(['ENC-02', SUPPRESSION_EXPIRED]));
    applyPolicyPack(stack, { now: NOW });
    expect(() => app.synth()).toThrow(/ERROR SUPPRESSION-EXPIRED \[app\] app\/queue \(-\): suppression of ENC-02 .* expired on 2026-02-28/);
  });

  it('a suppression that matches nothing is reported as a warning', () => {
    const app = newApp();
    const stack = stackIn(app, 'app');
    const table = new DynamodbTable(stack, 'table', {
      name: 't',
      hashKey: 'id',
      attribute: [{ name: 'id', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
    });
    suppress(table, 'BAK-01', { reason: 'copied from another table by mistake', expires: '2027-06-30' });
    const unused = evaluateStack(stack, { now: NOW }).findings.find((f) => f.ruleId === SUPPRESSION_UNUSED);
    expect(unused).toMatchObject({ severity: 'warning', constructPath: 'app/table' });
  });

  it('covers the construct and everything below it, in its own stack only', () => {
    const app = newApp();
    const { stack, queue } = platformQueueStack(app, 'one');
    (queue.node.findChild('dlq') as SqsQueue).addOverride('sqs_managed_sse_enabled', true);
    suppress(queue, 'ENC-02', { reason: 'test: the whole Queue construct is accepted', expires: '2027-06-30' });
    const other = stackIn(app, 'two');
    new SqsQueue(other, 'queue', { name: 'plain' });
    expect(ruleIds(stack)).not.toContain('ENC-02');
    expect(ruleIds(other)).toContain('ENC-02');
  });

  it('rejects a suppression without a reason, with a bad date or for an unknown rule', () => {
    const stack = stackIn(newApp(), 'app');
    expect(() => suppress(stack, 'ENC-02', { reason: 'n/a', expires: '2027-06-30' })).toThrow(/reason of at least 10 characters/);
    expect(() => suppress(stack, 'ENC-02', { reason: 'a real reason here', expires: '2027-02-30' })).toThrow(/must be a date YYYY-MM-DD/);
    expect(() => suppress(stack, 'NOPE-1', { reason: 'a real reason here', expires: '2027-06-30' })).toThrow(/unknown rule id "NOPE-1"/);
  });
});

describe('applyPolicyPack(app) and synthesizeWithPolicy', () => {
  it('lists the errors of every stack at once and throws PolicyViolationError', () => {
    const app = newApp();
    insecureResources(stackIn(app, 'first'));
    insecureResources(stackIn(app, 'second'));
    applyPolicyPack(app, { now: NOW });
    let error: unknown;
    try {
      synthesizeWithPolicy(app, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyViolationError);
    const message = (error as Error).message;
    expect(message).toContain('ERROR IAM-01 [first]');
    expect(message).toContain('ERROR IAM-01 [second]');
    expect(policyReport(app).stacks.map((s) => s.stack)).toEqual(['first', 'second']);
  });

  it('severity follows the environment: deletion protection is an error in prod, a warning in dev', () => {
    const app = newApp();
    for (const env of ['prod', 'dev']) {
      const stack = stackIn(app, env, env);
      new DynamodbTable(stack, 'table', { name: `${env}-t`, hashKey: 'id', attribute: [{ name: 'id', type: 'S' }] });
    }
    const severity = (id: string) =>
      evaluateStack(app.node.findChild(id) as TerraformStack, { now: NOW }).findings.find((f) => f.ruleId === 'BAK-02')?.severity;
    expect(severity('prod')).toBe('error');
    expect(severity('dev')).toBe('warning');
  });

  it('prints warnings and succeeds when nothing blocks', () => {
    const app = newApp();
    const stack = stackIn(app, 'dev', 'dev');
    new DynamodbTable(stack, 'table', {
      name: 'dev-t',
      hashKey: 'id',
      attribute: [{ name: 'id', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1` },
    });
    new CloudwatchMetricAlarm(stack, 'throttles', {
      alarmName: 'dev-t-throttles',
      namespace: 'AWS/DynamoDB',
      metricName: 'WriteThrottleEvents',
      dimensions: { TableName: 'dev-t' },
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      evaluationPeriods: 1,
      period: 60,
      statistic: 'Sum',
      alarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:alarms`],
    });
    applyPolicyPack(app, { now: NOW });
    const lines: string[] = [];
    const report = synthesizeWithPolicy(app, (text) => lines.push(text));
    expect(lines.join('\n')).toContain('WARNING BAK-02 [dev] dev/table');
    expect(report.stacks[0]!.findings.every((f) => f.severity === 'warning')).toBe(true);
  });

  it('a stack created after applyPolicyPack(app) fails synthesis instead of escaping the pack', () => {
    const app = newApp();
    stackIn(app, 'early');
    applyPolicyPack(app, { now: NOW });
    stackIn(app, 'late');
    expect(() => app.synth()).toThrow(/stack late was created after applyPolicyPack\(app\)/);
  });

  it('refuses an app without stacks (the pack would cover nothing)', () => {
    expect(() => applyPolicyPack(newApp())).toThrow(/has no stacks yet/);
  });
});
