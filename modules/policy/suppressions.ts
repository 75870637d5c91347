/**
 * Explicit, dated exceptions next to the resource in code:
 *
 *   suppress(accessLogs, 'ENC-11', { reason: 'ALB log delivery only supports SSE-S3', expires: '2027-06-30' });
 *
 * A suppression covers findings of that rule on the construct and everything below it, in its own
 * stack. It is recorded as construct metadata, so the rule engine finds it in the synthesized tree.
 * An expired suppression no longer hides anything and is itself an error; one that matches nothing
 * is reported as a warning.
 */
import type { IConstruct } from 'constructs';
import { RULES } from './rules';

export interface SuppressionOptions {
  /** Why the finding is accepted (at least 10 characters: a sentence, not "n/a"). */
  readonly reason: string;
  /** Last day the suppression holds, `YYYY-MM-DD` (UTC). */
  readonly expires: string;
}

export interface Suppression extends SuppressionOptions {
  readonly ruleId: string;
  /** Construct path of the suppressed scope. */
  readonly scopePath: string;
}

export const SUPPRESSION_METADATA = 'platform:policy-suppression';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Records that findings of `ruleIds` on `scope` (and below) are accepted, with a reason, until `expires`. */
export function suppress(scope: IConstruct, ruleIds: string | readonly string[], options: SuppressionOptions): void {
  const ids = typeof ruleIds === 'string' ? [ruleIds] : ruleIds;
  const where = `suppress(${scope.node.path})`;
  if (ids.length === 0) throw new Error(`${where}: name at least one rule id`);
  for (const id of ids) {
    if (!RULES.some((r) => r.id === id)) throw new Error(`${where}: unknown rule id "${id}" (see docs/policy-rules.md)`);
  }
  if (typeof options.reason !== 'string' || options.reason.trim().length < 10) {
    throw new Error(`${where}: a suppression needs a reason of at least 10 characters`);
  }
  if (!validDate(options.expires)) throw new Error(`${where}: expires "${options.expires}" must be a date YYYY-MM-DD`);
  for (const ruleId of ids) {
    scope.node.addMetadata(SUPPRESSION_METADATA, { ruleId, reason: options.reason.trim(), expires: options.expires }, { stackTrace: false });
  }
}

/** Every suppression recorded on `root` or below. */
export function suppressionsIn(root: IConstruct): Suppression[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === SUPPRESSION_METADATA)
      .map((entry) => ({ ...(entry.data as Omit<Suppression, 'scopePath'>), scopePath: construct.node.path })),
  );
}

/** Does a suppression on `scopePath` cover a resource at `constructPath`? */
export const covers = (scopePath: string, constructPath: string): boolean =>
  constructPath === scopePath || constructPath.startsWith(`${scopePath}/`);

/** `expires` is inclusive: a suppression holds through that whole (UTC) day. */
export const isExpired = (s: Pick<Suppression, 'expires'>, now: Date): boolean => now.toISOString().slice(0, 10) > s.expires;
