/** Small helpers to declare rules: control mappings and per-resource checks. */
import type { StackView, SynthesizedResource } from '../stack-view';
import type { Control, ControlSource, EnvironmentSeverity, Violation } from '../types';

function sourceOf(id: string): ControlSource {
  if (id.startsWith('CKV')) return 'checkov';
  if (id.startsWith('AwsSolutions-') || id.startsWith('NIST.800.53.R5-')) return 'cdk-nag';
  if (id.startsWith('CT.')) return 'control-tower';
  if (/^[a-z0-9-]+$/.test(id)) return 'aws-config';
  return 'fsbp';
}

/**
 * Control mappings from their public ids: `CKV_AWS_*`/`CKV2_AWS_*` (checkov), `AwsSolutions-*` and
 * `NIST.800.53.R5-*` (cdk-nag), `CT.*` (AWS Control Tower), lower-case (AWS Config managed rule),
 * otherwise an FSBP control (`EC2.6`). A trailing `~` marks a related, not identical, control.
 */
export function controls(...ids: string[]): Control[] {
  return ids.map((raw) => {
    const related = raw.endsWith('~');
    const id = related ? raw.slice(0, -1) : raw;
    return { source: sourceOf(id), id, related };
  });
}

/** Error in production (and unnamed) environments, warning elsewhere. */
export const PROD_ERROR: EnvironmentSeverity = { prod: 'error', nonProd: 'warning' };

/** What a per-resource test returns: nothing when the resource passes, else what is wrong (one or more). */
export type ResourceTest = (resource: SynthesizedResource, view: StackView) => string | readonly string[] | undefined | false;

/** A check over every resource of `types`. */
export function eachResource(types: readonly string[], test: ResourceTest): (view: StackView) => Violation[] {
  return (view) =>
    view.ofTypes(types).flatMap((resource) => {
      const result = test(resource, view);
      if (!result) return [];
      return (typeof result === 'string' ? [result] : result).map((detail) => ({ resource, detail }));
    });
}
