/**
 * User service read path under load: autocannon on `GET /users/:id` (a cache hit, served from
 * Redis) against the real service process (its production esbuild bundle) on the local engines, beside a bare `node:http`
 * server answering a same-sized JSON body, measured in the same run with the same connections
 * and duration. The service runs as in production (NODE_ENV=production, LOG_LEVEL=info: fast
 * successful reads are logged at debug, so not written; ADR 0005). Redis INFO `keyspace_hits`
 * proves the reads were cache hits.
 * Writes bench/results/user.{json,md}. Run: `npm run bench -- user` or `npx tsx bench/user.ts`.
 */
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { provisionNamespace, startEngines } from '../scripts/engines';
import { freePort, spawnManaged, type ManagedProcess } from '../scripts/engines/process';
import { waitForHttpOk } from '../scripts/engines/service-process';
import { buildService } from '../scripts/build-services';

const RESULTS = join(__dirname, 'results');
const CONNECTIONS = 50;
/** Each target is measured in ROUNDS interleaved rounds (bare, Hono, service, bare, …) so a load
 * spike from elsewhere on the machine hits all three alike; the round with the median rate counts. */
const ROUNDS = 3;
const DURATION_SECONDS = 6;
const WARMUP_SECONDS = 2;
const TARGET_RATIO = 0.5;

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  requests: number;
}

export interface UserBenchResult {
  node: string;
  connections: number;
  durationSeconds: number;
  rounds: number;
  /** Requests the service answered over all rounds (compare with cacheHits). */
  serviceRequests: number;
  baseline: Measured;
  /** Reference, not the target's baseline: a minimal Hono app on @hono/node-server (the framework's ceiling here). */
  honoMinimal: Measured;
  honoMinimalRatio: number;
  service: Measured;
  ratio: number;
  target: number;
  meetsTarget: boolean;
  cacheHits: number;
  logLevel: string;
  loadAverage: number;
}

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

const load = async (url: string, headers: Record<string, string>, duration: number): Promise<Measured> => {
  const r = await autocannon({ url, connections: CONNECTIONS, duration, headers });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    requests: r.requests.total,
  };
};

const medianRound = (rounds: Measured[]): Measured =>
  [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(rounds.length / 2)]!;

const keyspaceHits = async (redis: Redis): Promise<number> => Number(/keyspace_hits:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);

