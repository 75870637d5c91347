/**
 * `npm run build:services [name...]`: bundles each catalog service's main.ts with esbuild into
 * dist/<name>/main.js (+ source map), a self-contained file the container image runs with no
 * node_modules. Only optional native add-ons are left out.
 *
 * Runtime files: code resolving `path.join(__dirname, 'migrations')` sees the bundle's folder,
 * so a service's `db/migrations/` is copied to `dist/<name>/migrations/`.
 */
import { build } from 'esbuild';
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { catalog, findService } from '../services/catalog';
import { REPO_ROOT, serviceEntry } from './engines/service-process';

// `pg` loads pg-native only when asked (`pg.native`); it is a native add-on we never ship.
const EXTERNAL = ['pg-native'];

export interface BuiltBundle {
  readonly name: string;
  readonly outfile: string;
  readonly bytes: number;
}

export const buildService = async (name: string, { outDir = path.join(REPO_ROOT, 'dist') } = {}): Promise<BuiltBundle> => {
  findService(name); // unknown names fail with the catalog's message
  const bundleDir = path.join(outDir, name);
  const outfile = path.join(bundleDir, 'main.js');
  rmSync(bundleDir, { recursive: true, force: true });
  await build({
    entryPoints: [serviceEntry(name)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Whitespace and syntax only: identifiers keep their source names, so stack traces and the
    // `type` (constructor name) of logged errors stay readable without esbuild's `keepNames`.
    // keepNames wraps every function and class field in a `__name()` (Object.defineProperty)
    // call that runs each time the function is created: Hono builds ~20 such closures per
    // request (its Context class fields), which cost ~9% of the CPU of a cached read
    // (bench/user.ts, ADR 0005). Only names that collide across modules get a numeric suffix.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    keepNames: false,
    sourcemap: true,
    external: EXTERNAL,
    legalComments: 'linked',
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
  });
  const migrations = path.join(path.dirname(serviceEntry(name)), 'db', 'migrations');
  if (existsSync(migrations)) cpSync(migrations, path.join(bundleDir, 'migrations'), { recursive: true });
  return { name, outfile, bytes: statSync(outfile).size };
};

if (require.main === module) {
  const names = process.argv.slice(2);
  const targets = names.length ? names : catalog.services.map((s) => s.name);
  void (async () => {
    for (const name of targets) {
      const { outfile, bytes } = await buildService(name);
      console.log(`${name}: ${path.relative(REPO_ROOT, outfile)} (${(bytes / 1024).toFixed(0)} KiB)`);
    }
  })().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
