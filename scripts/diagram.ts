/**
 * `npm run diagram`: synthesizes every stack (as `npm run synth`, into a temporary folder), derives
 * one diagram model per environment from the Terraform JSON and the catalog (scripts/diagram/),
 * and writes docs/diagrams/<env>.svg and <env>.png.
 *
 *   npm run diagram                      write docs/diagrams/
 *   npm run diagram -- --out <dir>       write elsewhere
 *   npm run diagram -- --no-png          SVG only (no fonts needed; the stale-diagram test uses it)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../main';
import { synthesizeWithPolicy } from '../modules/policy';
import { catalog, ENVIRONMENT_NAMES } from '../services/catalog';
import { toDot } from './diagram/dot';
import { diagramModel } from './diagram/model';
import { diagramFonts } from './diagram/fonts';
import { renderPng, renderSvg } from './diagram/render';
import { DiagramError, SynthesizedApp } from './diagram/terraform';
import { run } from './synth-support';

const DIAGRAM_DIR = 'docs/diagrams';

const USAGE = 'usage: npm run diagram [-- --out <dir>] [--no-png]';

function options(): { out: string; png: boolean } {
  try {
    const { values } = parseArgs({ options: { out: { type: 'string', default: DIAGRAM_DIR }, 'no-png': { type: 'boolean', default: false } } });
    return { out: values.out!, png: !values['no-png'] };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

void run(async () => {
  try {
    await generate(options());
  } catch (error) {
    if (!(error instanceof DiagramError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
});

async function generate({ out, png }: { out: string; png: boolean }): Promise<void> {
  // Fail on missing fonts before the synth, not after it.
  const fonts = png ? diagramFonts() : undefined;
  const outdir = mkdtempSync(join(tmpdir(), 'diagram-synth-'));
  try {
    // Real mode, as deployed; the policy pack's warnings are `npm run synth`'s to print, its errors still fail.
    synthesizeWithPolicy(buildApp({ outdir, validationMode: false }), () => {});
    const app = SynthesizedApp.fromOutdir(outdir);
    mkdirSync(out, { recursive: true });
    for (const environment of ENVIRONMENT_NAMES) {
      const svg = await renderSvg(toDot(diagramModel(app, environment, catalog)));
      writeFileSync(join(out, `${environment}.svg`), svg);
      const written = [`${environment}.svg`];
      if (fonts) {
        writeFileSync(join(out, `${environment}.png`), renderPng(svg, fonts));
        written.push(`${environment}.png`);
      }
      console.log(`${environment}: ${written.map((f) => join(out, f)).join(', ')}`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
