/**
 * POST /payments against DynamoDB Local, beside the floor it is built on: raw `PutItem` calls
 * at the same concurrency, measured in the same run on the same DynamoDB Local.
 *
 * A payment costs one conditional Put (idempotency lock) + one TransactWriteItems of three items
 * (payment, outbox event, completed key) over HTTP, JWT, zod validation and logging, while the
 * outbox relay scans, claims, sends to SQS (fauxqs) and deletes in the background. The raw
 * baseline is a single PutItem of a payment-sized item. Each autocannon request carries a unique
 * Idempotency-Key (`setupRequest`), so every request creates a payment.
 * The service runs as its own process (as in production); rounds alternate between the two
 * variants so load drift on this shared machine hits both.
 * Writes bench/results/payment.{json,md}. Run: `npx tsx bench/payment.ts`
 * (DYNAMODB_ENDPOINT / SQS_ENDPOINT reuse running engines; BENCH_SECONDS, BENCH_CONNECTIONS tune it).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, provisionNamespace, startDynamoDb, startSqs, type Engines } from '../scripts/engines';
import { spawnServiceProcess, waitForHttpOk } from '../scripts/engines/service-process';
import { freePort } from '../scripts/engines/process';
import { catalog, findService } from '../services/catalog';
import { createDynamo } from '../services/kit/clients/dynamo';
import { issueAccessToken } from '../services/kit/tokens/access-token';
import { generateLocalTokenKeys, parsePrivateJwk } from '../services/kit/tokens/keys';
import { createLocalSigner } from '../services/kit/tokens/signer';

const RESULTS = join(__dirname, 'results');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = 2;

export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  errors: number;
}

export interface PaymentBenchResult {
  node: string;
  seconds: number;
  connections: number;
  rounds: number;
  payment: Measurement;
  rawPutItem: Measurement;
  /** POST /payments throughput as a fraction of raw PutItem throughput. */
  throughputRatio: number;
  /** POST /payments p99 over raw PutItem p99. */
  p99Ratio: number;
  loadAverage: number;
}

const body = JSON.stringify({ amount: 1999, currency: 'EUR', description: 'bench order' });

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One POST per request, each with a fresh Idempotency-Key so every request creates a payment. */
const paymentRequests = (token: string): autocannon.Request[] => [
  {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }),
  },
];

const benchPayments = async (url: string, token: string): Promise<Measurement> => {
  const result = await autocannon({ url: `${url}/payments`, connections: CONNECTIONS, duration: SECONDS, requests: paymentRequests(token) });
  const created = result['2xx'];
  return {
    requestsPerSecond: round2(created / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: created,
    errors: result.errors + result.timeouts + result.non2xx,
  };
};

/** CONNECTIONS loops each awaiting one PutItem after another for SECONDS. */
const benchPutItem = async (doc: ReturnType<typeof createDynamo>['doc'], table: string): Promise<Measurement> => {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: {
              id: randomUUID(),
              userId: 'bench-raw',
              status: 'succeeded',
              amount: 1999,
              currency: 'EUR',
              description: 'bench order',
              createdAt: new Date().toISOString(),
            },
          }),
        );
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: round2(latencies.length / elapsed),
    p50Ms: round2(percentile(latencies, 50)),
    p99Ms: round2(percentile(latencies, 99)),
    total: latencies.length,
    errors,
  };
};

const combine = (ms: Measurement[]): Measurement => ({
  requestsPerSecond: round2(median(ms.map((m) => m.requestsPerSecond))),
  p50Ms: round2(median(ms.map((m) => m.p50Ms))),
  p99Ms: round2(median(ms.map((m) => m.p99Ms))),
  total: ms.reduce((n, m) => n + m.total, 0),
  errors: ms.reduce((n, m) => n + m.errors, 0),
});

