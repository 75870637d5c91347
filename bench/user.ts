/**
 * User service read path under load: autocannon on `GET /users/:id` (a cache hit, served from
 * Redis) against the real service process (its production esbuild bundle) on the local engines,
 * beside its floor: node:http + the same Redis GET through the kit's Redis client + the same
 * JSON body, no framework (bench/floors/user-read.ts). Bare node:http and a minimal Hono app
 * answering the same body stay as references. All rows run in the same interleaved rounds, same
 * connections and duration.
 *
 * Tracing cost (issue 11): the service runs twice, at production tracing settings (every span
 * recorded, OTLP/HTTP JSON export to a local sink that answers 200) and with
 * `OTEL_SDK_DISABLED=true`; the sink's counts show whether spans were exported at all.
 * The service runs as in production (NODE_ENV=production, LOG_LEVEL=info: fast successful reads
 * are logged at debug, so not written; ADR 0005). Redis INFO `keyspace_hits` proves cache hits.
 * Run: `npm run bench -- user` (BENCH_SECONDS, BENCH_ROUNDS tune it; BENCH_CPU_PROF=<dir> profiles the
 * traced and untraced service, see bench/profile-summary.ts).
 */
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { provisionNamespace, startEngines } from '../scripts/engines';
import { freePort, spawnManaged, type ManagedProcess } from '../scripts/engines/process';
import { waitForHttpOk } from '../scripts/engines/service-process';
import { buildService } from '../scripts/build-services';
import { startOtlpSink } from './otlp-sink';
import { combine, interleave, loadRound, machineRecorder, measuredTable, pairedRatio, round2, round3, writeReport, type Measured, type Report } from './report';

const ROOT = join(__dirname, '..');
const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 2;

