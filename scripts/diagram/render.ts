/**
 * DOT → SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz: no system binary),
 * SVG → PNG with resvg (@resvg/resvg-js).
 *
 * Fonts: Graphviz sizes every box with its own built-in metrics of DejaVu Sans (no font file is
 * read), so the SVG is the same on every machine. resvg draws text only with font files it is
 * given: it bundles none, and without one it silently drops all text. The PNG is therefore
 * rendered with DejaVu Sans (regular + bold) found on this machine, and fails with a clear message
 * when they are missing, rather than producing a PNG without labels.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY } from './dot';
import { sha256, SVG_HASH_KEYWORD, withTextChunk } from './png';

type GraphvizInstance = { dot(source: string, format: 'svg'): string };
let graphviz: Promise<GraphvizInstance> | undefined;

/** Lays out and draws `dot` as SVG. */
export async function renderSvg(dot: string): Promise<string> {
  // The package is ESM-only: loaded with import() so this file also type-checks and loads from CommonJS.
  graphviz ??= import('@hpcc-js/wasm-graphviz').then(({ Graphviz }) => Graphviz.load());
  return (await graphviz).dot(dot, 'svg');
}

const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** Where DejaVu Sans lives on common systems (Debian/Ubuntu, Fedora, Arch, Alpine, Homebrew, macOS). */
const fontDirectories = (env: NodeJS.ProcessEnv): string[] => [
  ...(env.DIAGRAM_FONT_DIR ? [env.DIAGRAM_FONT_DIR] : []),
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/TTF',
  '/usr/share/fonts/ttf-dejavu',
  '/usr/local/share/fonts',
  '/opt/homebrew/share/fonts',
  join(homedir(), 'Library/Fonts'),
  '/Library/Fonts',
];

/** The DejaVu Sans font files the PNG is drawn with; an error naming what to install when absent. */
export function diagramFonts(env: NodeJS.ProcessEnv = process.env): string[] {
  const directories = fontDirectories(env);
  const found = directories.find((dir) => FONT_FILES.every((file) => existsSync(join(dir, file))));
  if (!found) {
    throw new Error(
      `diagram: the PNG is drawn with ${FONT_FAMILY} (${FONT_FILES.join(', ')}), found in none of ${directories.join(', ')}. ` +
        'Install it (Debian/Ubuntu: apt-get install fonts-dejavu-core; Fedora: dnf install dejavu-sans-fonts; macOS: brew install --cask font-dejavu) ' +
        'or set DIAGRAM_FONT_DIR to the folder holding those files.',
    );
  }
  return FONT_FILES.map((file) => join(found, file));
}

/** Pixels per SVG point in the PNG: sharp enough to read labels on a high-density screen. */
export const PNG_ZOOM = 1;

/** Draws `svg` as PNG and records the SVG's hash in it (png.ts). */
export function renderPng(svg: string, fontFiles: readonly string[]): Buffer {
  const png = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: [...fontFiles], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    background: 'white',
  })
    .render()
    .asPng();
  return withTextChunk(png, SVG_HASH_KEYWORD, sha256(svg));
}
