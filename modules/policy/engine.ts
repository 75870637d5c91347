/**
 * Evaluates the rules over one synthesized stack and applies its suppressions. Pure: JSON in,
 * findings out (the Aspect in pack.ts feeds it `stack.toTerraform()`).
 */
import type { TerraformStack } from 'cdktf';
import { RULES } from './rules';
import { type StackViewOptions, type TerraformJson, StackView } from './stack-view';
import { type Suppression, covers, isExpired, suppressionsIn } from './suppressions';
import type { Finding, Rule, Severity } from './types';

export interface EvaluateOptions extends StackViewOptions {
  /** Default: every rule of the pack. */
  readonly rules?: readonly Rule[];
  /** Clock for suppression expiry; default now. */
  readonly now?: Date;
}

export interface StackReport {
  readonly stack: string;
  readonly environment: string | undefined;
  /** Unsuppressed findings first by severity; suppressed ones carry `suppressed`. */
  readonly findings: readonly Finding[];
}

export const SUPPRESSION_EXPIRED = 'SUPPRESSION-EXPIRED';
export const SUPPRESSION_UNUSED = 'SUPPRESSION-UNUSED';

const severityOf = (rule: Rule, view: StackView): Severity =>
  typeof rule.severity === 'string' ? rule.severity : view.isProduction ? rule.severity.prod : rule.severity.nonProd;

const ORDER: Record<Severity, number> = { error: 0, warning: 1 };

/** Findings of one stack's synthesized JSON; `stackPath` names resources added by raw stack overrides. */
export function evaluateTerraform(
  stackName: string,
  stackPath: string,
  json: TerraformJson,
  suppressions: readonly Suppression[],
  options: EvaluateOptions = {},
): StackReport {
  const view = new StackView(stackName, json, options);
  const now = options.now ?? new Date();
  const used = new Set<Suppression>();
  const findings: Finding[] = [];

  for (const rule of options.rules ?? RULES) {
    for (const violation of rule.check(view)) {
      const constructPath = violation.resource.path ?? stackPath;
      const matching = suppressions.filter((s) => s.ruleId === rule.id && covers(s.scopePath, constructPath));
      matching.forEach((s) => used.add(s));
      const active = matching.find((s) => !isExpired(s, now));
      findings.push({
        ruleId: rule.id,
        severity: severityOf(rule, view),
        stack: stackName,
        environment: view.environment,
        constructPath,
        resource: violation.resource.address,
        title: rule.title,
        message: violation.detail,
        fix: rule.fix,
        controls: rule.controls,
        ...(active ? { suppressed: { reason: active.reason, expires: active.expires } } : {}),
      });
    }
  }

  for (const s of suppressions) {
    const expired = isExpired(s, now);
    if (!expired && used.has(s)) continue;
    findings.push({
      ruleId: expired ? SUPPRESSION_EXPIRED : SUPPRESSION_UNUSED,
      severity: expired ? 'error' : 'warning',
      stack: stackName,
      environment: view.environment,
      constructPath: s.scopePath,
      resource: '-',
      title: expired ? 'Suppressions expire; an expired one is an error' : 'Every suppression matches a finding',
      message: expired
        ? `suppression of ${s.ruleId} ("${s.reason}") expired on ${s.expires}`
        : `suppression of ${s.ruleId} ("${s.reason}") matches no finding`,
      fix: expired ? `Fix the ${s.ruleId} finding, or renew the suppression with a new reason and date` : 'Remove the suppression',
      controls: [],
    });
  }

  findings.sort((a, b) => Number(!!a.suppressed) - Number(!!b.suppressed) || ORDER[a.severity] - ORDER[b.severity] || a.ruleId.localeCompare(b.ruleId));
  return { stack: stackName, environment: view.environment, findings };
}

/** Findings of a stack as it synthesizes now (escape hatches and overrides included). */
export function evaluateStack(stack: TerraformStack, options: EvaluateOptions = {}): StackReport {
  return evaluateTerraform(stack.node.id, stack.node.path, stack.toTerraform() as TerraformJson, suppressionsIn(stack), options);
}

/** Findings that fail synthesis: errors nobody suppressed. */
export const blocking = (report: StackReport): Finding[] => report.findings.filter((f) => f.severity === 'error' && !f.suppressed);
