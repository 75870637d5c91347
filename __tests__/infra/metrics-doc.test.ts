/** docs/metrics.md is what `npm run docs:metrics` writes from the catalogs now: it cannot go stale. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsMarkdown } from '../../modules/observability/metrics-markdown';
import { catalog } from '../../services/catalog';
import { Dimension, METRICS } from '../../services/telemetry';

describe('docs/metrics.md', () => {
  const committed = readFileSync(join(__dirname, '../../docs/metrics.md'), 'utf8');

  it('is generated from services/telemetry.ts and the catalog (npm run docs:metrics)', () => {
    expect(committed).toBe(metricsMarkdown(catalog));
  });

  it('lists every metric with its kind, unit and dimensions, and every dimension', () => {
    for (const m of Object.values(METRICS)) {
      const line = committed.split('\n').find((l) => l.startsWith(`| \`${m.name}\` |`));
      expect(line).toBeDefined();
      expect(line).toContain(`| ${m.kind} | ${m.unit} | ${m.dimensions.map((d) => `\`${d}\``).join(', ')} |`);
    }
    for (const d of Object.values(Dimension)) expect(committed).toMatch(new RegExp(`^\\| \`${d}\` \\| `, 'm'));
  });
});
