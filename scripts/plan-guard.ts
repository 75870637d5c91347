/**
 * The plan guard: reads `terraform show -json <planfile>` and fails when the plan deletes or
 * replaces a stateful resource (data or an identity that cannot be recreated as it was), unless
 * the override is given. Used by every pipeline deploy (before `terraform apply`) and by the
 * pull-request plan workflow (.github/workflows/plan.yml).
 *
 *   npm run plan:guard -- <plan.json> [--stack <name>] [--summary <file>] [--allow-destroy]
 *     Prints the plan's counts and every blocked change. The override is `--allow-destroy` or
 *     PLAN_GUARD_ALLOW_DESTROY=true. `--summary` writes the review as JSON (for the comment).
 *   npm run plan:guard -- comment [--stacks a,b,…] [--override-label <label>] <summary.json>…
 *     Prints the pull request's plan comment (markdown; its first line is the sticky marker).
 *     Stacks listed in --stacks without a summary are reported as "no plan".
 *
 * Exit codes: 0 pass, 1 blocked, 2 unusable input or usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Resource types holding data or an identity that a delete or replace would lose, with a word for each. */
export const STATEFUL_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  aws_db_instance: 'database',
  aws_rds_cluster: 'database cluster',
  aws_rds_cluster_instance: 'database instance',
  aws_rds_global_cluster: 'global database',
  aws_dynamodb_table: 'table',
  aws_elasticache_replication_group: 'cache',
  aws_elasticache_cluster: 'cache',
  aws_elasticache_serverless_cache: 'cache',
  aws_s3_bucket: 'bucket',
  aws_kms_key: 'key',
  aws_kms_replica_key: 'key',
  aws_secretsmanager_secret: 'secret',
  aws_sqs_queue: 'queue',
  aws_ecr_repository: 'repository',
  aws_cloudfront_distribution: 'distribution',
  // Audit and incident history: a new group starts empty.
  aws_cloudwatch_log_group: 'log group',
  aws_efs_file_system: 'file system',
  aws_backup_vault: 'backup vault',
  aws_cognito_user_pool: 'user pool',
  aws_route53_zone: 'DNS zone',
  // A new connection is PENDING until someone repeats the GitHub handshake.
  aws_codeconnections_connection: 'repository connection',
};

export const MARKER = '<!-- plan-guard -->';

export type ChangeKind = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'replace' | 'forget';

export interface BlockedChange {
  readonly address: string;
  readonly type: string;
  /** What the resource is, e.g. `table`. */
  readonly what: string;
  readonly kind: 'delete' | 'replace';
  /** For a replace: Terraform's order (`create-before-destroy` keeps the old one until the new one exists). */
  readonly order?: 'delete-then-create' | 'create-before-destroy';
}

export interface PlanReview {
  readonly stack: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Deletes and replaces of stateful resources. */
  readonly blocked: readonly BlockedChange[];
  /** The override was given. */
  readonly overridden: boolean;
  /** The plan may be applied: nothing blocked, or the override was given. */
  readonly passed: boolean;
}

export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
}

interface ResourceChange {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly change: { readonly actions: readonly string[] };
}

const KINDS: Readonly<Record<string, ChangeKind>> = {
  'no-op': 'no-op',
  create: 'create',
  read: 'read',
  update: 'update',
  delete: 'delete',
  'delete,create': 'replace',
  'create,delete': 'replace',
  forget: 'forget',
};

