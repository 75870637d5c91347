import { RULES, evaluateTerraform } from '../../../modules/policy';
import { FIXTURES } from './fixtures';

const idsFor = (resource: object) =>
  evaluateTerraform('fixture', 'fixture', { resource: resource as never }, [], { environment: 'prod' }).findings.map((f) => f.ruleId);

describe('policy rules', () => {
  it('has at least 60 rules with unique ids, a title, a fix and at least one public control each', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.controls.length).toBeGreaterThan(0);
    }
  });

  it('has a fixture for every rule and none for a rule that does not exist', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  describe.each(RULES.map((r) => [r.id, r] as const))('%s', (id) => {
    const fixture = FIXTURES[id]!;

    it.each(fixture.fail.map((f, i) => [i, f] as const))('fails on insecure fixture #%i', (_, resources) => {
      expect(idsFor(resources)).toContain(id);
    });

    it.each((Array.isArray(fixture.pass) ? fixture.pass : [fixture.pass]).map((p, i) => [i, p] as const))('passes on secure fixture #%i', (_, resources) => {
      expect(idsFor(resources)).not.toContain(id);
    });
  });
});
