/**
 * `npm run validate`: offline proof that every environment plans (docs/decisions/0002).
 *
 * Synthesizes all stacks in validation mode into .validate/cdktf.out, then per stack runs
 * `terraform init`, `validate` and `plan` with a CLI config this script writes (provider from a
 * filesystem mirror when one exists, else the registry) and a shared plugin cache. Prints one line
 * per stack with the planned resource count and timings; stops at the first failure, printing
 * Terraform's own message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
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

function terraform(cwd: string, env: NodeJS.ProcessEnv, args: string[]): { stdout: string; seconds: number } {
  const started = performance.now();
  const result = spawnSync('terraform', [...args, '-no-color'], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run terraform: ${result.error.message}`);
  if (result.status !== 0) {
    throw new TerraformFailure(`terraform ${args[0]} failed in ${cwd}:\n${(result.stderr || result.stdout).trim()}`);
  }
  return { stdout: result.stdout, seconds: (performance.now() - started) / 1000 };
}

interface PlannedChange {
  readonly change: { readonly actions: readonly string[] };
}

void run(() => {
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
  };

  const synthStarted = performance.now();
  synthesize(OUT_DIR, true);
  console.log(
    `synthesized ${ENVIRONMENT_NAMES.length} stacks in validation mode in ${((performance.now() - synthStarted) / 1000).toFixed(1)} s ` +
      `(providers: ${mirror ? `mirror ${mirror}` : 'registry'})`,
  );

  try {
    for (const stack of ENVIRONMENT_NAMES) {
      const dir = join(OUT_DIR, 'stacks', stack);
      const init = terraform(dir, env, ['init', '-input=false']);
      const validate = terraform(dir, env, ['validate']);
      const plan = terraform(dir, env, ['plan', '-input=false', '-lock=false', '-refresh=false', '-out=plan.tfplan']);
      const shown = JSON.parse(terraform(dir, env, ['show', '-json', 'plan.tfplan']).stdout) as { resource_changes?: PlannedChange[] };
      const changes = shown.resource_changes ?? [];
      const creates = changes.filter((c) => c.change.actions.includes('create')).length;
      console.log(
        `${stack}: plan ok, ${creates} to create (${changes.length} resources) — ` +
          `init ${init.seconds.toFixed(1)} s, validate ${validate.seconds.toFixed(1)} s, plan ${plan.seconds.toFixed(1)} s`,
      );
    }
  } catch (error) {
    if (!(error instanceof TerraformFailure)) throw error;
    console.error(error.message);
    process.exit(1);
  }
});