const BARE_SERVER = `
const http = require('node:http');
const body = process.env.BODY;
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// The same body from Hono with nothing else: what the framework alone allows on this machine.
const HONO_MINIMAL_SERVER = `
const { Hono } = require('hono');
const { serve } = require('@hono/node-server');
const body = JSON.parse(process.env.BODY);
const app = new Hono();
app.get('*', (c) => c.json(body));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
`;

/** OpenTelemetry settings of a production task (decision 0015): every span recorded, OTLP/HTTP. */
const tracingEnv = (endpoint: string): Record<string, string> => ({
  OTEL_SDK_DISABLED: 'false',
  // BENCH_TRACES_SAMPLER=always_off separates the cost of tracing being on from that of recording and exporting.
  OTEL_TRACES_SAMPLER: process.env.BENCH_TRACES_SAMPLER ?? 'always_on',
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
});

const keyspaceHits = async (redis: Redis): Promise<number> => Number(/keyspace_hits:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);

export async function runUserBench(): Promise<Report> {
  const machine = machineRecorder();
  const engines = await startEngines();
  const procs: ManagedProcess[] = [];
  const redis = new Redis(engines.redis.url);
  const sink = await startOtlpSink();
  const PATH = process.env.PATH ?? '';
  const start = async (label: string, args: string[], env: Record<string, string>, probePath = '/'): Promise<{ url: string; pid: number }> => {
    const port = await freePort();
    const proc = spawnManaged(process.execPath, args, { cwd: ROOT, env: { PATH, ...env, PORT: String(port) } });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${url}${probePath}`, proc);
    if (proc.child.pid === undefined) throw new Error(`bench: ${label} has no pid`);
    return { url, pid: proc.child.pid };
  };
  try {
    const envs = await provisionNamespace(engines, `bench${Date.now().toString(36)}`, undefined, { NODE_ENV: 'production', LOG_LEVEL: 'info' });
    // The production artifact (the esbuild bundle the image runs), not the tsx dev loader.
    const bundle = await buildService('user');
    const serviceEnv = { ...envs.user! };
    // BENCH_CPU_PROF=<dir>: both services run from source (so the profiles name packages and files,
    // not one bundle) and write V8 CPU profiles on exit to <dir>/traced and <dir>/untraced
    // (bench/profile-summary.ts reads them): the tracing cost is the difference.
    const profileDir = process.env.BENCH_CPU_PROF;
    const serviceArgs = (profile: string): string[] =>
      profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, profile), '--import', 'tsx', join(ROOT, 'services', 'user', 'main.ts')] : [bundle.outfile];
    const traced = await start('service (traced)', serviceArgs('traced'), { ...serviceEnv, ...tracingEnv(sink.url) }, '/health/ready');
    const untraced = await start('service (untraced)', serviceArgs('untraced'), { ...serviceEnv, OTEL_SDK_DISABLED: 'true' }, '/health/ready');

    const credentials = { email: `bench-${Date.now()}@example.com`, password: 'bench password 1' };
    const created = await fetch(`${traced.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, name: 'Bench User' }),
    });
    if (created.status !== 201) throw new Error(`bench: register answered ${created.status}`);
    const user = (await created.json()) as { id: string };
    const login = await fetch(`${traced.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const path = `/users/${user.id}`;
    const headers = { authorization: `Bearer ${accessToken}` };
    const sample = await fetch(`${traced.url}${path}`, { headers });
    const body = await sample.text();
    if (sample.status !== 200) throw new Error(`bench: GET answered ${sample.status} ${body}`);

    const floor = await start('floor', ['--import', 'tsx', join(__dirname, 'floors', 'user-read.ts')], { REDIS_URL: engines.redis.url }, path);
    const floorBody = await (await fetch(`${floor.url}${path}`)).text();
    if (floorBody !== body) throw new Error(`bench: the floor answers a different body:\n${floorBody}\n${body}`);
    const bare = await start('bare node:http', ['-e', BARE_SERVER], { BODY: body });
    const hono = await start('minimal Hono', ['-e', HONO_MINIMAL_SERVER], { BODY: body });

    const target = (t: { url: string; pid: number }, durationSeconds = DURATION_SECONDS) => () =>
      loadRound({ url: `${t.url}${path}`, headers, connections: CONNECTIONS, durationSeconds, pid: t.pid });
    for (const t of [floor, bare, hono, traced, untraced]) await target(t, WARMUP_SECONDS)();

    const hitsBefore = await keyspaceHits(redis);
    const rounds = await interleave(ROUNDS, {
      floor: target(floor),
      service: target(traced),
      serviceUntraced: target(untraced),
      bare: target(bare),
      hono: target(hono),
    });
    const cacheHits = (await keyspaceHits(redis)) - hitsBefore;
    for (const [name, rs] of Object.entries(rounds)) {
      const errors = rs.reduce((n, r) => n + r.errors, 0);
      if (errors > 0) throw new Error(`bench: ${errors} errors or non-2xx answers from ${name}`);
    }
    const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, combine(v)])) as Record<keyof typeof rounds, Measured>;
    const floorRatio = pairedRatio(rounds.service, rounds.floor);
    const untracedFloorRatio = pairedRatio(rounds.serviceUntraced, rounds.floor);
    const tracingCostPercent = round2((1 - pairedRatio(rounds.service, rounds.serviceUntraced)) * 100);
    const p99Ratio = round3(m.service.p99Ms / Math.max(m.floor.p99Ms, 1));
    // Floor CPU ÷ service CPU per request: what floorRatio tends to once the cores are saturated
    // (then CPU, not Redis or the load generator, bounds both).
    const cpuRatio = round3(m.floor.cpuMicrosPerRequest! / m.service.cpuMicrosPerRequest!);
    const serviceRequests = m.service.requests + m.serviceUntraced.requests;
    const exported = sink.received();

    return writeReport({
      name: 'user',
      title: 'User service: `GET /users/:id` (cache hit) against its floor',
      machine,
      floorRatio,
      service: m.service,
      floor: m.floor,
      references: { serviceUntraced: m.serviceUntraced, bareNodeHttp: m.bare, honoMinimal: m.hono },
      targets: [
        { what: 'floorRatio', value: floorRatio, op: '>=', limit: 0.7 },
        { what: 'p99 ÷ floor p99', value: p99Ratio, op: '<=', limit: 2 },
        { what: 'tracing cost %', value: tracingCostPercent, op: '<=', limit: 10 },
      ],
      headline: `${m.service.requestsPerSecond} req/s vs floor ${m.floor.requestsPerSecond}, p99 ${m.service.p99Ms} vs ${m.floor.p99Ms} ms, ${m.service.cpuMicrosPerRequest} µs CPU/req (floor ${m.floor.cpuMicrosPerRequest}, ratio ${cpuRatio})`,
      details: { connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, rounds: ROUNDS, untracedFloorRatio, cpuRatio, tracingCostPercent, p99Ratio, cacheHits, serviceRequests, otlpExports: exported, samples: rounds },
      body: `autocannon, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION_SECONDS} s per row (order rotated each round) after a
${WARMUP_SECONDS}-s warm-up, same run; figures are medians over rounds, ratios the median of per-round ratios. The load
generator shares the machine. CPU µs/req is user + system time of the row's own process (/proc) per request served.

${measuredTable([
  ['**floor**: node:http + kit Redis client GET + same JSON body (bench/floors/user-read.ts)', m.floor],
  ['**user service** (production bundle, tracing on: always_on, OTLP/HTTP JSON to a local sink)', m.service],
  ['user service, `OTEL_SDK_DISABLED=true`', m.serviceUntraced],
  ['bare node:http, same body, no I/O (reference)', m.bare],
  ['minimal Hono app, same body, no I/O (reference)', m.hono],
])}

- **floorRatio ${floorRatio}** (service ÷ floor); untraced ${untracedFloorRatio}. p99 ÷ floor p99: ${p99Ratio}.
- CPU per request, floor ÷ service: **${cpuRatio}**. With idle cores the service's throughput is bounded with the floor's by
  Redis and the load generator and floorRatio is well above this; on saturated cores floorRatio falls towards it.
- **Tracing cost ${tracingCostPercent} %** of throughput (traced vs \`OTEL_SDK_DISABLED=true\`, same rounds). The sink received
  ${JSON.stringify(exported)} (the traced service exports 2 spans per request, in batches of 512).
- The minimal Hono app reaches ${round3(m.hono.requestsPerSecond / m.bare.requestsPerSecond)} of bare node:http with no I/O at all.
- Redis \`keyspace_hits\` grew by ${cacheHits} over ${serviceRequests + m.floor.requests} service and floor requests: the reads were cache hits.

The service does per request what the floor does not: the kit's request context (request id, security
headers, access-log decision), JWT verification (a verified token is remembered, its claims re-checked),
zod validation of the path parameter, the revocation check and the handler sharing one cache read, and
the Hono/zod-openapi routing and Response → node:http conversion.
`,
    });
  } finally {
    redis.disconnect();
    await Promise.all(procs.map((p) => p.stop()));
    await sink.close();
    await engines.stopAll();
  }
}

if (require.main === module) {
  runUserBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
