/**
 * POST /payments (the production bundle as its own process) against DynamoDB Local, beside its
 * floor: the DynamoDB calls a payment makes, issued raw at the same concurrency on the same
 * DynamoDB Local: the conditional idempotency put, then one TransactWriteItems of the payment,
 * its outbox event and the completed key (items built by the service's own stores, so the floor
 * writes exactly what the service writes). Interleaved rounds, same duration.
 *
 * The service also pays HTTP, JWT, zod, logging, and in the background the outbox relay (scan,
 * claim, SQS send to fauxqs, delete per event), which shares DynamoDB Local with the requests.
 * Each autocannon request carries a unique Idempotency-Key (`setupRequest`).
 * Run: `npm run bench -- payment` (DYNAMODB_ENDPOINT / SQS_ENDPOINT reuse running engines;
 * BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS tune it).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, provisionNamespace } from '../scripts/engines';
import { startAwsEngines } from './aws-engines';
import { waitForHttpOk } from '../scripts/engines/service-process';
import { freePort, spawnManaged } from '../scripts/engines/process';
import { buildService } from '../scripts/build-services';
import { catalog, findService } from '../services/catalog';
import { createDynamo } from '../services/kit/clients/dynamo';
import { issueAccessToken } from '../services/kit/tokens/access-token';
import { generateLocalTokenKeys, parsePrivateJwk } from '../services/kit/tokens/keys';
import { createLocalSigner } from '../services/kit/tokens/signer';
import { hashRequest, IdempotencyStore, scopedKey } from '../services/payment/idempotency';
import { DynamoOutbox } from '../services/payment/outbox';
import { PaymentRepository } from '../services/payment/payments';
import { combine, interleave, loadRound, loopRound, machineRecorder, measuredTable, pairedRatio, round3, writeReport, type Report } from './report';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const input = { amount: 1999, currency: 'EUR' as const, description: 'bench order' };
const body = JSON.stringify(input);

/** One POST per request, each with a fresh Idempotency-Key so every request creates a payment. */
const paymentRequests = (token: string): autocannon.Request[] => [
  {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }),
  },
];

export async function runPaymentBench(): Promise<Report> {
  const machine = machineRecorder();
  const stops: (() => Promise<void>)[] = [];
  try {
    const engines = await startAwsEngines('payment', stops);
    const paymentOnly = { ...catalog, services: [findService('payment')] };
    // No user service here to sign tokens: the bench signs with its own key, which the payment service trusts.
    const tokenKeys = generateLocalTokenKeys();
    const env = (
      await provisionNamespace(engines, `bench${randomUUID().slice(0, 8)}`, paymentOnly, {
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        TOKEN_VERIFY_JWKS: tokenKeys.publicJwks,
      })
    ).payment!;

    const bundle = await buildService('payment');
    const port = await freePort();
    const proc = spawnManaged(process.execPath, [bundle.outfile], { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) } });
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
    const dynamo = createDynamo({ AWS_REGION: env.AWS_REGION!, DYNAMODB_ENDPOINT: engines.dynamodb.endpoint });
    stops.push(async () => dynamo.client.destroy());

    // The floor: the service's two DynamoDB calls per payment, through its own item builders.
    const idempotency = new IdempotencyStore(dynamo.doc, env.TABLE_IDEMPOTENCY_KEYS!, { lockMs: 10_000, ttlSeconds: 86_400 });
    const payments = new PaymentRepository(dynamo.doc, env.TABLE_PAYMENTS!);
    const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: 30_000 });
    const rawPayment = async (): Promise<void> => {
      const key = scopedKey('bench-raw', randomUUID());
      const acquired = await idempotency.acquire(key, hashRequest([input.amount, input.currency, input.description]));
      if (acquired.kind !== 'acquired') throw new Error(`floor: key not acquired (${acquired.kind})`);
      const payment = { id: randomUUID(), userId: 'bench-raw', status: 'succeeded' as const, ...input, createdAt: new Date().toISOString() };
      const eventId = randomUUID();
      await dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            payments.putItem(payment),
            outbox.putItem({ id: eventId, type: 'payment.succeeded', body: JSON.stringify({ id: eventId, type: 'payment.succeeded', data: payment }) }),
            idempotency.completeItem(key, acquired.lockToken, { status: 201, body: payment }),
          ],
        }),
      );
    };

    // Warm-up: JIT, connection pools, DynamoDB Local's own warm-up.
    await autocannon({ url: `${url}/payments`, connections: 4, amount: 200, requests: paymentRequests(token) });
    await loopRound(4, 2, rawPayment);

    const rounds = await interleave(ROUNDS, {
      service: () => loadRound({ url: `${url}/payments`, connections: CONNECTIONS, durationSeconds: SECONDS, requests: paymentRequests(token), pid: proc.child.pid }),
      floor: () => loopRound(CONNECTIONS, SECONDS, rawPayment),
    });
    const service = combine(rounds.service);
    const floor = combine(rounds.floor);
    const floorRatio = pairedRatio(rounds.service, rounds.floor);
    const p99Ratio = round3(service.p99Ms / floor.p99Ms);

    return writeReport({
      name: 'payment',
      title: 'Payment service: `POST /payments` against its floor',
      machine,
      floorRatio,
      service,
      floor,
      targets: [{ what: 'floorRatio', value: floorRatio, op: '>=', limit: 0.7 }],
      headline: `${service.requestsPerSecond} payments/s vs floor ${floor.requestsPerSecond}, p99 ${service.p99Ms} vs ${floor.p99Ms} ms, ${service.cpuMicrosPerRequest} µs CPU/req`,
      details: { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS, p99Ratio, samples: rounds },
      body: `${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONNECTIONS} concurrent connections (service, autocannon) or loops (floor, in the
bench process), same DynamoDB Local; figures are medians over rounds, floorRatio the median of per-round ratios.
Service, DynamoDB Local (a JVM), fauxqs and the load generator share the machine.

${measuredTable([
  ['**floor**: conditional idempotency Put + TransactWriteItems (payment, outbox event, completed key), raw', floor],
  ['**POST /payments** (production bundle; JWT, zod, both calls, outbox relay in the background)', service],
])}

**floorRatio ${floorRatio}**, p99 ratio ${p99Ratio}. DynamoDB Local is not DynamoDB: absolute numbers say nothing
about production latency; the ratio is what to watch. CPU µs/req is the service process's own (/proc).
`,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

if (require.main === module) {
  runPaymentBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
