/**
 * Cost of the kit's `writeGuard` (body limit + request timeout) on a write route, in process:
 * the same app and route (zod-validated JSON body) with and without the guard, driven through
 * `app.request()` so only the framework and middleware are measured (no sockets).
 * Rounds alternate between the two variants; the overhead is the median of the per-round paired
 * differences (each pair ran back to back, so load drift mostly cancels).
 * A second, isolated measurement calls the middleware itself on a prepared Context against a
 * pass-through, which removes the framework's cost and most of the noise.
 * Writes bench/results/kit-middleware.{json,md}. Run: `npx tsx bench/kit-middleware.ts`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Context } from 'hono';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createApp, writeGuard } from '../services/kit/app';
import { createLogger } from '../services/kit/logger';
import { jsonBody } from '../services/kit/openapi';
import { median, RESULTS, round2 } from './report';

// Many short paired rounds: on a shared machine, drift between rounds dwarfs a few µs.
const ROUNDS = 30;
const REQUESTS_PER_ROUND = 1000;
const WARMUP = 3000;

export interface KitMiddlewareBenchResult {
  node: string;
  rounds: number;
  requestsPerRound: number;
  bodyBytes: number;
  baselineMicrosPerRequest: number;
  guardedMicrosPerRequest: number;
  /** Median of per-round (guarded − baseline). */
  overheadMicrosPerRequest: number;
  overheadPercent: number;
  /** The middleware alone (vs a pass-through), per call. */
  isolatedMicrosPerCall: number;
  /** Fastest round of each variant: the least noisy view. */
  baselineBestMicros: number;
  guardedBestMicros: number;
  loadAverage: number;
}

const Payment = z.strictObject({ amount: z.number().int().positive(), currency: z.string().length(3), description: z.string().max(200).optional() });
const body = JSON.stringify({ amount: 1250, currency: 'EUR', description: 'x'.repeat(120) });

const buildApp = (guarded: boolean) => {
  const app = createApp({ serviceName: 'bench', logger: createLogger({ service: 'bench', level: 'silent' }) });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments',
      ...(guarded ? { middleware: [writeGuard()] as const } : {}),
      request: { body: jsonBody(Payment) },
      responses: { 201: { description: 'Created' } },
    }),
    (c) => c.json(c.req.valid('json'), 201),
  );
  return app;
};

const drive = async (app: ReturnType<typeof buildApp>, n: number): Promise<number> => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const res = await app.request('/payments', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
    if (res.status !== 201) throw new Error(`bench: unexpected status ${res.status}`);
    await res.arrayBuffer();
  }
  return Number(process.hrtime.bigint() - started) / 1000 / n; // µs per request
};

const ISOLATED_CALLS = 20_000;

/** µs per call of `mw(c, next)` over fresh POST contexts with a Content-Length body. */
const driveMiddleware = async (mw: (c: Context, next: () => Promise<void>) => Promise<unknown>, n: number): Promise<number> => {
  const contexts = Array.from(
    { length: n },
    () => new Context(new Request('http://bench/payments', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } })),
  );
  const next = async () => undefined;
  const started = process.hrtime.bigint();
  for (const c of contexts) await mw(c, next);
  return Number(process.hrtime.bigint() - started) / 1000 / n;
};

export async function runKitMiddlewareBench(): Promise<KitMiddlewareBenchResult & { summary: string }> {
  const plain = buildApp(false);
  const guarded = buildApp(true);
  await drive(plain, WARMUP);
  await drive(guarded, WARMUP);
  const base: number[] = [];
  const withGuard: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which variant goes first so drift (GC, JIT, neighbours) hits both alike.
    if (r % 2 === 0) {
      base.push(await drive(plain, REQUESTS_PER_ROUND));
      withGuard.push(await drive(guarded, REQUESTS_PER_ROUND));
    } else {
      withGuard.push(await drive(guarded, REQUESTS_PER_ROUND));
      base.push(await drive(plain, REQUESTS_PER_ROUND));
    }
  }
  const guard = writeGuard() as unknown as (c: Context, next: () => Promise<void>) => Promise<unknown>;
  const passThrough = async (_c: Context, next: () => Promise<void>) => next();
  await driveMiddleware(guard, ISOLATED_CALLS);
  const isolated: number[] = [];
  for (let r = 0; r < ROUNDS; r++) isolated.push((await driveMiddleware(guard, ISOLATED_CALLS)) - (await driveMiddleware(passThrough, ISOLATED_CALLS)));

  const b = median(base);
  const g = median(withGuard);
  const overhead = median(base.map((x, i) => withGuard[i]! - x));
  const result: KitMiddlewareBenchResult = {
    node: process.version,
    rounds: ROUNDS,
    requestsPerRound: REQUESTS_PER_ROUND,
    bodyBytes: body.length,
    baselineMicrosPerRequest: round2(b),
    guardedMicrosPerRequest: round2(g),
    overheadMicrosPerRequest: round2(overhead),
    overheadPercent: round2((overhead / b) * 100),
    isolatedMicrosPerCall: round2(median(isolated)),
    baselineBestMicros: round2(Math.min(...base)),
    guardedBestMicros: round2(Math.min(...withGuard)),
    loadAverage: round2(loadavg()[0]!),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'kit-middleware.json'), `${JSON.stringify({ ...result, samples: { base, withGuard, isolated } }, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'kit-middleware.md'), markdown(result));
  console.log(markdown(result));
  const summary = `kit-middleware: writeGuard ${result.isolatedMicrosPerCall} µs/call alone, ${result.overheadMicrosPerRequest} µs (${result.overheadPercent} %) end to end over ${result.baselineMicrosPerRequest} µs; load ${result.loadAverage}`;
  console.log(`SUMMARY ${summary}`);
  return { ...result, summary };
}

const markdown = (r: KitMiddlewareBenchResult): string => `# Kit middleware: cost of \`writeGuard\`

\`writeGuard()\` (16 KiB body limit + 5 s request timeout) on a zod-validated JSON write route,
measured in process with \`app.request()\` (no sockets), ${r.rounds} alternating rounds of
${r.requestsPerRound} requests per variant, ${r.bodyBytes}-byte body, Node ${r.node},
1-minute load average ${r.loadAverage} on this shared machine.

| Variant | median µs / request | best round µs / request |
| --- | ---: | ---: |
| route without writeGuard (baseline) | ${r.baselineMicrosPerRequest} | ${r.baselineBestMicros} |
| route with writeGuard | ${r.guardedMicrosPerRequest} | ${r.guardedBestMicros} |
| overhead end to end (median of paired round differences) | ${r.overheadMicrosPerRequest} µs (${r.overheadPercent} %) | |
| **writeGuard alone** (middleware vs pass-through, ${ISOLATED_CALLS} calls × ${r.rounds}) | **${r.isolatedMicrosPerCall} µs / call** | |

With a \`Content-Length\` header the body limit is a header comparison; the timeout adds one
timer and a \`Promise.race\` per request. Chunked bodies (no length) are streamed and counted,
which costs more but is bounded by the limit. The isolated figure is the
reliable one: end-to-end request times on this loaded machine swing by far more than it.
`;

if (require.main === module) {
  runKitMiddlewareBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
