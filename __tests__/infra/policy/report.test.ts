import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, evaluateTerraform, formatTable, rulesMarkdown, toJson, toSarif } from '../../../modules/policy';

const NOW = new Date('2026-03-01T00:00:00Z');
const report = {
  stacks: [
    evaluateTerraform(
      'prod-platform',
      'prod-platform',
      {
        resource: {
          aws_sqs_queue: { q: { name: 'orders', '//': { metadata: { path: 'prod-platform/orders/queue' } } } },
          aws_dynamodb_table: { t: { name: 't', '//': { metadata: { path: 'prod-platform/table' } } } },
        },
      },
      [{ ruleId: 'BAK-01', reason: 'restored from backups nightly instead', expires: '2026-12-31', scopePath: 'prod-platform/table' }],
      { environment: 'prod', now: NOW },
    ),
  ],
};

describe('policy reports', () => {
  it('docs/policy-rules.md is generated from the rules (npm run audit -- --write-docs)', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/policy-rules.md'), 'utf8');
    expect(docs).toBe(rulesMarkdown(RULES));
    for (const rule of RULES) expect(docs).toContain(`| ${rule.id} |`);
  });

  it('SARIF 2.1.0: one reportingDescriptor per rule, results with levels, locations, fingerprints and in-source suppressions', () => {
    const sarif = toSarif(report, RULES) as any;
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(RULES.map((r) => r.id));
    const queue = run.results.find((r: any) => r.ruleId === 'ENC-02');
    expect(queue).toMatchObject({
      level: 'error',
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'cdktf.out/stacks/prod-platform/cdk.tf.json' } },
          logicalLocations: [{ fullyQualifiedName: 'prod-platform/aws_sqs_queue.q', name: 'prod-platform/orders/queue' }],
        },
      ],
    });
    expect(queue.partialFingerprints.policyFinding).toMatch(/^[0-9a-f]{64}$/);
    const pitr = run.results.find((r: any) => r.ruleId === 'BAK-01');
    expect(pitr.suppressions).toEqual([{ kind: 'inSource', justification: 'restored from backups nightly instead (until 2026-12-31)' }]);
  });

  it('JSON and the table count open errors, warnings and suppressed findings alike', () => {
    const json = toJson(report, RULES) as any;
    const stack = json.stacks[0];
    const open = report.stacks[0]!.findings.filter((f) => !f.suppressed);
    expect(stack.errors).toBe(open.filter((f) => f.severity === 'error').length);
    expect(stack.warnings).toBe(open.filter((f) => f.severity === 'warning').length);
    expect(stack.suppressed).toBe(1);
    expect(formatTable(report.stacks[0]!)).toMatch(
      new RegExp(`^prod-platform \\(prod\\): ${stack.errors} error\\(s\\), ${stack.warnings} warning\\(s\\), 1 suppressed`),
    );
  });
});
