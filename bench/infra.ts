/**
 * Infra toolchain bench (`npm run bench -- infra`).
 *
 * (a) Synthesis of every environment in validation mode: `npx tsx main.ts` (what cdktf.json and the
 *     scripts run) beside a naive baseline, the same app run through type-checking ts-node with every
 *     provider class imported from the package root.
 * (b) `npm run typecheck` (cold) beside `tsc` over that root-import baseline.
 *
 * The baseline is generated, not hand-written: main.ts's import graph is copied to a temp dir
 * twice, verbatim ("submodule") and with each `@cdktf/provider-aws/lib/<x>` import rewritten to the
 * package root ("root"). Both copies are the same code, so their difference is the import style
 * alone; the baseline's synthesized stacks are compared with the real ones to prove it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { runKeepingTail } from './processes';
import { median } from './report';

const ROOT = resolve(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const TARGETS = { synthSeconds: 8, synthRssMb: 700, typecheckSeconds: 20 } as const;
const GNU_TIME = '/usr/bin/time';
const PROVIDER = '@cdktf/provider-aws';

interface Run {
  readonly seconds: number;
  /** User + system CPU of the whole tree (GNU time only): less sensitive to a loaded machine. */
  readonly cpuSeconds?: number;
  readonly rssMb: number;
  readonly exitCode: number;
}

export interface Measurement {
  readonly label: string;
  readonly command: string;
  readonly runs: readonly Run[];
  readonly medianSeconds: number;
  readonly medianCpuSeconds?: number;
  /** Peak resident set size of the largest process in the command's tree, worst run. */
  readonly peakRssMb: number;
  /** Non-zero exits (e.g. type errors): the timing is still what the command costs. */
  readonly failedRuns: number;
}

export interface InfraBenchResult {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly loadAverage: { readonly start: number; readonly end: number } };
  readonly rssSource: string;
  readonly synth: { readonly fast: Measurement; readonly baseline: Measurement; readonly equivalent: string };
  readonly typecheck: {
    readonly project: Measurement;
    readonly graphSubmodule: Measurement;
    readonly graphRoot: Measurement;
  };
  readonly targets: typeof TARGETS;
  readonly verdict: { readonly synthTime: boolean; readonly synthRss: boolean; readonly typecheckTime: boolean };
}

// ---------------------------------------------------------------------------------------------
// Measuring one command: wall time here, peak RSS from GNU time (or a preloaded probe without it).

const RSS_PROBE = `process.on('exit', () => {
  require('node:fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n');
});\n`;

async function runOnce(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, scratch: string): Promise<Run> {
  const rssFile = join(scratch, `rss-${process.hrtime.bigint()}.txt`);
  const useGnuTime = existsSync(GNU_TIME);
  const [file, argv] = useGnuTime ? [GNU_TIME, ['-v', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const probe = join(scratch, 'rss-probe.js');
  if (!useGnuTime) writeFileSync(probe, RSS_PROBE);
  const childEnv = useGnuTime
    ? env
    : { ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() };

  const started = process.hrtime.bigint();
  const { exitCode, output } = await runKeepingTail(file, argv, { cwd, env: childEnv }, 4000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const report = existsSync(rssFile) ? readFileSync(rssFile, 'utf8') : '';
  // GNU time: "Maximum resident set size (kbytes): N"; the probe: one maxRSS (KiB) line per process.
  const kib = useGnuTime
    ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)?.[1] ?? NaN)
    : Math.max(...report.split('\n').filter(Boolean).map(Number));
  if (!Number.isFinite(kib)) throw new Error(`bench: no RSS reading for "${cmd} ${args.join(' ')}"\n${output}`);
  if (exitCode !== 0) console.warn(`  (exit ${exitCode}) ${output.trim().split('\n').slice(-3).join(' | ')}`);
  const cpu = (label: string) => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(report)?.[1] ?? NaN);
  const cpuSeconds = cpu('User') + cpu('System');
  return { seconds, ...(Number.isFinite(cpuSeconds) ? { cpuSeconds } : {}), rssMb: kib / 1024, exitCode };
}

