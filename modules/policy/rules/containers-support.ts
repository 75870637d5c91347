/** Container definitions of a task definition (a JSON string in synthesized Terraform). */
import type { SynthesizedResource } from '../stack-view';

export type ContainerDefinition = Record<string, unknown> & { readonly name?: unknown };

/** The parsed container definitions, or undefined when they are only known at apply time. */
export function containerDefinitions(task: SynthesizedResource): ContainerDefinition[] | undefined {
  const raw = task.attrs.container_definitions;
  if (Array.isArray(raw)) return raw as ContainerDefinition[];
  if (typeof raw !== 'string' || raw.trim().startsWith('${')) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as ContainerDefinition[]) : undefined;
  } catch {
    return undefined;
  }
}
