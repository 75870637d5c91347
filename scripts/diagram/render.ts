/**
 * DOT → SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz: no system binary),
 * SVG → PNG with resvg (@resvg/resvg-js) and the font files of fonts.ts.
 */
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY } from './dot';
import { sha256, SVG_HASH_KEYWORD, withTextChunk } from './png';

type GraphvizInstance = { dot(source: string, format: 'svg'): string };
let graphviz: Promise<GraphvizInstance> | undefined;

/**
 * Boxes are sized for DejaVu Sans. A viewer without it (a browser on macOS or Windows) falls back
 * to Verdana, a similarly wide face, rather than its default serif; how closely labels then fit
 * was not measured (no Verdana here). resvg uses the first family it has: DejaVu Sans.
 */
const SVG_FONT_FAMILY = `${FONT_FAMILY},Verdana,sans-serif`;

/** Lays out and draws `dot` as SVG. */
export async function renderSvg(dot: string): Promise<string> {
  // The package is ESM-only: loaded with import() so this file also type-checks and loads from CommonJS.
  graphviz ??= import('@hpcc-js/wasm-graphviz').then(({ Graphviz }) => Graphviz.load());
  const svg = (await graphviz).dot(dot, 'svg');
  return svg.replaceAll(`font-family="${FONT_FAMILY}"`, `font-family="${SVG_FONT_FAMILY}"`);
}

/** The PNG at the SVG's own size (1 pt = 4/3 px): about 4000 px wide, 9 pt details 12 px high, ~0.6 MB. */
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
