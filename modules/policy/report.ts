/** Presentations of findings: one-line text, per-stack tables, JSON and SARIF 2.1.0. */
import { createHash } from 'node:crypto';
import { type StackReport, blocking } from './engine';
import type { Finding, Rule } from './types';

export interface PolicyReport {
  readonly stacks: readonly StackReport[];
}

export const allFindings = (report: PolicyReport): Finding[] => report.stacks.flatMap((s) => s.findings);
export const blockingFindings = (report: PolicyReport): Finding[] => report.stacks.flatMap(blocking);

/** `ERROR NET-03 [prod-platform] prod-platform/alb/ingress-443 (aws_vpc_...): detail` and a fix line. */
export function formatFinding(f: Finding): string {
  const head = `${f.severity.toUpperCase()} ${f.ruleId} [${f.stack}] ${f.constructPath} (${f.resource}): ${f.message}`;
  const suppressed = f.suppressed ? `\n    suppressed until ${f.suppressed.expires}: ${f.suppressed.reason}` : '';
  return `${head}\n    fix: ${f.fix}${suppressed}`;
}

function counts(findings: readonly Finding[]): string {
  const open = findings.filter((f) => !f.suppressed);
  const errors = open.filter((f) => f.severity === 'error').length;
  return `${errors} error(s), ${open.length - errors} warning(s), ${findings.length - open.length} suppressed`;
}

/** A fixed-width table of one stack's findings. */
export function formatTable(stack: StackReport): string {
  const header = `${stack.stack} (${stack.environment ?? 'environment unknown'}): ${counts(stack.findings)}`;
  if (stack.findings.length === 0) return `${header}\n  (no findings)`;
  const rows = stack.findings.map((f) => [f.suppressed ? `${f.severity} (suppressed)` : f.severity, f.ruleId, f.resource, f.message]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['severity', 'rule', 'resource'][i]!.length));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')}`;
  return [header, line(['severity', 'rule', 'resource', 'finding']), ...rows.map(line)].join('\n');
}

/** The lines synth and validate print: every open finding, errors first, and a summary. */
export function formatReport(report: PolicyReport): string {
  const open = allFindings(report).filter((f) => !f.suppressed);
  const lines = open.map(formatFinding);
  lines.push(`policy pack: ${report.stacks.length} stack(s), ${counts(allFindings(report))}`);
  return lines.join('\n');
}

export function toJson(report: PolicyReport, rules: readonly Rule[]): object {
  return {
    tool: 'platform-policy-pack',
    rules: rules.length,
    stacks: report.stacks.map((s) => ({
      stack: s.stack,
      environment: s.environment ?? null,
      errors: s.findings.filter((f) => f.severity === 'error' && !f.suppressed).length,
      warnings: s.findings.filter((f) => f.severity === 'warning' && !f.suppressed).length,
      suppressed: s.findings.filter((f) => f.suppressed).length,
      findings: s.findings,
    })),
  };
}

const controlText = (rule: Rule) => rule.controls.map((c) => `${c.id}${c.related ? ' (related)' : ''}`).join(', ');

/** SARIF 2.1.0 for GitHub code scanning; locations point at the synthesized stack file. */
export function toSarif(report: PolicyReport, rules: readonly Rule[], synthDir = 'cdktf.out/stacks'): object {
  const level = (f: Finding) => (f.severity === 'error' ? 'error' : 'warning');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'platform-policy-pack',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/-/g, ''),
              shortDescription: { text: r.title },
              fullDescription: { text: `${r.title}. Maps to ${controlText(r)}.` },
              help: { text: `Fix: ${r.fix}` },
              defaultConfiguration: { level: typeof r.severity === 'string' ? r.severity : r.severity.prod },
              properties: { tags: ['security', r.area, ...r.controls.map((c) => c.id)] },
            })),
          },
        },
        results: allFindings(report).map((f) => ({
          ruleId: f.ruleId,
          level: level(f),
          message: { text: `${f.message} (${f.constructPath}). Fix: ${f.fix}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: `${synthDir}/${f.stack}/cdk.tf.json` } },
              logicalLocations: [{ fullyQualifiedName: `${f.stack}/${f.resource}`, name: f.constructPath, kind: 'resource' }],
            },
          ],
          partialFingerprints: {
            policyFinding: createHash('sha256').update(`${f.ruleId}|${f.stack}|${f.resource}|${f.message}`).digest('hex'),
          },
          ...(f.suppressed ? { suppressions: [{ kind: 'inSource', justification: `${f.suppressed.reason} (until ${f.suppressed.expires})` }] } : {}),
        })),
      },
    ],
  };
}

/** docs/policy-rules.md, generated from the rule objects (their only owner). */
export function rulesMarkdown(rules: readonly Rule[]): string {
  const areas = [...new Set(rules.map((r) => r.area))];
  const severity = (r: Rule) => (typeof r.severity === 'string' ? r.severity : `${r.severity.prod} in prod, ${r.severity.nonProd} elsewhere`);
  const out = [
    '# Policy rules',
    '',
    '<!-- Generated by `npm run audit -- --write-docs` from modules/policy/rules; do not edit by hand. -->',
    '',
    `${rules.length} rules, applied at synth to every stack (docs/decisions/0016-policy-pack.md). Controls: checkov \`CKV_AWS_*\`,`,
    'cdk-nag `AwsSolutions-*` / `NIST.800.53.R5-*`, AWS Security Hub FSBP (`EC2.6`), AWS Control Tower (`CT.*`), AWS Config',
    'managed rules (lower case). "(related)" marks a control that checks a close, not the same, condition.',
    '',
    '| Area | Rules |',
    '| --- | --- |',
    ...areas.map((a) => `| ${a} | ${rules.filter((r) => r.area === a).length} |`),
    '',
  ];
  for (const area of areas) {
    out.push(`## ${area}`, '', '| Id | Severity | Rule | Fix | Controls | Reads |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of rules.filter((x) => x.area === area)) {
      const cells = [r.id, severity(r), r.title, r.fix, controlText(r), r.resourceTypes.map((t) => `\`${t}\``).join(', ')];
      out.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
