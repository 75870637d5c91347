/**
 * Toolchain scale: synthesis of a generated catalog (bench/fixtures/generated-catalog.ts) of
 * 10, 20 and 30 services, to show synth time per service and that it grows linearly; synthesis of
 * all real stacks (target ≤ 3 s); and, with BENCH_VALIDATE=1, `npm run validate` of every stack
 * (target ≤ 90 s; left out of the default run because it takes that long).
 * Each synthesis is a fresh process (as `npm run synth`), timed by GNU time (wall, CPU, RSS); the
 * process also reports its in-process synthesis time (module loading excluded). Sizes are interleaved.
 * Run: `npm run bench -- scale` (BENCH_SCALE_RUNS, BENCH_VALIDATE).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { catalog } from '../services/catalog';
import { machineRecorder, median, round2, round3, writeReport, type Report } from './report';
import { runKeepingTail } from './processes';

const ROOT = resolve(__dirname, '..');
const SIZES = [10, 20, 30] as const;
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 2);
const WITH_VALIDATE = ['1', 'true'].includes(process.env.BENCH_VALIDATE ?? '');

interface Timed {
  wallSeconds: number;
  cpuSeconds: number;
  rssMb: number;
  /** The JSON line the command printed last, when it printed one. */
  output?: { synthMs: number; stacks: number };
}

/** Runs `args` under GNU time; throws with the output's tail when it fails. */
const timed = async (args: string[], scratch: string): Promise<Timed> => {
  const timeFile = join(scratch, `time-${process.hrtime.bigint()}`);
  const { exitCode, output: out } = await runKeepingTail('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...args], { cwd: ROOT }, 8000);
  if (exitCode !== 0) throw new Error(`bench: ${args.join(' ')} exited ${exitCode}\n${out.slice(-2000)}`);
  const [wall, user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const last = out.trim().split('\n').pop() ?? '';
  return {
    wallSeconds: wall!,
    cpuSeconds: round2(user! + sys!),
    rssMb: Math.round(rssKb! / 1024),
    ...(last.startsWith('{') ? { output: JSON.parse(last) as Timed['output'] } : {}),
  };
};

/** Least squares y = a + b·x and its R². */
const fit = (xs: number[], ys: number[]) => {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = ys.reduce((s, y, i) => s + (y - (intercept + slope * xs[i]!)) ** 2, 0);
  const ssTot = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  return { slope, intercept, r2: 1 - ssRes / ssTot };
};

export async function runScaleBench(): Promise<Report> {
  const machine = machineRecorder();
  const scratch = mkdtempSync(join(tmpdir(), 'scale-bench-'));
  const synth = (which: string) => timed([process.execPath, '--import', 'tsx', 'bench/fixtures/synth-catalog.ts', which, join(scratch, `out-${which}`)], scratch);
  try {
    const samples: Record<string, Timed[]> = Object.fromEntries(['real', ...SIZES.map(String)].map((k) => [k, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const which of ['real', ...SIZES.map(String)]) {
        samples[which]!.push(await synth(which));
        console.log(`  synth ${which}: ${JSON.stringify(samples[which]!.at(-1))}`);
      }
    }
    const med = (which: string, f: (t: Timed) => number) => round2(median(samples[which]!.map(f)));
    const rows = SIZES.map((n) => ({
      services: n,
      stacks: samples[String(n)]![0]!.output!.stacks,
      synthSeconds: round2(med(String(n), (t) => t.output!.synthMs) / 1000),
      wallSeconds: med(String(n), (t) => t.wallSeconds),
      cpuSeconds: med(String(n), (t) => t.cpuSeconds),
      rssMb: Math.max(...samples[String(n)]!.map((t) => t.rssMb)),
    }));
    // Linearity is judged on CPU time: on a shared machine wall time mostly measures the neighbours.
    const line = fit(rows.map((r) => r.services), rows.map((r) => r.cpuSeconds));
    const wallLine = fit(rows.map((r) => r.services), rows.map((r) => r.synthSeconds));
    const perService = rows.map((r) => round3(r.synthSeconds / r.services));
    const real = {
      stacks: samples.real![0]!.output!.stacks,
      wallSeconds: med('real', (t) => t.wallSeconds),
      synthSeconds: round2(med('real', (t) => t.output!.synthMs) / 1000),
      cpuSeconds: med('real', (t) => t.cpuSeconds),
      rssMb: Math.max(...samples.real!.map((t) => t.rssMb)),
    };
    const validate = WITH_VALIDATE ? await timed(['npm', 'run', 'validate'], scratch) : undefined;

    const targets = [
      { what: 'real stacks synth wall s', value: real.wallSeconds, op: '<=' as const, limit: 3 },
      { what: 'linear fit R² (CPU s vs services)', value: round3(line.r2), op: '>=' as const, limit: 0.98 },
      ...(validate ? [{ what: 'validate wall s', value: validate.wallSeconds, op: '<=' as const, limit: 90 }] : []),
    ];
    return writeReport({
      name: 'scale',
      title: 'Toolchain scale: synth of a generated 10/20/30-service catalog, real synth, validate',
      machine,
      targets,
      headline: `${round3(line.slope)} CPU s per service (R² ${round3(line.r2)}), 30 services ${rows[2]!.synthSeconds} s synth / ${rows[2]!.cpuSeconds} CPU s; real stacks ${real.wallSeconds} s wall (${real.synthSeconds} s in process)${
        validate ? `; validate ${validate.wallSeconds} s` : '; validate not run (BENCH_VALIDATE=1)'
      }`,
      details: {
        runs: RUNS,
        rows,
        cpuFit: { secondsPerService: round3(line.slope), interceptSeconds: round3(line.intercept), r2: round3(line.r2) },
        wallSynthFit: { secondsPerService: round3(wallLine.slope), interceptSeconds: round3(wallLine.intercept), r2: round3(wallLine.r2) },
        perServiceSeconds: perService, real, validate: validate ?? null, samples },
      body: `${RUNS} runs of each size, interleaved, median shown; each synthesis is a fresh process (real mode and the policy pack,
as \`npm run synth\`). "synth s" is the process's own synthesis time (buildApp + synth, module loading excluded),
"wall s" the whole process under GNU time. The generated catalog is a bench fixture (copies of the three real
services, renamed per group of three; see bench/fixtures/generated-catalog.ts), each service giving one stack per environment.

| Services | stacks | synth s | s per service | wall s | CPU s | peak RSS MB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.map((r, i) => `| ${r.services} (generated) | ${r.stacks} | ${r.synthSeconds} | ${perService[i]} | ${r.wallSeconds} | ${r.cpuSeconds} | ${r.rssMb} |`).join('\n')}
| real catalog (${catalog.services.length} services) | ${real.stacks} | ${real.synthSeconds} | | **${real.wallSeconds}** | ${real.cpuSeconds} | ${real.rssMb} |

Least squares over the generated sizes: CPU s = ${round3(line.intercept)} + ${round3(line.slope)} × services, R² ${round3(line.r2)}
(the intercept is module loading); in-process synth s = ${round3(wallLine.intercept)} + ${round3(wallLine.slope)} × services, R² ${round3(wallLine.r2)}
(wall clock, so it carries the machine's contention).

\`npm run validate\` (synth + one shared \`terraform init\` + a plan per stack): ${
        validate ? `**${validate.wallSeconds} s** wall, ${validate.cpuSeconds} s CPU, peak RSS ${validate.rssMb} MB.` : 'not run in this bench run; `BENCH_VALIDATE=1 npm run bench -- scale` adds it (it takes about 90 s).'
      }
`,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runScaleBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
