/**
 * POST /payments (the production bundle as its own process) with its callee, the user service
 * (its production bundle, on PostgreSQL + Redis: bench/user-callee.ts), against DynamoDB Local,
 * beside its floor: the raw work a payment must do, at the same concurrency: the account lookup
 * (`GET /internal/users/{id}` on the same user process with the payment service's token), then the
 * DynamoDB calls: the conditional idempotency put, then one TransactWriteItems of the payment,
 * its outbox event and the completed key (items built by the service's own stores, so the floor
 * writes exactly what the service writes). The DynamoDB-only floor (before the account check)
 * stays as a reference row. Interleaved rounds, same duration.
 *
 * The service also pays HTTP, JWT, zod, logging, the service-call client (bulkhead, breaker,
 * timeouts, metrics) and in the background the outbox relay (scan, claim, SQS send to fauxqs,
 * delete per event), which shares DynamoDB Local with the requests. Each autocannon request
 * carries a unique Idempotency-Key (`setupRequest`); requests and floor operations take the
 * payers round robin (PAYERS of them), so concurrent lookups of one payer, which the service
 * would share (services/kit/user-directory.ts), stay rare on both sides.
 * Run: `npm run bench -- payment` (DATABASE_URL / REDIS_URL / DYNAMODB_ENDPOINT / SQS_ENDPOINT
 * reuse running engines; BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS tune it).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS } from '../scripts/engines';
import { buildService } from '../scripts/build-services';
import { createDynamo } from '../services/kit/clients/dynamo';
import { issueAccessToken } from '../services/kit/tokens/access-token';
import { parsePrivateJwk } from '../services/kit/tokens/keys';
import { createLocalSigner } from '../services/kit/tokens/signer';
import { hashRequest, IdempotencyStore, scopedKey } from '../services/payment/idempotency';
import { DynamoOutbox } from '../services/payment/outbox';
import { PaymentRepository } from '../services/payment/payments';
import { combine, interleave, loadRound, loopRound, machineRecorder, measuredTable, pairedRatio, round3, writeReport, type Report } from './report';
import { startBenchProcess } from './processes';
import { calleeCpuRecorder, startUserCallee } from './user-callee';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PAYERS = CONNECTIONS * 4;

const input = { amount: 1999, currency: 'EUR' as const, description: 'bench order' };
const body = JSON.stringify(input);

/** One POST per request, each with a fresh Idempotency-Key (every request creates a payment), by the next payer. */
const paymentRequests = (nextToken: () => string): autocannon.Request[] => [
  {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${nextToken()}`, 'idempotency-key': randomUUID() } }),
  },
];

export async function runPaymentBench(): Promise<Report> {
  const machine = machineRecorder();
  const stops: (() => Promise<void>)[] = [];
  try {
    const callee = await startUserCallee('payment', { NODE_ENV: 'production', LOG_LEVEL: 'silent' }, stops);
    const env = callee.callerEnv;
    const payerIds = Array.from({ length: PAYERS }, () => randomUUID());
    await callee.ensureUsers(payerIds);

    const bundle = await buildService('payment');
    const { url, pid } = await startBenchProcess([bundle.outfile], env, stops);

    // Access tokens as the user service issues them (its key; the payment service verifies against it).
    const signer = createLocalSigner(parsePrivateJwk(callee.userEnv.TOKEN_SIGNING_JWK!));
    const tokens = await Promise.all(
      payerIds.map((id) =>
        issueAccessToken({ sub: id, email: `${id}@example.com` }, { signer, issuer: env.JWT_ISSUER!, audience: env.JWT_AUDIENCE!, expiresInSeconds: 3600 }),
      ),
    );
    let turn = 0;
    const nextPayer = (): number => turn++ % PAYERS;
    const requests = paymentRequests(() => tokens[nextPayer()]!);

    // The SDK in this process resolves credentials from process.env.
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS_CREDENTIALS.secretAccessKey;
    const dynamo = createDynamo({ AWS_REGION: env.AWS_REGION!, DYNAMODB_ENDPOINT: callee.engines.dynamodb.endpoint });
    stops.push(async () => dynamo.client.destroy());

    // The floor: the service's two DynamoDB calls per payment, through its own item builders.
    const idempotency = new IdempotencyStore(dynamo.doc, env.TABLE_IDEMPOTENCY_KEYS!, { lockMs: 10_000, ttlSeconds: 86_400 });
    const payments = new PaymentRepository(dynamo.doc, env.TABLE_PAYMENTS!);
    const outbox = new DynamoOutbox(dynamo.doc, env.TABLE_PAYMENT_OUTBOX!, { leaseMs: 30_000 });
    const rawDynamo = async (userId: string): Promise<void> => {
      const key = scopedKey(userId, randomUUID());
      const acquired = await idempotency.acquire(key, hashRequest([input.amount, input.currency, input.description]));
      if (acquired.kind !== 'acquired') throw new Error(`floor: key not acquired (${acquired.kind})`);
      const payment = { id: randomUUID(), userId, status: 'succeeded' as const, ...input, createdAt: new Date().toISOString() };
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
    // ...and now, before them, the account lookup the service makes.
    const rawPayment = async (): Promise<void> => {
      const payer = payerIds[nextPayer()]!;
      await callee.lookup(payer);
      await rawDynamo(payer);
    };

    // Warm-up: JIT, connection pools, the user cache, DynamoDB Local's own warm-up.
    await autocannon({ url: `${url}/payments`, connections: 4, amount: 200, requests });
    await loopRound(4, 2, rawPayment);

    const calleeCpu = calleeCpuRecorder(callee.pid);
    const rounds = await interleave(ROUNDS, {
      service: calleeCpu.wrap('service', () =>
        loadRound({ url: `${url}/payments`, connections: CONNECTIONS, durationSeconds: SECONDS, requests, pid }),
      ),
      floor: calleeCpu.wrap('floor', () => loopRound(CONNECTIONS, SECONDS, rawPayment)),
      floorDynamoOnly: () => loopRound(CONNECTIONS, SECONDS, () => rawDynamo(payerIds[nextPayer()]!)),
    });
    const service = combine(rounds.service);
    const floor = combine(rounds.floor);
    const floorDynamoOnly = combine(rounds.floorDynamoOnly);
    const floorRatio = pairedRatio(rounds.service, rounds.floor);
    const dynamoOnlyRatio = pairedRatio(rounds.service, rounds.floorDynamoOnly);
    const p99Ratio = round3(service.p99Ms / floor.p99Ms);
    const userCpu = calleeCpu.medians();

    return writeReport({
      name: 'payment',
      title: 'Payment service: `POST /payments` (account check with the user service) against its floor',
      machine,
      floorRatio,
      service,
      floor,
      references: { floorDynamoOnly },
      targets: [{ what: 'floorRatio', value: floorRatio, op: '>=', limit: 0.7 }],
      headline: `${service.requestsPerSecond} payments/s vs floor ${floor.requestsPerSecond}, p99 ${service.p99Ms} vs ${floor.p99Ms} ms, ${service.cpuMicrosPerRequest} µs CPU/req`,
      details: {
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
        rounds: ROUNDS,
        payers: PAYERS,
        p99Ratio,
        dynamoOnlyRatio,
        userCpuMicrosPerRequest: userCpu,
        samples: rounds,
      },
      body: `${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONNECTIONS} concurrent connections (service, autocannon) or loops (floors, in the
bench process), same user process (production bundle, PostgreSQL + Redis) and DynamoDB Local; ${PAYERS} payers taken
round robin; figures are medians over rounds, floorRatio the median of per-round ratios.
Service, user service, PostgreSQL, Redis, DynamoDB Local (a JVM), fauxqs and the load generator share the machine.

${measuredTable([
  ['**floor**: GET /internal/users/{id} (service token, node:http keep-alive) → conditional idempotency Put → TransactWriteItems (payment, outbox event, completed key), raw', floor],
  ['**POST /payments** (production bundle; JWT, zod, account check through the kit client, both DynamoDB calls, outbox relay in the background)', service],
  ['floor without the account lookup: the DynamoDB calls only (the floor before service calls; reference)', floorDynamoOnly],
])}

**floorRatio ${floorRatio}**, p99 ratio ${p99Ratio}; against the DynamoDB-only floor: ${dynamoOnlyRatio}.
The user process spends ${userCpu.service} µs CPU per payment in the service rounds and ${userCpu.floor} µs per lookup in
the floor rounds (the same route, the same cached read). DynamoDB Local is not DynamoDB: absolute numbers say nothing
about production latency; the ratio is what to watch. CPU µs/req (/proc) is the payment process's own, and for the
floors the bench process's own (the raw loops, their SDK and HTTP clients).
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