function summarize(label: string, command: string, runs: Run[]): Measurement {
  const cpu = runs.flatMap((r) => (r.cpuSeconds === undefined ? [] : [r.cpuSeconds]));
  const m = {
    label,
    command,
    runs,
    medianSeconds: median(runs.map((r) => r.seconds)),
    ...(cpu.length === runs.length ? { medianCpuSeconds: median(cpu) } : {}),
    peakRssMb: Math.max(...runs.map((r) => r.rssMb)),
    failedRuns: runs.filter((r) => r.exitCode !== 0).length,
  };
  console.log(`  ${label}: median ${m.medianSeconds.toFixed(2)} s (CPU ${m.medianCpuSeconds?.toFixed(2) ?? 'n/a'} s), peak RSS ${m.peakRssMb.toFixed(0)} MB (${runs.length} runs)`);
  return m;
}

interface Job {
  readonly label: string;
  readonly cmd: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs before each measured run (e.g. a fresh output dir). */
  readonly before?: (run: number) => void;
}

/** Runs the jobs interleaved (A B A B ...) so load from other processes hits all of them alike. */
async function measureInterleaved(jobs: Job[], runs: number, scratch: string): Promise<Measurement[]> {
  const results: Run[][] = jobs.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [i, job] of jobs.entries()) {
      job.before?.(run);
      results[i].push(await runOnce(job.cmd, job.args, job.cwd, job.env, scratch));
    }
  }
  return jobs.map((job, i) => summarize(job.label, [job.cmd, ...job.args].join(' '), results[i]));
}

// ---------------------------------------------------------------------------------------------
// The baseline: main.ts's import graph, copied verbatim and with provider imports from the root.

const RELATIVE_IMPORT = /(?:from|import)\s+['"](\.{1,2}\/[^'"]+)['"]/g;
const PROVIDER_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]@cdktf\/provider-aws\/lib\/([a-z0-9-]+)['"];?/g;

function importGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const base = resolve(dirname(file), spec);
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
      if (!target) throw new Error(`bench: cannot resolve ${spec} from ${relative(ROOT, file)}`);
      if (target.endsWith('.ts')) visit(target);
    }
  };
  visit(entry);
  return [...seen];
}

/** `lib/<dir>` → the namespace the package root exports it as (`export * as <ns> from './<dir>'`). */
function providerNamespaces(): Map<string, string> {
  const index = readFileSync(join(ROOT, 'node_modules', PROVIDER, 'lib', 'index.d.ts'), 'utf8');
  return new Map([...index.matchAll(/export \* as (\w+) from '\.\/([a-z0-9-]+)';/g)].map(([, ns, dir]) => [dir, ns]));
}

function toRootImports(source: string, namespaces: Map<string, string>, file: string): string {
  let rewritten = false;
  const out = source.replace(PROVIDER_IMPORT, (_match, _type: string | undefined, names: string, dir: string) => {
    const ns = namespaces.get(dir);
    if (!ns) throw new Error(`bench: ${PROVIDER} root does not export lib/${dir} (${file})`);
    rewritten = true;
    return names
      .split(',')
      .map((n) => n.trim().replace(/^type\s+/, ''))
      .filter(Boolean)
      .map((n) => {
        const [imported, local = imported] = n.split(/\s+as\s+/);
        // `import X = ns.X` aliases both the value and the type, like the named import did.
        return `import ${local} = __providerAws.${ns}.${imported};`;
      })
      .join('\n');
  });
  if (out.includes(`${PROVIDER}/lib/`)) throw new Error(`bench: unrewritten provider import left in ${file}`);
  return rewritten ? `import * as __providerAws from '${PROVIDER}';\n${out}` : out;
}

/** tsconfig for ts-node and tsc over a copy: the project's strictness, CommonJS output for ts-node. */
function baselineTsconfig(): string {
  const project = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const {
    incremental: _incremental,
    tsBuildInfoFile: _tsBuildInfoFile,
    isolatedModules: _isolatedModules,
    ...compilerOptions
  } = project.compilerOptions;
  return JSON.stringify(
    {
      compilerOptions: { ...compilerOptions, module: 'commonjs', moduleResolution: 'node10', types: ['node'] },
      include: ['**/*.ts'],
      exclude: ['node_modules', 'out'],
    },
    null,
    2,
  );
}

function prepareCopies(scratch: string): { submodule: string; root: string; files: number } {
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  const files = importGraph(join(ROOT, 'main.ts'));
  const namespaces = providerNamespaces();
  const dirs = { submodule: join(scratch, 'submodule'), root: join(scratch, 'root') };
  for (const [kind, dir] of Object.entries(dirs)) {
    for (const file of files) {
      const target = join(dir, relative(ROOT, file));
      mkdirSync(dirname(target), { recursive: true });
      const source = readFileSync(file, 'utf8');
      writeFileSync(target, kind === 'root' ? toRootImports(source, namespaces, relative(ROOT, file)) : source);
    }
    writeFileSync(join(dir, 'tsconfig.json'), baselineTsconfig());
  }
  return { ...dirs, files: files.length };
}

