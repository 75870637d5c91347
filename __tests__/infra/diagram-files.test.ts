/**
 * The committed diagrams (docs/diagrams/<env>.svg and .png) are what `npm run diagram` makes of
 * the code as it is: the generator runs as a process (Graphviz is an ES module Jest cannot load)
 * into a temporary folder, SVG only; each committed SVG must equal its fresh copy and each
 * committed PNG must carry the SHA-256 of that SVG (scripts/diagram/png.ts), so no font is needed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTextChunk, sha256, SVG_HASH_KEYWORD } from '../../scripts/diagram/png';
import { ENVIRONMENT_NAMES } from '../../services/catalog';

const COMMITTED = 'docs/diagrams';
const FIX = 'stale: run `npm run diagram` and commit docs/diagrams';

describe('committed diagrams', () => {
  const out = mkdtempSync(join(tmpdir(), 'diagram-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('are what npm run diagram generates now', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/diagram.ts', '--out', out, '--no-png'], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const stale: string[] = [];
    for (const env of ENVIRONMENT_NAMES) {
      const fresh = readFileSync(join(out, `${env}.svg`), 'utf8');
      const svg = join(COMMITTED, `${env}.svg`);
      const png = join(COMMITTED, `${env}.png`);
      if (!existsSync(svg) || readFileSync(svg, 'utf8') !== fresh) stale.push(`${svg} ${FIX}`);
      if (!existsSync(png) || readTextChunk(readFileSync(png), SVG_HASH_KEYWORD) !== sha256(fresh)) stale.push(`${png} ${FIX}`);
    }
    expect(stale).toEqual([]);
  }, 120_000);
});
