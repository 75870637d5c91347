/**
 * Synthesizes every stack of one environment (the platform stack and one stack per catalog
 * service, as `npm run synth` does) and offers lookups over each stack's Terraform JSON, including
 * each IAM role's rendered inline policy.
 */
import { Testing, type TerraformStack } from 'cdktf';
import { loadEnvironments } from '../../../envs';
import { platformStackName, serviceStackName } from '../../../modules/stacks/naming';
import { PlatformStack } from '../../../modules/stacks/platform-stack';
import { ServiceStack } from '../../../modules/stacks/service-stack';
import { catalog as defaultCatalog, type Catalog, type EnvironmentName } from '../../../services/catalog';

export interface IamStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface SynthesizedStack {
  readonly name: string;
  readonly json: string;
  readonly parsed: Record<string, any>;
  /** Every resource of one Terraform type, by logical id. */
  resources(type: string): Record<string, Record<string, any>>;
  /** The one resource of a type; fails when there are zero or several. */
  only(type: string): Record<string, any>;
  /** Terraform reference to a resource attribute, e.g. `${aws_lb.alb_alb_1234.arn}`. */
  ref(type: string, match: (r: Record<string, any>) => boolean, attribute: string): string;
  /** Statements of the inline policy of the IAM role with this name ([] when it has none). */
  roleStatements(roleName: string): IamStatement[];
  /** Every `type.id` address in the stack. */
  addresses(): string[];
}

export interface SynthesizedEnvironment {
  readonly platform: SynthesizedStack;
  readonly services: Readonly<Record<string, SynthesizedStack>>;
  readonly all: readonly SynthesizedStack[];
}

const environments = loadEnvironments();

export function wrap(stack: TerraformStack): SynthesizedStack {
  const json = Testing.synth(stack, true);
  const parsed = JSON.parse(json);
  const resources = (type: string) => (parsed.resource?.[type] ?? {}) as Record<string, Record<string, any>>;
  const ref = (type: string, match: (r: Record<string, any>) => boolean, attribute: string) => {
    const hits = Object.entries(resources(type)).filter(([, r]) => match(r));
    if (hits.length !== 1) throw new Error(`expected one matching ${type}, found ${hits.length}`);
    return `\${${type}.${hits[0]![0]}.${attribute}}`;
  };
  return {
    name: stack.node.id,
    json,
    parsed,
    resources,
    ref,
    only(type) {
      const all = Object.values(resources(type));
      if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
      return all[0]!;
    },
    roleStatements(roleName) {
      const role = ref('aws_iam_role', (r) => r.name === roleName, 'name');
      const policy = Object.values(resources('aws_iam_role_policy')).find((p) => p.role === role);
      return policy ? JSON.parse(policy.policy).Statement : [];
    },
    addresses: () => Object.entries(parsed.resource ?? {}).flatMap(([type, byId]) => Object.keys(byId as object).map((id) => `${type}.${id}`)),
  };
}

const memo = new Map<string, SynthesizedEnvironment>();

/** All stacks of `env` (memoised per environment, mode and catalog object). */
export function synthEnvironment(env: EnvironmentName, options: { validationMode?: boolean; catalog?: Catalog } = {}): SynthesizedEnvironment {
  const catalog = options.catalog ?? defaultCatalog;
  const validationMode = options.validationMode ?? false;
  const key = `${env}:${validationMode}:${catalog === defaultCatalog ? 'default' : Math.random()}`;
  const cached = memo.get(key);
  if (cached) return cached;
  const app = Testing.app();
  const config = environments[env];
  const platform = wrap(new PlatformStack(app, platformStackName(env), { config, catalog, validationMode }));
  const services = Object.fromEntries(
    catalog.services.map((spec) => [spec.name, wrap(new ServiceStack(app, serviceStackName(env, spec.name), { config, catalog, spec, validationMode }))]),
  );
  const result = { platform, services, all: [platform, ...Object.values(services)] };
  memo.set(key, result);
  return result;
}

/** The container definitions of a stack's task definitions, by family. */
export const containers = (stack: SynthesizedStack): Record<string, Record<string, any>> =>
  Object.fromEntries(
    Object.values(stack.resources('aws_ecs_task_definition')).map((t) => [t.family, JSON.parse(t.container_definitions)[0]]),
  );

/** A container's plain environment as an object. */
export const plainEnvironment = (container: Record<string, any>): Record<string, string> =>
  Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
