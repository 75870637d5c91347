/**
 * The synthesized stacks as one graph: resources by stack and type, and the references between
 * them, including those that cross stacks through `terraform_remote_state` (a service stack's
 * `data.terraform_remote_state.<name>.outputs.<output>` is followed to the output's value in the
 * stack whose backend key the remote state reads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Body = Record<string, Json>;

export interface TerraformJson {
  readonly terraform?: { readonly backend?: Record<string, { readonly key?: string }> };
  readonly resource?: Record<string, Record<string, Body>>;
  readonly data?: Record<string, Record<string, Body>>;
  readonly output?: Record<string, { readonly value: Json }>;
  readonly provider?: Record<string, readonly { readonly alias?: string; readonly region?: string }[]>;
}

export interface Resource {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly body: Body;
}

/** An input the diagram cannot be drawn from (missing stack, font, reference): one line, no stack trace. */
export class DiagramError extends Error {
  override readonly name = 'DiagramError';
}

/** Typed reads of JSON values (undefined when the value has another shape). */
export const str = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
export const num = (value: Json | undefined): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
export const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
export const obj = (value: Json | undefined): Body => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** `stack/type.name`: unique across the app. */
export const addressOf = (r: Pick<Resource, 'stack' | 'type' | 'name'>): string => `${r.stack}/${r.type}.${r.name}`;

const RESOURCE_REF = /\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+/g;
const REMOTE_OUTPUT_REF = /\bdata\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)/g;

function* stringsIn(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsIn(v);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (k !== '//') yield* stringsIn(v);
}

export class SynthesizedApp {
  /** Reads what `app.synth()` wrote: `<outdir>/manifest.json` and each stack's `cdk.tf.json`. */
  static fromOutdir(outdir: string): SynthesizedApp {
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
    return new SynthesizedApp(
      Object.fromEntries(
        Object.entries(manifest.stacks).map(([name, s]) => [name, JSON.parse(readFileSync(join(outdir, s.synthesizedStackPath), 'utf8')) as TerraformJson]),
      ),
    );
  }

  private readonly stacks: ReadonlyMap<string, TerraformJson>;

  constructor(stacks: Readonly<Record<string, TerraformJson>>) {
    this.stacks = new Map(Object.entries(stacks).sort(([a], [b]) => a.localeCompare(b)));
  }

  stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  has(stack: string): boolean {
    return this.stacks.has(stack);
  }

  private json(stack: string): TerraformJson {
    const json = this.stacks.get(stack);
    if (!json) throw new DiagramError(`diagram: no synthesized stack "${stack}" (stacks: ${this.stackNames().join(', ')})`);
    return json;
  }

  /** Every resource of `type` in `stack`, ordered by logical name. */
  resources(stack: string, type: string): Resource[] {
    return Object.entries(this.json(stack).resource?.[type] ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, body]) => ({ stack, type, name, body }));
  }

  /** The one resource of `type` in `stack`, or undefined when there is none; several is an error. */
  optional(stack: string, type: string): Resource | undefined {
    const all = this.resources(stack, type);
    if (all.length > 1) throw new DiagramError(`diagram: expected at most one ${type} in ${stack}, found ${all.length}`);
    return all[0];
  }

  only(stack: string, type: string): Resource {
    const found = this.optional(stack, type);
    if (!found) throw new DiagramError(`diagram: expected one ${type} in ${stack}, found none`);
    return found;
  }

  /** The region a resource is created in: its provider's (`aws` or an alias such as `aws.edge`). */
  region(resource: Resource): string | undefined {
    const [name, alias] = (typeof resource.body.provider === 'string' ? resource.body.provider : 'aws').split('.');
    return this.json(resource.stack).provider?.[name!]?.find((p) => p.alias === alias)?.region;
  }

  /** The S3 state key the stack's backend writes to. */
  stateKey(stack: string): string | undefined {
    return Object.values(this.json(stack).terraform?.backend ?? {})[0]?.key;
  }

  /** The stacks that read `stack`'s state through `terraform_remote_state`. */
  readersOf(stack: string): string[] {
    const key = this.stateKey(stack);
    if (key === undefined) return [];
    return this.stackNames().filter((name) =>
      Object.values(this.json(name).data?.terraform_remote_state ?? {}).some((d) => (d.config as { key?: string } | undefined)?.key === key),
    );
  }

  /** Resources referenced anywhere in `value` (read in `stack`), in order of appearance, once each. */
  refs(stack: string, value: unknown): Resource[] {
    const found = new Map<string, Resource>();
    for (const text of stringsIn(value)) {
      for (const [, type, name] of text.matchAll(RESOURCE_REF)) {
        const body = this.json(stack).resource?.[type!]?.[name!];
        if (body) found.set(addressOf({ stack, type: type!, name: name! }), { stack, type: type!, name: name!, body });
      }
      for (const [, remote, output] of text.matchAll(REMOTE_OUTPUT_REF)) {
        const source = this.remoteStack(stack, remote!);
        const value = this.json(source).output?.[output!];
        if (!value) throw new DiagramError(`diagram: ${stack} reads output "${output}" that ${source} does not publish`);
        for (const r of this.refs(source, value.value)) found.set(addressOf(r), r);
      }
    }
    return [...found.values()];
  }

  /** The resources of `type` referenced in `value`. */
  refsOfType(stack: string, value: unknown, type: string): Resource[] {
    return this.refs(stack, value).filter((r) => r.type === type);
  }

  /** The stack a `terraform_remote_state` data source of `stack` reads (matched by state key). */
  private remoteStack(stack: string, remote: string): string {
    const key = (this.json(stack).data?.terraform_remote_state?.[remote]?.config as { key?: string } | undefined)?.key;
    const source = this.stackNames().find((name) => key !== undefined && this.stateKey(name) === key);
    if (!source) throw new DiagramError(`diagram: ${stack}'s remote state "${remote}" (key ${key}) matches no synthesized stack`);
    return source;
  }
}