/** Terraform's action list of one resource change (`change.actions`) as one kind. */
export function changeKind(actions: readonly string[]): ChangeKind {
  const kind = KINDS[actions.join(',')];
  if (!kind) throw new PlanInputError(`unknown action list ${JSON.stringify(actions)}`);
  return kind;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function resourceChanges(plan: unknown): readonly ResourceChange[] {
  if (!isRecord(plan) || typeof plan.format_version !== 'string' || !('planned_values' in plan)) {
    throw new PlanInputError('not the JSON of a saved plan (expected `terraform show -json <planfile>` output)');
  }
  if (plan.errored === true) throw new PlanInputError('the plan errored: Terraform could not finish it');
  const changes = plan.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new PlanInputError('resource_changes is not a list');
  return changes.map((c, i) => {
    if (
      !isRecord(c) ||
      typeof c.address !== 'string' ||
      typeof c.type !== 'string' ||
      !isRecord(c.change) ||
      !Array.isArray(c.change.actions)
    ) {
      throw new PlanInputError(`resource_changes[${i}] has no address, type or change.actions`);
    }
    return c as unknown as ResourceChange;
  });
}

/** Counts the plan as Terraform's summary line does and lists the destructive changes to stateful resources. */
export function reviewPlan(plan: unknown, options: { readonly stack: string; readonly allowDestroy: boolean }): PlanReview {
  let add = 0;
  let change = 0;
  let destroy = 0;
  const blocked: BlockedChange[] = [];
  for (const rc of resourceChanges(plan)) {
    if (rc.mode !== 'managed') continue;
    const kind = changeKind(rc.change.actions);
    if (kind === 'create' || kind === 'replace') add += 1;
    if (kind === 'update') change += 1;
    if (kind === 'delete' || kind === 'replace') destroy += 1;
    const what = STATEFUL_RESOURCE_TYPES[rc.type];
    if (what && (kind === 'delete' || kind === 'replace')) {
      blocked.push({
        address: rc.address,
        type: rc.type,
        what,
        kind,
        ...(kind === 'replace' ? { order: rc.change.actions[0] === 'create' ? 'create-before-destroy' : 'delete-then-create' } : {}),
      });
    }
  }
  const overridden = options.allowDestroy;
  return { stack: options.stack, add, change, destroy, blocked, overridden, passed: blocked.length === 0 || overridden };
}

const describe = (b: BlockedChange): string => `${b.address} (${b.what}): ${b.kind}${b.order ? `, ${b.order}` : ''}`;

/** The guard's report for one plan, as printed by the CLI. */
export function formatReview(review: PlanReview): string {
  const lines = [`${review.stack}: ${review.add} to add, ${review.change} to change, ${review.destroy} to destroy`];
  const label = review.overridden ? 'allowed by override' : 'BLOCKED';
  for (const b of review.blocked) lines.push(`  ${label}: ${describe(b)}`);
  if (!review.passed) {
    lines.push(
      `${review.blocked.length} stateful resource(s) would be deleted or replaced. If that is intended, give the override: ` +
        'the override label on the pull request, or ALLOW_DESTROY=true on a manual pipeline run.',
    );
  }
  return lines.join('\n');
}

/** The pull request comment: one row per stack, then the blocked changes. */
export function renderComment(
  reviews: readonly PlanReview[],
  options: { readonly stacks?: readonly string[]; readonly overrideLabel?: string } = {},
): string {
  const byStack = new Map(reviews.map((r) => [r.stack, r]));
  const stacks = [...new Set([...(options.stacks ?? []), ...reviews.map((r) => r.stack)])].sort();
  const rows = stacks.map((stack) => {
    const r = byStack.get(stack);
    if (!r) return `| \`${stack}\` | – | – | – | no plan: the job failed before planning (see its log) |`;
    const guard =
      r.blocked.length === 0 ? 'ok' : r.overridden ? `allowed by override (${r.blocked.length})` : `**blocked** (${r.blocked.length})`;
    return `| \`${stack}\` | ${r.add} | ${r.change} | ${r.destroy} | ${guard} |`;
  });
  const blocked = reviews.flatMap((r) =>
    r.blocked.map((b) => `- \`${r.stack}\`: \`${b.address}\` (${b.what}): ${b.kind}${b.order ? `, ${b.order}` : ''}`),
  );
  const label = options.overrideLabel ? `the label \`${options.overrideLabel}\`` : 'the override label';
  return [
    MARKER,
    '### Terraform plan',
    '',
    '| Stack | Add | Change | Destroy | Plan guard |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
    ...(blocked.length ? ['', '**Deletes or replaces of stateful resources:**', ...blocked] : []),
    '',
    `Deleting or replacing a stateful resource (${[...new Set(Object.values(STATEFUL_RESOURCE_TYPES))].join(', ')}) fails the check; ` +
      `if it is intended, add ${label} to this pull request.`,
  ].join('\n');
}

const truthy = (value: string | undefined) => ['1', 'true'].includes((value ?? '').toLowerCase());

function readJson(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${file}: not JSON (${(error as Error).message})`);
  }
}

/** The CLI; returns the exit code. */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (text: string) => void = console.log): number {
  if (argv[0] === 'comment') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: { stacks: { type: 'string' }, 'override-label': { type: 'string' } },
      allowPositionals: true,
    });
    const reviews = positionals.map((file) => readJson(file) as PlanReview);
    const stacks = values.stacks ? values.stacks.split(',').filter(Boolean) : undefined;
    out(renderComment(reviews, { stacks, overrideLabel: values['override-label'] }));
    return 0;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { stack: { type: 'string' }, summary: { type: 'string' }, 'allow-destroy': { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new PlanInputError('expected one plan file (the output of `terraform show -json <planfile>`)');
  const file = positionals[0]!;
  const review = reviewPlan(readJson(file), {
    stack: values.stack ?? file,
    allowDestroy: values['allow-destroy'] === true || truthy(env.PLAN_GUARD_ALLOW_DESTROY),
  });
  if (values.summary) writeFileSync(values.summary, `${JSON.stringify(review, null, 2)}\n`);
  out(formatReview(review));
  return review.passed ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    const known = error instanceof PlanInputError || (error as NodeJS.ErrnoException).code !== undefined;
    console.error(`plan-guard: ${known ? (error as Error).message : String((error as Error).stack ?? error)}`);
    process.exitCode = 2;
  }
}
