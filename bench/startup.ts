/**
 * Start-up: time from spawning a service's production bundle (`npm run build:services` output,
 * `node dist/<name>/main.js`) to its first 200 on `/health/ready`, on the local engines, a fresh
 * process every run (cold: no warm process, though the OS file cache is warm after the first run).
 * Runs are interleaved across services. Target ≤ 1 s each.
 * Run: `npm run bench -- startup` (BENCH_STARTUP_RUNS tunes it).
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { provisionNamespace, startEngines } from '../scripts/engines';
import { freePort, spawnManaged, waitUntil } from '../scripts/engines/process';
import { buildService } from '../scripts/build-services';
import { catalog } from '../services/catalog';
import { machineRecorder, median, round2, writeReport, type Report } from './report';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const TARGET_MS = 1000;

/** 200 from GET url, without fetch's own first-use cost skewing the first probe. */
const ready = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request(url, { timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });

export async function runStartupBench(): Promise<Report> {
  const machine = machineRecorder();
  const engines = await startEngines();
  try {
    const envs = await provisionNamespace(engines, `start${randomUUID().slice(0, 8)}`, undefined, { NODE_ENV: 'production', LOG_LEVEL: 'warn' });
    const names = catalog.services.map((s) => s.name);
    const bundles = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await buildService(n)).outfile] as const)));
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const name of names) {
        const port = await freePort();
        const started = performance.now();
        // Production refuses the local address list; no call is made before ready, so the callee stays by its Service Connect URL.
        const { SERVICE_ADDRESSES_LOCAL: _local, ...env } = envs[name]!;
        const proc = spawnManaged(process.execPath, [bundles[name]!], { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) } });
        try {
          await waitUntil(`${name} ready`, () => ready(`http://127.0.0.1:${port}/health/ready`), { proc, timeoutMs: 30_000, intervalMs: 5 });
          times[name]!.push(round2(performance.now() - started));
        } finally {
          await proc.stop('SIGTERM', 10_000);
        }
      }
    }
    const medians = Object.fromEntries(names.map((n) => [n, round2(median(times[n]!))]));
    const worst = Math.max(...Object.values(medians));
    return writeReport({
      name: 'startup',
      title: 'Start-up: process start to `/health/ready` (production bundles, local engines)',
      machine,
      targets: names.map((n) => ({ what: `${n} ms`, value: medians[n]!, op: '<=' as const, limit: TARGET_MS })),
      headline: `slowest median ${worst} ms (${names.map((n) => `${n} ${medians[n]}`).join(', ')})`,
      details: { runs: RUNS, samplesMs: times, mediansMs: medians },
      body: `${RUNS} runs per service, interleaved; time from \`spawn(node dist/<name>/main.js)\` to the first 200 on
\`/health/ready\` (probed every 5 ms), which needs the config, the clients, the readiness checks against the
local engines (PostgreSQL, Redis, DynamoDB Local) and the listening server.

| Service | median ms | runs (ms) |
| --- | ---: | --- |
${names.map((n) => `| ${n} | ${medians[n]} | ${times[n]!.join(', ')} |`).join('\n')}
`,
    });
  } finally {
    await engines.stopAll();
  }
}

if (require.main === module) {
  runStartupBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
