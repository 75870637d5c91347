/**
 * `npm run audit`: synthesizes every stack (real mode, into a scratch directory), runs the policy
 * pack and prints a table per stack; writes cdktf.out/audit/policy.json and policy.sarif (SARIF
 * 2.1.0 for GitHub code scanning) from the same findings. Exits 1 while unsuppressed errors remain.
 *
 *   npm run audit -- --write-docs   also regenerates docs/policy-rules.md from the rules
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../main';
import { RULES, applyPolicyPack, blocking, formatTable, policyReport, rulesMarkdown, toJson, toSarif } from '../modules/policy';
import { run } from './synth-support';

const AUDIT_DIR = resolve('cdktf.out', 'audit');
const DOCS = resolve('docs', 'policy-rules.md');

void run(() => {
  if (process.argv.includes('--write-docs')) {
    writeFileSync(DOCS, rulesMarkdown(RULES));
    console.log(`wrote ${DOCS} (${RULES.length} rules)`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'policy-audit-'));
  try {
    const app = buildApp({ outdir: scratch, validationMode: false });
    applyPolicyPack(app);
    try {
      app.synth();
    } catch (error) {
      // Policy errors are what this command reports; anything else is a real failure.
      if (policyReport(app).stacks.every((s) => blocking(s).length === 0)) throw error;
    }
    const report = policyReport(app);
    for (const stack of report.stacks) console.log(`${formatTable(stack)}\n`);
    mkdirSync(AUDIT_DIR, { recursive: true });
    writeFileSync(join(AUDIT_DIR, 'policy.json'), `${JSON.stringify(toJson(report, RULES), null, 2)}\n`);
    writeFileSync(join(AUDIT_DIR, 'policy.sarif'), `${JSON.stringify(toSarif(report, RULES), null, 2)}\n`);
    const errors = report.stacks.reduce((n, s) => n + blocking(s).length, 0);
    console.log(`${RULES.length} rules over ${report.stacks.length} stacks: ${errors} blocking error(s); wrote ${AUDIT_DIR}/policy.json and policy.sarif`);
    if (errors > 0) process.exitCode = 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
