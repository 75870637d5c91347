/**
 * The one-call API: `applyPolicyPack(app)` (after the stacks exist) or `applyPolicyPack(stack)`.
 *
 * A CDKTF Aspect registers a validation on each stack; validations run after every aspect, so the
 * pack sees the stack exactly as it synthesizes (`toTerraform()`: escape hatches and raw overrides
 * included). Warnings become construct annotations. Errors fail synthesis:
 * - applied to a stack: that stack's validation fails (cdktf lists the errors);
 * - applied to an app: every stack is evaluated first and one app validation lists the errors of
 *   all stacks (so `npm run synth` shows the complete list at once).
 */
import { Annotations, App, Aspects, type IAspect, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { type EvaluateOptions, type StackReport, blocking, evaluateStack } from './engine';
import { type PolicyReport, blockingFindings, formatFinding, formatReport } from './report';

export type PolicyPackOptions = EvaluateOptions;

/** Collected reports of one app, by stack name, in synthesis order. */
const reports = new WeakMap<App, Map<string, StackReport>>();
const covered = new WeakSet<TerraformStack>();
const coveredApps = new WeakSet<App>();

function reportsOf(app: App): Map<string, StackReport> {
  let byStack = reports.get(app);
  if (!byStack) reports.set(app, (byStack = new Map()));
  return byStack;
}

const stacksOf = (app: App): TerraformStack[] => app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));

/** Annotates warnings on the resource's construct so `cdktf synth` shows them too. */
function annotateWarnings(stack: TerraformStack, report: StackReport): void {
  const byPath = new Map(stack.node.findAll().map((c) => [c.node.path, c] as const));
  for (const f of report.findings.filter((x) => x.severity === 'warning' && !x.suppressed)) {
    Annotations.of(byPath.get(f.constructPath) ?? stack).addWarning(`[${f.ruleId}] ${f.resource}: ${f.message}. Fix: ${f.fix}`);
  }
}

class PolicyAspect implements IAspect {
  /** Aspects run again on every Testing.synth; validate each stack once. */
  private readonly registered = new WeakSet<TerraformStack>();

  constructor(
    private readonly options: PolicyPackOptions,
    /** `stack`: the stack's validation fails on errors; `app`: the app validation reports them. */
    private readonly failAt: 'stack' | 'app',
  ) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const stack = node;
    if (this.registered.has(stack)) return;
    this.registered.add(stack);
    stack.node.addValidation({
      validate: () => {
        const report = evaluateStack(stack, this.options);
        reportsOf(App.of(stack)).set(stack.node.id, report);
        annotateWarnings(stack, report);
        return this.failAt === 'stack' ? blocking(report).map(formatFinding) : [];
      },
    });
  }
}

/**
 * Applies the policy pack. On an app: to every stack it has now (call it after creating them; a
 * stack added later fails synthesis with a message saying so). On a stack: to that stack.
 */
export function applyPolicyPack(scope: App | TerraformStack, options: PolicyPackOptions = {}): void {
  if (TerraformStack.isStack(scope)) {
    if (covered.has(scope)) return;
    covered.add(scope);
    Aspects.of(scope).add(new PolicyAspect(options, 'stack'));
    return;
  }
  if (coveredApps.has(scope)) return;
  const stacks = stacksOf(scope);
  if (stacks.length === 0) throw new Error('applyPolicyPack(app): the app has no stacks yet; apply the pack after creating them');
  coveredApps.add(scope);
  const aspect = new PolicyAspect(options, 'app');
  for (const stack of stacks) {
    if (covered.has(stack)) continue;
    covered.add(stack);
    Aspects.of(stack).add(aspect);
  }
  scope.node.addValidation({
    validate: () => [
      ...stacksOf(scope)
        .filter((s) => !covered.has(s))
        .map((s) => `stack ${s.node.id} was created after applyPolicyPack(app): apply the pack after every stack exists`),
      ...blockingFindings(policyReport(scope)).map(formatFinding),
    ],
  });
}

/** Findings of every stack the pack evaluated during the last synth of `app`. */
export function policyReport(app: App): PolicyReport {
  return { stacks: [...reportsOf(app).values()] };
}

/** Thrown by `synthesizeWithPolicy` when unsuppressed errors remain; the message is the full list. */
export class PolicyViolationError extends Error {
  constructor(readonly report: PolicyReport) {
    super(`policy pack: synthesis failed\n${formatReport(report)}`);
    this.name = 'PolicyViolationError';
  }
}

/**
 * For `npm run synth` / `npm run validate`: synthesizes `app` (the pack must be applied), prints
 * every open finding (warnings on success) and throws PolicyViolationError listing all errors.
 */
export function synthesizeWithPolicy(app: App, log: (text: string) => void = console.log): PolicyReport {
  if (stacksOf(app).some((s) => !covered.has(s))) throw new Error('synthesizeWithPolicy: call applyPolicyPack(app) first');
  try {
    app.synth();
  } catch (error) {
    const report = policyReport(app);
    if (blockingFindings(report).length > 0) throw new PolicyViolationError(report);
    throw error;
  }
  const report = policyReport(app);
  log(formatReport(report));
  return report;
}
