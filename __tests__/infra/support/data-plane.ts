/**
 * Test harness for the data-plane modules: synthesizes a scope (via `Testing.synthScope`) that has
 * the AWS provider and a CMK, and renders every grant into an `aws_iam_policy` so assertions see
 * resolved ARNs, exactly as a role policy would.
 */
import { Lazy, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { PolicyCollector, type IGrantable } from '../../../modules/security/grants';
import { KmsKey } from '../../../modules/security/kms-key';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';
export const ALARM_TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:alarms`;

export interface DataPlaneScope {
  readonly scope: Construct;
  readonly kmsKey: KmsKey;
  /** A grantee whose statements synthesize as `aws_iam_policy.<name>`. */
  grantee(name: string): IGrantable;
}

export interface IamStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Synthesized {
  /** The raw JSON for `Testing.toHaveResourceWithProperties` (snake_case properties). */
  readonly json: string;
  readonly parsed: { resource: Record<string, Record<string, Record<string, unknown>>>; [k: string]: unknown };
  /** Every resource of one Terraform type, by logical id. */
  resources(type: string): Record<string, Record<string, any>>;
  /** The one resource of a type; fails when there are zero or several. */
  only(type: string): Record<string, any>;
  /** Statements granted to `grantee(name)`. */
  statements(grantee: string): IamStatement[];
}

export function synthDataPlane(build: (ctx: DataPlaneScope) => void): Synthesized {
  const json = Testing.synthScope((scope) => {
    new AwsProvider(scope, 'aws', { region: REGION });
    const kmsKey = new KmsKey(scope, 'cmk', {
      name: 'test-data',
      description: 'test key',
      accountId: ACCOUNT_ID,
      region: REGION,
      serviceUse: { logs: true, cloudwatchAlarmNamePattern: 'test-*' },
    });
    build({
      scope,
      kmsKey,
      grantee: (name) => {
        const collector = new PolicyCollector(name);
        new IamPolicy(scope, `grant-${name}`, {
          name,
          policy: Lazy.stringValue({ produce: () => collector.toPolicyJson() }),
        });
        return collector;
      },
    });
  });
  const parsed = JSON.parse(json);
  const resources = (type: string) => (parsed.resource?.[type] ?? {}) as Record<string, Record<string, any>>;
  return {
    json,
    parsed,
    resources,
    only(type) {
      const all = Object.values(resources(type));
      if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
      return all[0];
    },
    statements(grantee) {
      const policy = Object.values(resources('aws_iam_policy')).find((p) => p.name === grantee);
      if (!policy) throw new Error(`no grants rendered for ${grantee}`);
      return JSON.parse(policy.policy).Statement;
    },
  };
}

/** Terraform reference of a resource attribute, as it appears in synthesized JSON. */
export const ref = (type: string, resource: Record<string, any>, synth: Synthesized, attribute: string): string => {
  const entry = Object.entries(synth.resources(type)).find(([, r]) => r === resource);
  if (!entry) throw new Error(`resource not found among ${type}`);
  return `\${${type}.${entry[0]}.${attribute}}`;
};

/** Every action of a grantee's statements, to assert exact sets and the absence of wildcards. */
export const actionsOf = (statements: IamStatement[]): string[] => statements.flatMap((s) => s.Action).sort();
