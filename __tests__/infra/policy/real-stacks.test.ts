/**
 * The pack over the real stacks (buildApp from main.ts, which applies it): every environment is
 * clean at error level, prod at warning level too (or suppressed with a reason), every stack is
 * evaluated and each finding points at a construct a suppression can be attached to.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformResource, TerraformStack } from 'cdktf';
import { buildApp } from '../../../main';
import { PolicyViolationError, policyReport, synthesizeWithPolicy } from '../../../modules/policy';

describe('policy pack over the real stacks', () => {
  const app = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'policy-real-')), validationMode: true });
  const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  let synthError: unknown;
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  const report = policyReport(app);
  const open = (severity: 'error' | 'warning', env?: string) =>
    report.stacks
      .filter((s) => env === undefined || s.environment === env)
      .flatMap((s) => s.findings.filter((f) => f.severity === severity && !f.suppressed).map((f) => `${s.stack} ${f.ruleId} ${f.resource}: ${f.message}`));

  it('synthesizes: no stack has an unsuppressed error', () => {
    expect(open('error')).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('prod (and the tooling account) are clean at warning level too', () => {
    expect([...open('warning', 'prod'), ...open('warning', 'tooling')]).toEqual([]);
  });

  it('evaluates every stack, each with the environment of its provider tags', () => {
    expect(report.stacks.map((s) => s.stack).sort()).toEqual(stacks.map((s) => s.node.id).sort());
    for (const stack of report.stacks) expect(stack.environment).toBeDefined();
  });

  it('attributes every finding to a construct of its stack (so it can be fixed or suppressed there)', () => {
    const paths = new Set(app.node.findAll().map((c) => c.node.path));
    for (const finding of report.stacks.flatMap((s) => s.findings)) {
      expect(paths.has(finding.constructPath)).toBe(true);
      expect(finding.constructPath.startsWith(finding.stack)).toBe(true);
    }
  });
});

describe('an insecure change through an escape hatch', () => {
  it('fails `npm run synth` (synthesizeWithPolicy) with the rule id, the resource and the fix', () => {
    const app = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'policy-hatch-')), validationMode: true });
    // Open the prod Aurora security group to the world behind the constructs' back.
    const prodPlatform = app.node.findChild('prod-platform') as TerraformStack;
    const auroraGroup = prodPlatform.node.findAll().find((c) => c.node.path.endsWith('aurora/security-group/group'))! as TerraformResource;
    auroraGroup.addOverride('ingress', [{ cidr_blocks: ['0.0.0.0/0'], from_port: 5432, to_port: 5432, protocol: 'tcp', description: 'oops' }]);
    let error: unknown;
    try {
      synthesizeWithPolicy(app, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyViolationError);
    const message = (error as Error).message;
    expect(message).toMatch(/ERROR NET-\d+ \[prod-platform\] prod-platform\/aurora\/security-group\/group/);
    expect(message).toMatch(/fix: /);
  });
});