/** Resource types and counts per stack, to show the baseline synthesizes the same platform. */
function stackShape(outdir: string): Record<string, Record<string, number>> {
  const stacks = join(outdir, 'stacks');
  return Object.fromEntries(
    readdirSync(stacks).map((stack) => {
      const tf = JSON.parse(readFileSync(join(stacks, stack, 'cdk.tf.json'), 'utf8'));
      const counts = Object.fromEntries(
        Object.entries<Record<string, unknown>>(tf.resource ?? {}).map(([type, byId]) => [type, Object.keys(byId).length]),
      );
      return [stack, counts];
    }),
  );
}

// ---------------------------------------------------------------------------------------------

export async function runInfraBench(): Promise<InfraBenchResult & { summary: string }> {
  const runs = Number(process.env.BENCH_INFRA_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('BENCH_INFRA_RUNS must be a positive integer');
  const scratch = mkdtempSync(join(tmpdir(), 'infra-bench-'));
  const loadAtStart = loadavg()[0];
  try {
    const copies = prepareCopies(scratch);
    console.log(`  baseline: ${copies.files} files of main.ts's import graph copied to ${scratch}`);
    const out = (name: string) => join(scratch, 'out', name);
    const fresh = (dir: string) => {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    };
    const synthEnv = (outdir: string, extra: NodeJS.ProcessEnv = {}) => ({
      ...process.env,
      ...extra,
      PLATFORM_VALIDATION_MODE: '1',
      CDKTF_OUTDIR: outdir,
    });

    console.log('  (a) synth, all environments, validation mode');
    const [fast, baseline] = await measureInterleaved(
      [
        {
          label: 'tsx main.ts (submodule imports)',
          cmd: 'npx',
          args: ['tsx', 'main.ts'],
          cwd: ROOT,
          env: synthEnv(out('fast')),
          before: () => fresh(out('fast')),
        },
        {
          label: 'ts-node main.ts (type-checking, root imports)',
          cmd: 'npx',
          args: ['ts-node', 'main.ts'],
          cwd: copies.root,
          // Type errors are logged, not fatal: the baseline pays for type-checking either way.
          env: synthEnv(out('baseline'), { TS_NODE_PROJECT: join(copies.root, 'tsconfig.json'), TS_NODE_LOG_ERROR: 'true' }),
          before: () => fresh(out('baseline')),
        },
      ],
      runs,
      scratch,
    );
    for (const m of [fast, baseline]) {
      if (m.failedRuns > 0) throw new Error(`bench: "${m.command}" failed; a failed synthesis measures nothing`);
    }
    const same = JSON.stringify(stackShape(out('fast'))) === JSON.stringify(stackShape(out('baseline')));
    const equivalent = same
      ? `yes: identical resource types and counts in every stack (${Object.keys(stackShape(out('fast'))).join(', ')})`
      : 'NO: the baseline synthesized different stacks; its numbers are not comparable';

    console.log('  (b) typecheck (cold: no incremental build info)');
    const tsc = (dir: string) => ({ cmd: 'npx', args: ['tsc', '--noEmit', '-p', join(dir, 'tsconfig.json')], cwd: dir, env: process.env });
    const [project, graphSubmodule, graphRoot] = await measureInterleaved(
      [
        {
          label: 'npm run typecheck (whole project)',
          cmd: 'npm',
          args: ['run', 'typecheck', '--', '--tsBuildInfoFile', join(scratch, 'cold.tsbuildinfo')],
          cwd: ROOT,
          env: process.env,
          before: () => rmSync(join(scratch, 'cold.tsbuildinfo'), { force: true }),
        },
        { label: "tsc, main.ts's graph, submodule imports", ...tsc(copies.submodule) },
        { label: "tsc, main.ts's graph, root imports (baseline)", ...tsc(copies.root) },
      ],
      runs,
      scratch,
    );

    const result: InfraBenchResult = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverage: { start: loadAtStart, end: loadavg()[0] } },
      rssSource: existsSync(GNU_TIME) ? `${GNU_TIME} -v (largest process in the tree)` : 'process.resourceUsage().maxRSS probe (largest process)',
      synth: { fast, baseline, equivalent },
      typecheck: { project, graphSubmodule, graphRoot },
      targets: TARGETS,
      verdict: {
        synthTime: fast.medianSeconds <= TARGETS.synthSeconds,
        synthRss: fast.peakRssMb <= TARGETS.synthRssMb,
        typecheckTime: project.medianSeconds <= TARGETS.typecheckSeconds,
      },
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'infra.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'infra.md'), markdown(result));
    console.log(`  wrote ${relative(ROOT, join(RESULTS, 'infra.md'))}`);
    const summary = `infra: synth ${fast.medianSeconds.toFixed(2)} s (target ≤ ${TARGETS.synthSeconds}: ${result.verdict.synthTime ? 'met' : 'NOT met'}), ${fast.peakRssMb.toFixed(0)} MB; typecheck ${project.medianSeconds.toFixed(2)} s (target ≤ ${TARGETS.typecheckSeconds}: ${result.verdict.typecheckTime ? 'met' : 'NOT met'}); baseline synth ${(baseline.medianSeconds / fast.medianSeconds).toFixed(1)}× slower; load ${loadAtStart.toFixed(2)} on ${cpus().length} cores`;
    console.log(`SUMMARY ${summary}`);
    return { ...result, summary };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function markdown(r: InfraBenchResult): string {
  const s = (m: Measurement) => `${m.medianSeconds.toFixed(2)} s`;
  const cpu = (m: Measurement) => (m.medianCpuSeconds === undefined ? 'n/a' : `${m.medianCpuSeconds.toFixed(2)} s`);
  const mb = (m: Measurement) => `${m.peakRssMb.toFixed(0)} MB`;
  const ratio = (base: number, fast: number) => `${(base / fast).toFixed(1)}×`;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const row = (m: Measurement) =>
    `| ${m.label} | \`${m.command.replace(ROOT, '.').replace(/\/tmp\/infra-bench-\w+/g, '<tmp>')}\` | ${s(m)} | ${cpu(m)} | ${mb(m)} | ${m.failedRuns ? `${m.failedRuns} non-zero exits` : 'ok'} |`;
  const { fast, baseline } = r.synth;
  const { project, graphSubmodule, graphRoot } = r.typecheck;
  return `# Infra toolchain bench

${r.date} · ${r.machine.cpus} CPUs (shared; 1-min load average ${r.machine.loadAverage.start.toFixed(1)} at start, ${r.machine.loadAverage.end.toFixed(1)} at end) · Node ${r.machine.node} · ${fast.runs.length} runs each, interleaved · time = median wall clock (targets apply to it; CPU time shows how much of it is contention), RSS = ${r.rssSource}, worst run.

## (a) Synthesis of all environments (validation mode)

| Run | Command | Wall time | CPU (user+sys) | Peak RSS | Exit |
| --- | --- | --- | --- | --- | --- |
${row(fast)}
${row(baseline)}

Baseline ÷ ours: **${ratio(baseline.medianSeconds, fast.medianSeconds)} time, ${ratio(baseline.peakRssMb, fast.peakRssMb)} memory**.
Targets (ours): ≤ ${r.targets.synthSeconds} s → ${ok(r.verdict.synthTime)}; ≤ ${r.targets.synthRssMb} MB → ${ok(r.verdict.synthRss)}.
Same platform? ${r.synth.equivalent}.

## (b) Type-checking (cold, no incremental build info)

| Run | Command | Wall time | CPU (user+sys) | Peak RSS | Exit |
| --- | --- | --- | --- | --- | --- |
${row(project)}
${row(graphSubmodule)}
${row(graphRoot)}

Same code, root vs submodule imports: **${ratio(graphRoot.medianSeconds, graphSubmodule.medianSeconds)} time, ${ratio(graphRoot.peakRssMb, graphSubmodule.peakRssMb)} memory**.
Target: \`npm run typecheck\` ≤ ${r.targets.typecheckSeconds} s → ${ok(r.verdict.typecheckTime)}.

## What the baseline is

Generated for each run of this bench, not hand-written: the files reachable from \`main.ts\` are
copied to a temp dir twice, verbatim and with every \`import { X } from '${PROVIDER}/lib/<dir>'\`
rewritten to \`import X = providerAws.<namespace>.X\` over \`import * as providerAws from '${PROVIDER}'\`
(the package root, which loads all provider bindings and their typings). Both copies use the project's
compiler options with CommonJS output (ts-node needs it). The baseline synth runs that root-import copy
through \`ts-node\` with type-checking on (errors logged, not fatal). \`npm run typecheck\` covers the
whole repository (services, tests, scripts), more than the import graph the baseline rows cover, so
its row is conservative; the two graph rows compare like with like.
`;
}