export async function runPaymentBench(): Promise<PaymentBenchResult> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const dynamodb = process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : await startDynamoDb();
    if ('stop' in dynamodb) stops.push(dynamodb.stop);
    const sqs = process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : await startSqs();
    if ('destroy' in sqs) stops.push(sqs.destroy);
    const engines: Engines = {
      postgres: {
        url: '',
        createDatabase: () => Promise.reject(new Error('the payment bench provisions no database')),
      },
      redis: { url: '' },
      dynamodb,
      sqs,
    };
    const paymentOnly = { ...catalog, services: [findService('payment')] };
    const namespace = `bench${randomUUID().slice(0, 8)}`;
    // No user service here to sign tokens: the bench signs with its own key, which the payment service trusts.
    const tokenKeys = generateLocalTokenKeys();
    const env = (
      await provisionNamespace(engines, namespace, paymentOnly, {
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        TOKEN_VERIFY_JWKS: tokenKeys.publicJwks,
      })
    ).payment!;

    const port = await freePort();
    const proc = spawnServiceProcess('payment', { ...env, PORT: String(port) });
    stops.push(() => proc.stop('SIGTERM', 10_000));
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${url}/health/ready`, proc, 60_000);

    const token = await issueAccessToken(
      { sub: 'bench-user', email: 'bench@example.com' },
      { signer: createLocalSigner(parsePrivateJwk(tokenKeys.privateJwk)), issuer: env.JWT_ISSUER!, audience: env.JWT_AUDIENCE!, expiresInSeconds: 3600 },
    );
    // The SDK in this process resolves credentials from process.env.
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS_CREDENTIALS.secretAccessKey;
    const dynamo = createDynamo({ AWS_REGION: env.AWS_REGION!, DYNAMODB_ENDPOINT: dynamodb.endpoint });
    stops.push(async () => dynamo.client.destroy());

    const table = env.TABLE_PAYMENTS!;
    // Warm-up: JIT, connection pools, DynamoDB Local's own warm-up.
    await autocannon({ url: `${url}/payments`, connections: 4, amount: 200, requests: paymentRequests(token) });

    const payments: Measurement[] = [];
    const raw: Measurement[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        payments.push(await benchPayments(url, token));
        raw.push(await benchPutItem(dynamo.doc, table));
      } else {
        raw.push(await benchPutItem(dynamo.doc, table));
        payments.push(await benchPayments(url, token));
      }
    }
    const payment = combine(payments);
    const rawPutItem = combine(raw);
    const result: PaymentBenchResult = {
      node: process.version,
      seconds: SECONDS,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      payment,
      rawPutItem,
      throughputRatio: round2(payment.requestsPerSecond / rawPutItem.requestsPerSecond),
      p99Ratio: round2(payment.p99Ms / rawPutItem.p99Ms),
      loadAverage: round2(loadavg()[0]!),
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'payment.json'), `${JSON.stringify({ ...result, samples: { payments, raw } }, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'payment.md'), markdown(result));
    console.log(markdown(result));
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

const markdown = (r: PaymentBenchResult): string => `# Payment service: POST /payments vs raw PutItem

POST /payments (JWT, zod, idempotency lock, one TransactWriteItems of three items, outbox relay
to SQS in the background; unique Idempotency-Key per request) against DynamoDB Local, beside
raw \`PutItem\` calls of a payment-sized item at the same concurrency on the same DynamoDB Local,
${r.rounds} alternating rounds of ${r.seconds} s each, ${r.connections} concurrent connections / loops,
Node ${r.node}, 1-minute load average ${r.loadAverage} on this shared 2-core machine
(service, DynamoDB Local, fauxqs and the load generator all share it).

| Variant | requests / s (median) | p50 ms | p99 ms | completed | errors / non-2xx |
| --- | ---: | ---: | ---: | ---: | ---: |
| raw PutItem (baseline) | ${r.rawPutItem.requestsPerSecond} | ${r.rawPutItem.p50Ms} | ${r.rawPutItem.p99Ms} | ${r.rawPutItem.total} | ${r.rawPutItem.errors} |
| POST /payments | ${r.payment.requestsPerSecond} | ${r.payment.p50Ms} | ${r.payment.p99Ms} | ${r.payment.total} | ${r.payment.errors} |
| **ratio** (payments / raw) | **${r.throughputRatio}** | | **${r.p99Ratio}** | | |

A payment is two DynamoDB round trips on the request path (the conditional lock put, then a
three-item transaction) plus, in the background, the relay's scan, claim update and delete per
event, and HTTP, JWT and JSON on both sides: a throughput ratio well below 1 is expected. The
figure to watch over time is the ratio, since both sides move with the machine's load. DynamoDB Local is not DynamoDB: absolute
numbers say nothing about production latency.
`;

if (require.main === module) {
  runPaymentBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
