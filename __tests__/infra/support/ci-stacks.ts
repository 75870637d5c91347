/**
 * Synthesizes the delivery stack and the bootstrap stacks (as main.ts builds them) and offers
 * lookups over their Terraform JSON: resources, IAM roles with their trust, inline grants,
 * guardrails and managed policies.
 */
import { Testing, type TerraformStack } from 'cdktf';
import { loadEnvironments } from '../../../envs';
import { loadDelivery } from '../../../envs/delivery';
import { BootstrapStack } from '../../../modules/bootstrap/bootstrap-stack';
import { DeliveryStack } from '../../../modules/delivery/delivery-stack';
import { bootstrapStackName, DELIVERY_STACK_NAME } from '../../../modules/stacks/naming';
import { catalog as realCatalog, ENVIRONMENT_NAMES, type Catalog, type EnvironmentName } from '../../../services/catalog';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface SynthesizedRole {
  readonly name: string;
  readonly trust: Statement[];
  /** The `least-privilege` inline policy (empty when the role has none). */
  readonly grants: Statement[];
  readonly guardrails: Statement[];
  readonly managedPolicies: string[];
}

export interface SynthesizedCiStack {
  readonly parsed: Record<string, any>;
  resources(type: string): Record<string, any>[];
  only(type: string, match?: (r: Record<string, any>) => boolean): Record<string, any>;
  /** Terraform reference to an attribute of the one matching resource. */
  ref(type: string, match: (r: Record<string, any>) => boolean, attribute: string): string;
  role(name: string): SynthesizedRole;
  roleNames(): string[];
}

export const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function inspect(stack: TerraformStack): SynthesizedCiStack {
  const parsed = JSON.parse(Testing.synth(stack, true));
  const byType = (type: string): Record<string, Record<string, any>> => parsed.resource?.[type] ?? {};
  const resources = (type: string) => Object.values(byType(type));
  const ref = (type: string, match: (r: Record<string, any>) => boolean, attribute: string) => {
    const hits = Object.entries(byType(type)).filter(([, r]) => match(r));
    if (hits.length !== 1) throw new Error(`expected one matching ${type}, found ${hits.length}`);
    return `\${${type}.${hits[0]![0]}.${attribute}}`;
  };
  return {
    parsed,
    resources,
    only(type, match = () => true) {
      const hits = resources(type).filter(match);
      if (hits.length !== 1) throw new Error(`expected one ${type}, found ${hits.length}`);
      return hits[0]!;
    },
    ref,
    roleNames: () => resources('aws_iam_role').map((r) => r.name as string),
    role(name) {
      const role = resources('aws_iam_role').find((r) => r.name === name);
      if (!role) throw new Error(`no role ${name}`);
      const roleRef = ref('aws_iam_role', (r) => r.name === name, 'name');
      const inline = (policyName: string) => {
        const policy = resources('aws_iam_role_policy').find((p) => p.role === roleRef && p.name === policyName);
        return policy ? (JSON.parse(policy.policy).Statement as Statement[]) : [];
      };
      return {
        name,
        trust: JSON.parse(role.assume_role_policy).Statement,
        grants: inline('least-privilege'),
        guardrails: inline('guardrails'),
        managedPolicies: resources('aws_iam_role_policy_attachment')
          .filter((a) => a.role === roleRef)
          .map((a) => a.policy_arn),
      };
    },
  };
}

const environments = loadEnvironments();

export function synthDelivery(options: { catalog?: Catalog; validationMode?: boolean } = {}): SynthesizedCiStack {
  const catalog = options.catalog ?? realCatalog;
  const app = Testing.app();
  const stack = new DeliveryStack(app, DELIVERY_STACK_NAME, {
    delivery: loadDelivery(environments, catalog),
    environments: ENVIRONMENT_NAMES.map((name) => environments[name]),
    catalog,
    validationMode: options.validationMode ?? false,
  });
  return inspect(stack);
}

export function synthBootstrap(env: EnvironmentName, options: { catalog?: Catalog; validationMode?: boolean } = {}): SynthesizedCiStack {
  const catalog = options.catalog ?? realCatalog;
  const app = Testing.app();
  const stack = new BootstrapStack(app, bootstrapStackName(env), {
    environment: environments[env],
    delivery: loadDelivery(environments, catalog),
    catalog,
    validationMode: options.validationMode ?? false,
  });
  return inspect(stack);
}

/** The catalog plus one service (`ledger`), to prove that everything per service follows the catalog. */
export function catalogWithLedger(): Catalog {
  const template = realCatalog.services.find((s) => s.name === 'payment')!;
  return {
    ...realCatalog,
    services: [
      ...realCatalog.services,
      { ...template, name: 'ledger', containerPort: 3009, routes: [{ pathPatterns: ['/ledger', '/ledger/*'], priority: 900 }], needs: {} },
    ],
  };
}

export { environments };
