/**
 * `npm run validate`: offline proof that every stack plans (docs/decisions/0002).
 *
 * Synthesizes all stacks in validation mode into .validate/cdktf.out, initializes one working
 * directory and shares it, then per stack of the manifest runs `terraform plan` (which validates
 * the configuration too) with a CLI
 * config this script writes (provider from a filesystem mirror when one exists, else the registry)
 * and a shared plugin cache, several stacks at once. Prints one line per stack with the planned
 * resource count and timings; on failure prints Terraform's own message and exits 1.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validationPlatformState } from '../modules/stacks/platform-contract';
import { IMAGE_TAG_VARIABLE } from '../modules/stacks/naming';
import { ENVIRONMENT_NAMES } from '../services/catalog';
import { run, synthesize } from './synth-support';

const WORK_DIR = resolve('.validate');
const OUT_DIR = join(WORK_DIR, 'cdktf.out');
const DEFAULT_MIRROR = '/opt/tf-plugins';

class TerraformFailure extends Error {}

/** The provider mirror to use, or undefined for the public registry. */
function providerMirror(): string | undefined {
  const configured = process.env.TF_PROVIDER_MIRROR;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`TF_PROVIDER_MIRROR=${configured} does not exist`);
    return resolve(configured);
  }
  return existsSync(DEFAULT_MIRROR) ? DEFAULT_MIRROR : undefined;
}

function writeCliConfig(mirror: string | undefined): string {
  const file = join(WORK_DIR, 'terraform.rc');
  const body = mirror
    ? `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`
    : '# no provider mirror: providers come from the public registry\n';
  writeFileSync(file, body);
  return file;
}

function terraform(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('terraform', [...args, '-no-color'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => reject(new Error(`cannot run terraform: ${error.message}`)));
    child.once('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        const stderr = Buffer.concat(err).toString('utf8');
        reject(new TerraformFailure(`terraform ${args[0]} failed in ${cwd}:\n${(stderr || stdout).trim()}`));
        return;
      }
      resolvePromise({ stdout, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** `Plan: 12 to add, 0 to change, 0 to destroy.` (or `No changes.`) from the plan's own summary. */
const PLAN_SUMMARY = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/;

interface Manifest {
  readonly stacks: Readonly<Record<string, { readonly workingDirectory: string }>>;
}

/**
 * Service stacks read their platform's outputs from its state; offline there is none, so each
 * environment gets an empty one (Terraform then uses the contract's placeholder defaults).
 */
function seedPlatformStates(): void {
  for (const env of ENVIRONMENT_NAMES) {
    const { stackDir, file } = validationPlatformState(env);
    const path = join(OUT_DIR, 'stacks', stackDir, file);
    const empty = { version: 4, terraform_version: '1.11.0', serial: 0, lineage: `validation-${env}`, outputs: {}, resources: [] };
    if (!existsSync(path)) writeFileSync(path, `${JSON.stringify(empty)}\n`);
  }
}

/** Runs `work` over `items`, at most `limit` at a time, in order of start. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}

void run(async () => {
  const started = performance.now();
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(WORK_DIR, { recursive: true });
  const pluginCache = join(WORK_DIR, 'plugin-cache');
  mkdirSync(pluginCache, { recursive: true });
  const mirror = providerMirror();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: writeCliConfig(mirror),
    TF_PLUGIN_CACHE_DIR: pluginCache,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // Service stacks require the image they deploy; any valid tag plans the same resources.
    [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: 'validation',
  };

  const synthStarted = performance.now();
  synthesize(OUT_DIR, true);
  const manifest = JSON.parse(readFileSync(join(OUT_DIR, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.keys(manifest.stacks).sort();
  seedPlatformStates();
  const concurrency = Number(process.env.VALIDATE_CONCURRENCY ?? Math.max(2, availableParallelism()));
  console.log(
    `synthesized ${stacks.length} stacks in validation mode in ${((performance.now() - synthStarted) / 1000).toFixed(1)} s ` +
      `(providers: ${mirror ? `mirror ${mirror}` : 'registry'}; planning ${concurrency} at a time)`,
  );

  const stackDir = (stack: string) => join(OUT_DIR, manifest.stacks[stack]!.workingDirectory);
  try {
    // Every stack has the same provider and the same local backend configuration (stack-setup.ts):
    // one `terraform init`, then its working directory (provider links, lock file, backend) is
    // copied to the other stacks instead of paying a provider start per init.
    const first = stackDir(stacks[0]!);
    const init = await terraform(first, env, ['init', '-input=false', '-backend=true']);
    for (const stack of stacks.slice(1)) {
      cpSync(join(first, '.terraform'), join(stackDir(stack), '.terraform'), { recursive: true, verbatimSymlinks: true });
      cpSync(join(first, '.terraform.lock.hcl'), join(stackDir(stack), '.terraform.lock.hcl'));
    }
    console.log(`initialized once in ${init.seconds.toFixed(1)} s, shared by ${stacks.length} stacks`);
    await inPool(stacks, concurrency, async (stack) => {
      const dir = stackDir(stack);
      const plan = await terraform(dir, env, ['plan', '-input=false', '-lock=false', '-refresh=false']);
      const [, add = '0', change = '0', destroy = '0'] = PLAN_SUMMARY.exec(plan.stdout) ?? [];
      console.log(
        `${stack}: plan ok, ${add} to add, ${change} to change, ${destroy} to destroy — plan ${plan.seconds.toFixed(1)} s`,
      );
    });
  } catch (error) {
    if (!(error instanceof TerraformFailure)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  console.log(`validated ${stacks.length} stacks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
