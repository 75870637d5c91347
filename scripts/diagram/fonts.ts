/**
 * The font files the PNG is drawn with. Graphviz sizes every box with its own built-in metrics of
 * DejaVu Sans (it reads no font file), so the SVG is the same on every machine. resvg draws text
 * only with font files it is given: it bundles none, and with none it paints no text at all
 * (measured: 0 pixels). So the PNG needs DejaVu Sans, regular and bold, from this machine; without
 * them `npm run diagram` fails naming what to install instead of writing a PNG without labels.
 * The stale-diagram test needs no font: it compares SVGs and the hash each PNG records.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FONT_FAMILY } from './dot';
import { DiagramError } from './terraform';

const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** Where DejaVu Sans lives on common systems (Debian/Ubuntu, Fedora, Arch, Alpine, Homebrew, macOS); DIAGRAM_FONT_DIR first. */
export const fontDirectories = (env: NodeJS.ProcessEnv = process.env): string[] => [
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

/** The regular and bold DejaVu Sans files from the first directory holding both. */
export function diagramFonts(directories: readonly string[] = fontDirectories()): string[] {
  const found = directories.find((dir) => FONT_FILES.every((file) => existsSync(join(dir, file))));
  if (!found) {
    throw new DiagramError(
      `diagram: the PNG is drawn with ${FONT_FAMILY} (${FONT_FILES.join(', ')}), found in none of ${directories.join(', ')}. ` +
        'Install it (Debian/Ubuntu: apt-get install fonts-dejavu-core; Fedora: dnf install dejavu-sans-fonts; macOS: brew install --cask font-dejavu), ' +
        'set DIAGRAM_FONT_DIR to the folder holding those files, or pass --no-png.',
    );
  }
  return FONT_FILES.map((file) => join(found, file));
}
