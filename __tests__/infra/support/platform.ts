/**
 * Synthesizes the full PlatformStack of one environment (as `npm run synth` would) and offers
 * lookups over the Terraform JSON, including each IAM role's rendered inline policy.
 */
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../../envs';
import { PlatformStack } from '../../../modules/platform-stack';
import { catalog, type EnvironmentName } from '../../../services/catalog';

export interface IamStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface SynthesizedPlatform {
  readonly json: string;
  readonly parsed: Record<string, any>;
  resources(type: string): Record<string, Record<string, any>>;
  /** Statements of the inline policy of the IAM role with this name. */
  roleStatements(roleName: string): IamStatement[];
  /** Terraform reference to a resource attribute, e.g. `${aws_lb.alb_alb_1234.arn}`. */
  ref(type: string, match: (r: Record<string, any>) => boolean, attribute: string): string;
}

const environments = loadEnvironments();

export function synthPlatform(env: EnvironmentName, validationMode = false): SynthesizedPlatform {
  const app = Testing.app();
  const stack = new PlatformStack(app, env, { config: environments[env], catalog, validationMode });
  const json = Testing.synth(stack, true);
  const parsed = JSON.parse(json);
  const resources = (type: string) => (parsed.resource?.[type] ?? {}) as Record<string, Record<string, any>>;
  const ref = (type: string, match: (r: Record<string, any>) => boolean, attribute: string) => {
    const hits = Object.entries(resources(type)).filter(([, r]) => match(r));
    if (hits.length !== 1) throw new Error(`expected one matching ${type}, found ${hits.length}`);
    return `\${${type}.${hits[0]![0]}.${attribute}}`;
  };
  return {
    json,
    parsed,
    resources,
    ref,
    roleStatements(roleName) {
      const role = ref('aws_iam_role', (r) => r.name === roleName, 'name');
      const policy = Object.values(resources('aws_iam_role_policy')).find((p) => p.role === role);
      if (!policy) throw new Error(`role ${roleName} has no inline policy`);
      return JSON.parse(policy.policy).Statement;
    },
  };
}
