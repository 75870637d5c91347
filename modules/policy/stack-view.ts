/**
 * A read-only view of one stack's synthesized Terraform JSON (what `TerraformStack.toTerraform()`
 * returns: resource attributes after escape hatches and raw overrides). Rules see the whole stack,
 * so they can relate resources (a queue and its policy, a VPC and its flow log) and follow
 * Terraform references (`${aws_kms_key.k.arn}`) to other resources of the same stack.
 */

export interface SynthesizedResource {
  readonly type: string;
  readonly name: string;
  /** Terraform address, `<type>.<name>`. */
  readonly address: string;
  /** Construct path from cdktf's metadata; undefined for blocks added by a raw stack override. */
  readonly path: string | undefined;
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** The parts of a synthesized stack the rules read. */
export interface TerraformJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly provider?: Readonly<Record<string, unknown>>;
}

export interface StackViewOptions {
  /** Environment name; default: the `Environment` tag of the AWS provider's `default_tags`. */
  readonly environment?: string;
  /** Environments whose environment-dependent rules use the prod severity; default `['prod']`. */
  readonly productionEnvironments?: readonly string[];
}

const REFERENCE = /\$\{/;

function collect(blocks: TerraformJson['resource'], kind: 'resource' | 'data'): SynthesizedResource[] {
  const out: SynthesizedResource[] = [];
  for (const [type, byName] of Object.entries(blocks ?? {})) {
    for (const [name, raw] of Object.entries(byName ?? {})) {
      const { ['//']: meta, ...attrs } = raw ?? {};
      const path = (meta as { metadata?: { path?: string } } | undefined)?.metadata?.path;
      const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
      out.push({ type, name, address, path, attrs });
    }
  }
  return out;
}

function providerEnvironment(provider: TerraformJson['provider']): string | undefined {
  const aws = provider?.aws;
  for (const config of Array.isArray(aws) ? aws : aws ? [aws] : []) {
    for (const block of list((config as Record<string, unknown>).default_tags)) {
      const tags = (block as { tags?: Record<string, unknown> }).tags;
      if (typeof tags?.Environment === 'string' && !isReference(tags.Environment)) return tags.Environment;
    }
  }
  return undefined;
}

export class StackView {
  readonly resources: readonly SynthesizedResource[];
  readonly dataSources: readonly SynthesizedResource[];
  /** The stack's environment, or undefined when neither an option nor a provider tag names it. */
  readonly environment: string | undefined;
  /** True for production environments and for stacks whose environment is unknown (strict by default). */
  readonly isProduction: boolean;
  private readonly byType = new Map<string, SynthesizedResource[]>();
  private readonly byAddress = new Map<string, SynthesizedResource>();

  constructor(
    readonly stackName: string,
    json: TerraformJson,
    options: StackViewOptions = {},
  ) {
    this.resources = collect(json.resource, 'resource');
    this.dataSources = collect(json.data, 'data');
    for (const r of [...this.resources, ...this.dataSources]) {
      const key = r.address.startsWith('data.') ? `data.${r.type}` : r.type;
      this.byType.set(key, [...(this.byType.get(key) ?? []), r]);
      this.byAddress.set(r.address, r);
    }
    this.environment = options.environment ?? providerEnvironment(json.provider);
    const production = options.productionEnvironments ?? ['prod'];
    this.isProduction = this.environment === undefined || production.includes(this.environment);
  }

  /** Resources of one type (`data.<type>` for data sources). */
  ofType(type: string): readonly SynthesizedResource[] {
    return this.byType.get(type) ?? [];
  }

  /** Resources of several types, in order. */
  ofTypes(types: readonly string[]): SynthesizedResource[] {
    return types.flatMap((t) => this.ofType(t));
  }

  /** The resource (or data source) a value like `${aws_kms_key.k.arn}` points at, when it is in this stack. */
  target(value: unknown): SynthesizedResource | undefined {
    if (typeof value !== 'string') return undefined;
    const match = /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?:\.[^}]*)?\}$/.exec(value.trim());
    return match ? this.byAddress.get(match[1]!) : undefined;
  }

  /** Resources of `type` that reference `target` in any attribute (`attribute` narrows the search). */
  referencing(type: string, target: SynthesizedResource, attribute?: string): SynthesizedResource[] {
    return this.ofType(type).filter((r) => refersTo(attribute ? r.attrs[attribute] : r.attrs, target));
  }
}

/** A Terraform expression (unknown at synth): treated as "set" by rules unless they resolve it. */
export function isReference(value: unknown): boolean {
  return typeof value === 'string' && REFERENCE.test(value);
}

/** Does any string inside `value` reference `target` (`${aws_vpc.main.id}`, `${... aws_vpc.main.arn ...}`)? */
export function refersTo(value: unknown, target: SynthesizedResource): boolean {
  const needle = `${target.address}.`;
  const needleEnd = `${target.address}}`;
  const visit = (v: unknown): boolean => {
    if (typeof v === 'string') return v.includes(needle) || v.includes(needleEnd);
    if (Array.isArray(v)) return v.some(visit);
    if (v && typeof v === 'object') return Object.values(v).some(visit);
    return false;
  };
  return visit(value);
}

/** A nested block that cdktf writes as an object or a one-element list. */
export function one(value: unknown): Record<string, unknown> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

/** A list attribute or repeated block (a single object counts as one). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** true/false for literal booleans (also "true"/"false" strings), 'unknown' for references. */
export function flag(value: unknown): boolean | 'unknown' | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  if (isReference(value)) return 'unknown';
  return undefined;
}

/** On, or a reference (set at apply time). */
export const isOn = (value: unknown): boolean => {
  const f = flag(value);
  return f === true || f === 'unknown';
};

/** A literal number (or numeric string); undefined when absent or a reference. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !isReference(value) && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** A literal string; undefined when absent or a reference. */
export function literal(value: unknown): string | undefined {
  return typeof value === 'string' && !isReference(value) ? value : undefined;
}

export type KeyKind = 'cmk' | 'aws-managed' | 'none' | 'unknown';

const awsManagedAlias = (name: unknown): boolean => typeof name === 'string' && /^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(name);

/**
 * What a KMS key argument names: a customer managed key of this stack (or a literal key ARN), an
 * AWS managed key (`alias/aws/...`), nothing, or something only known at apply time.
 */
export function keyKind(view: StackView, value: unknown): KeyKind {
  if (value === undefined || value === null || value === '') return 'none';
  if (awsManagedAlias(value)) return 'aws-managed';
  const target = view.target(value);
  if (target) {
    if (target.type === 'aws_kms_alias') return awsManagedAlias(target.attrs.name) ? 'aws-managed' : 'cmk';
    if (target.type === 'aws_kms_key') return awsManagedAlias(target.attrs.key_id) ? 'aws-managed' : 'cmk';
    if (target.type === 'aws_kms_replica_key') return 'cmk';
    return 'unknown';
  }
  return isReference(value) ? 'unknown' : 'cmk';
}

/** Literally on: for settings that weaken security, an apply-time value is not assumed to be on. */
export const isTrue = (value: unknown): boolean => flag(value) === true;