/** `logLevel` other than `info` (production) is for attributing cost, e.g. `warn` drops the access log. */
export async function runUserBench({ logLevel = 'info' }: { logLevel?: string } = {}): Promise<UserBenchResult> {
  const engines = await startEngines();
  const procs: ManagedProcess[] = [];
  const redis = new Redis(engines.redis.url);
  try {
    const envs = await provisionNamespace(engines, `bench${Date.now().toString(36)}`, undefined, { NODE_ENV: 'production', LOG_LEVEL: logLevel });
    const servicePort = await freePort();
    // The production artifact (the esbuild bundle the image runs), not the tsx dev loader.
    const bundle = await buildService('user');
    const service = spawnManaged(process.execPath, [bundle.outfile], { env: { PATH: process.env.PATH ?? '', ...envs.user, PORT: String(servicePort) } });
    procs.push(service);
    const serviceUrl = `http://127.0.0.1:${servicePort}`;
    await waitForHttpOk(`${serviceUrl}/health/ready`, service);

    const credentials = { email: `bench-${Date.now()}@example.com`, password: 'bench password 1' };
    const created = await fetch(`${serviceUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, name: 'Bench User' }),
    });
    if (created.status !== 201) throw new Error(`bench: register answered ${created.status}`);
    const user = (await created.json()) as { id: string };
    const login = await fetch(`${serviceUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const target = `${serviceUrl}/users/${user.id}`;
    const auth = { authorization: `Bearer ${accessToken}` };
    const sample = await fetch(target, { headers: auth });
    const body = await sample.text();
    if (sample.status !== 200) throw new Error(`bench: GET answered ${sample.status} ${body}`);

    const barePort = await freePort();
    const bare = spawnManaged(process.execPath, ['-e', BARE_SERVER], { env: { PATH: process.env.PATH ?? '', PORT: String(barePort), BODY: body } });
    procs.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    await waitForHttpOk(bareUrl, bare);

    const honoPort = await freePort();
    const hono = spawnManaged(process.execPath, ['-e', HONO_MINIMAL_SERVER], {
      cwd: join(__dirname, '..'),
      env: { PATH: process.env.PATH ?? '', PORT: String(honoPort), BODY: body },
    });
    procs.push(hono);
    const honoUrl = `http://127.0.0.1:${honoPort}/`;
    await waitForHttpOk(honoUrl, hono);

    await load(bareUrl, auth, WARMUP_SECONDS);
    await load(honoUrl, auth, WARMUP_SECONDS);
    await load(target, auth, WARMUP_SECONDS);
    const rounds = { bare: [] as Measured[], hono: [] as Measured[], service: [] as Measured[] };
    let cacheHits = 0;
    for (let round = 0; round < ROUNDS; round++) {
      rounds.bare.push(await load(bareUrl, auth, DURATION_SECONDS));
      rounds.hono.push(await load(honoUrl, auth, DURATION_SECONDS));
      const hitsBefore = await keyspaceHits(redis);
      const serviceRound = await load(target, auth, DURATION_SECONDS);
      cacheHits += (await keyspaceHits(redis)) - hitsBefore;
      if (serviceRound.non2xx > 0 || serviceRound.errors > 0) {
        throw new Error(`bench: ${serviceRound.non2xx} non-2xx and ${serviceRound.errors} errors from the service`);
      }
      rounds.service.push(serviceRound);
    }
    const baseline = medianRound(rounds.bare);
    const honoMinimal = medianRound(rounds.hono);
    const measured = medianRound(rounds.service);
    const serviceRequests = rounds.service.reduce((sum, r) => sum + r.requests, 0);

    const ratioTo = (base: Measured) => Math.round((measured.requestsPerSecond / base.requestsPerSecond) * 1000) / 1000;
    const ratio = ratioTo(baseline);
    const result: UserBenchResult = {
      node: process.version,
      connections: CONNECTIONS,
      durationSeconds: DURATION_SECONDS,
      rounds: ROUNDS,
      serviceRequests,
      baseline,
      honoMinimal,
      honoMinimalRatio: ratioTo(honoMinimal),
      service: measured,
      ratio,
      target: TARGET_RATIO,
      meetsTarget: ratio >= TARGET_RATIO,
      cacheHits,
      logLevel,
      loadAverage: Math.round(loadavg()[0] * 100) / 100,
    };
    mkdirSync(RESULTS, { recursive: true });
    const file = logLevel === 'info' ? 'user' : `user-${logLevel}`;
    writeFileSync(join(RESULTS, `${file}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${file}.md`), markdown(result));
    console.log(markdown(result));
    return result;
  } finally {
    redis.disconnect();
    await Promise.all(procs.map((p) => p.stop()));
    await engines.stopAll();
  }
}

const markdown = (r: UserBenchResult): string => `# User service: \`GET /users/:id\` (cache hit) vs bare node:http

autocannon, ${r.connections} connections, ${r.rounds} interleaved rounds of ${r.durationSeconds} s per target after a warm-up (median round shown), same run,
Node ${r.node}, LOG_LEVEL=${r.logLevel}, 1-minute load average ${r.loadAverage} on this shared 2-core machine (the load
generator shares it). The service runs as in production (JWT verification, zod params, Redis
cache-aside with zod validation of the cached entry, secure headers, request id; at LOG_LEVEL=info
a fast successful read writes no access-log line, see docs/decisions/0005-access-log-policy.md).

| Target | requests/s | p50 ms | p99 ms | requests |
| --- | ---: | ---: | ---: | ---: |
| bare node:http JSON server (baseline) | ${r.baseline.requestsPerSecond} | ${r.baseline.p50Ms} | ${r.baseline.p99Ms} | ${r.baseline.requests} |
| minimal Hono app, same body (reference) | ${r.honoMinimal.requestsPerSecond} | ${r.honoMinimal.p50Ms} | ${r.honoMinimal.p99Ms} | ${r.honoMinimal.requests} |
| user service \`GET /users/:id\` | ${r.service.requestsPerSecond} | ${r.service.p50Ms} | ${r.service.p99Ms} | ${r.service.requests} |

**Ratio ${r.ratio}** to bare node:http (target ≥ ${r.target}: ${r.meetsTarget ? 'met' : '**not met**'}).
Ratio to the minimal Hono app: ${r.honoMinimalRatio} — the minimal Hono app itself reaches
${Math.round((r.honoMinimal.requestsPerSecond / r.baseline.requestsPerSecond) * 1000) / 1000} of bare node:http, which bounds what any Hono service can score.
Redis \`keyspace_hits\` grew by ${r.cacheHits} during the measured rounds
(${r.serviceRequests} requests): the reads were served from the cache.
`;

if (require.main === module) {
  runUserBench({ logLevel: process.argv[2] }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
