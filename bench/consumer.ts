/**
 * Notification consumer throughput against its floor, on fauxqs (the local SQS engine) and
 * DynamoDB Local, with its callee, the user service (its production bundle on PostgreSQL + Redis,
 * bench/user-callee.ts; every event's user exists there), in interleaved rounds with the same
 * number of messages.
 *
 * Service round: the notification service (production bundle, its own process, production
 * consumer settings: batch 10, concurrency 10) is paused with SIGSTOP, its queue is filled with
 * MESSAGES `payment.succeeded` events (one recipient each, distinct within a round, so the
 * service's sharing of concurrent lookups of one user does not apply), then it is resumed and
 * timed until its consumer reports them all processed (`/health/consumer`). Its CPU per message
 * is read from /proc.
 * Floor round: the same number of the same events on a queue and tables of their own, consumed by
 * the raw loop the work requires: receive a batch (same batch size) → per message, concurrently
 * (same concurrency): the conditional put (processed marker + notification, one transaction) →
 * the recipient lookup (`GET /internal/users/{id}` on the same user process, the notification
 * service's token) → the delivery write → one DeleteMessageBatch. The DynamoDB calls go through
 * the service's own store, so both write the same items. The floors from before the service calls
 * (without the lookup; with the stored-contact read) stay as references, beside the floor that
 * also saves the looked-up contact as the service does.
 * Latency per message is not comparable between the two (the service does not expose it), so
 * p50/p99 are n/a. Run: `npm run bench -- consumer` (BENCH_MESSAGES, BENCH_ROUNDS tune it; BENCH_CPU_PROF=<dir>
 * profiles the service).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_AWS_CREDENTIALS, provisionNamespace, sqsClient } from '../scripts/engines';
import { waitUntil } from '../scripts/engines/process';
import { buildService } from '../scripts/build-services';
import { catalog, findService, queueUrlEnvVar, tableEnvVar } from '../services/catalog';
import { createDynamo } from '../services/kit/clients/dynamo';
import { newEvent, type EventEnvelope } from '../services/kit/events';
import { notificationFor } from '../services/notification/notification';
import { createNotificationStore } from '../services/notification/store';
import { combine, interleave, machineRecorder, measuredTable, pairedRatio, processCpuMicros, round2, writeReport, type Measured, type Report } from './report';
import { startBenchProcess } from './processes';
import { calleeCpuRecorder, startUserCallee } from './user-callee';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH_SIZE = 10;
const CONCURRENCY = 10;
const LEASE_MS = 20_000;

/** The recipients: one per message of a round, the same users every round (they exist in the user service). */
const USERS = Array.from({ length: MESSAGES }, () => randomUUID());

const events = (n: number): EventEnvelope[] =>
  Array.from({ length: n }, (_, i) =>
    newEvent('payment.succeeded', 'bench', { paymentId: randomUUID(), userId: USERS[i % USERS.length]!, amount: 1999, currency: 'EUR', description: 'bench order' }),
  );

const fill = async (sqs: SQSClient, queueUrl: string, n: number): Promise<void> => {
  const all = events(n);
  const batches = Array.from({ length: Math.ceil(n / 10) }, (_, i) => all.slice(i * 10, i * 10 + 10));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map((batch) =>
        sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((e, j) => ({ Id: String(j), MessageBody: JSON.stringify(e) })) })),
      ),
    );
  }
};

const throughput = (messages: number, seconds: number, cpuMicros?: number): Measured => ({
  requestsPerSecond: Math.round(messages / seconds),
  p50Ms: NaN,
  p99Ms: NaN,
  requests: messages,
  errors: 0,
  ...(cpuMicros === undefined ? {} : { cpuMicrosPerRequest: round2(cpuMicros / messages) }),
});

export async function runConsumerBench(): Promise<Report> {
  const machine = machineRecorder();
  const stops: (() => Promise<void>)[] = [];
  try {
    const overrides = { NODE_ENV: 'production', LOG_LEVEL: 'info', CONSUMER_BATCH_SIZE: String(BATCH_SIZE), CONSUMER_CONCURRENCY: String(CONCURRENCY) };
    const callee = await startUserCallee('notification', overrides, stops);
    const { engines } = callee;
    await callee.ensureUsers(USERS);
    const serviceEnv = callee.callerEnv;
    // The floor's own tables and queue; its lookups go to the service's user process, so no callee of its own.
    const notification = findService('notification');
    const tablesAndQueue = { ...catalog, services: [{ ...notification, needs: { ...notification.needs, calls: [] } }] };
    const floorEnv = (await provisionNamespace(engines, `floor${randomUUID().slice(0, 8)}`, tablesAndQueue, overrides)).notification!;

    const bundle = await buildService('notification');
    // BENCH_CPU_PROF=<dir>: run from source and write a V8 CPU profile there (bench/profile-summary.ts).
    const profileDir = process.env.BENCH_CPU_PROF;
    const args = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--import', 'tsx', join(__dirname, '..', 'services', 'notification', 'main.ts')] : [bundle.outfile];
    const { proc, url, pid } = await startBenchProcess(args, serviceEnv, stops, 25_000);
    const processed = async (): Promise<number> => ((await (await fetch(`${url}/health/consumer`)).json()) as { processed: number }).processed;

    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS_CREDENTIALS.secretAccessKey;
    const sqs = sqsClient(engines.sqs.endpoint);
    stops.push(async () => sqs.destroy());
    const dynamo = createDynamo({ AWS_REGION: floorEnv.AWS_REGION!, DYNAMODB_ENDPOINT: engines.dynamodb.endpoint });
    stops.push(async () => dynamo.client.destroy());
    const store = createNotificationStore({
      doc: dynamo.doc,
      notificationsTable: floorEnv[tableEnvVar('notifications')]!,
      processedEventsTable: floorEnv[tableEnvVar('processed-events')]!,
    });
    const serviceQueue = serviceEnv[queueUrlEnvVar('events')]!;
    const floorQueue = floorEnv[queueUrlEnvVar('events')]!;

    const serviceRound = async (n: number): Promise<Measured> => {
      const before = await processed();
      process.kill(pid, 'SIGSTOP');
      try {
        await fill(sqs, serviceQueue, n);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const cpuBefore = processCpuMicros(pid);
      const started = performance.now();
      await waitUntil('service consumed the round', async () => (await processed()) - before >= n, { proc, timeoutMs: 300_000, intervalMs: 20 });
      return throughput(n, (performance.now() - started) / 1000, processCpuMicros(pid) - cpuBefore);
    };

    /**
     * `lookup`: the recipient lookup with the user service (the floor); `contact`: read the stored
     * contact (the service's sender path before the service calls) or save the looked-up one (as
     * the service now does). References leave one or the other out or in.
     */
    const floorRound = async (n: number, { lookup = true, contact }: { lookup?: boolean; contact?: 'read' | 'save' } = {}): Promise<Measured> => {
      await fill(sqs, floorQueue, n);
      // The floor runs in this process: its CPU per message is this process's own.
      const cpuBefore = processCpuMicros(process.pid);
      const started = performance.now();
      let done = 0;
      while (done < n) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: floorQueue, MaxNumberOfMessages: BATCH_SIZE, WaitTimeSeconds: 1 }));
        // Same concurrency as the consumer: at most CONCURRENCY messages in flight (= one batch here).
        await Promise.all(
          Messages.map(async (m) => {
            const n = notificationFor(JSON.parse(m.Body!) as EventEnvelope, 'log');
            if ((await store.recordOnce(n, Date.now() + LEASE_MS)) !== 'created') return;
            if (lookup) await callee.lookup(n.userId);
            if (contact === 'read') await store.contactOf(n.userId);
            if (contact === 'save') await store.saveContact(n.userId, { email: `${n.userId}@example.com`, name: 'Bench User' });
            await store.markDelivery(n, { sent: true });
          }),
        );
        if (Messages.length) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: floorQueue, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
        }
        done += Messages.length;
      }
      return throughput(n, (performance.now() - started) / 1000, processCpuMicros(process.pid) - cpuBefore);
    };

    // Warm-up of both paths (JIT, connections, DynamoDB Local), and every recipient in the user
    // service's cache (300 s TTL), so no measured round pays the first reads from PostgreSQL.
    await serviceRound(100);
    await floorRound(100);
    for (let i = 0; i < USERS.length; i += CONCURRENCY) await Promise.all(USERS.slice(i, i + CONCURRENCY).map((id) => callee.lookup(id)));
    const calleeCpu = calleeCpuRecorder(callee.pid);
    const rounds = await interleave(ROUNDS, {
      service: calleeCpu.wrap('service', () => serviceRound(MESSAGES)),
      floor: calleeCpu.wrap('floor', () => floorRound(MESSAGES)),
      floorWithContactSave: () => floorRound(MESSAGES, { contact: 'save' }),
      floorNoLookup: () => floorRound(MESSAGES, { lookup: false }),
      floorWithContact: () => floorRound(MESSAGES, { lookup: false, contact: 'read' }),
    });
    const service = combine(rounds.service);
    const floor = combine(rounds.floor);
    const floorWithContactSave = combine(rounds.floorWithContactSave);
    const floorNoLookup = combine(rounds.floorNoLookup);
    const floorWithContact = combine(rounds.floorWithContact);
    const floorRatio = pairedRatio(rounds.service, rounds.floor);
    const withContactSaveRatio = pairedRatio(rounds.service, rounds.floorWithContactSave);
    const noLookupRatio = pairedRatio(rounds.service, rounds.floorNoLookup);
    const withContactRatio = pairedRatio(rounds.service, rounds.floorWithContact);
    const userCpu = calleeCpu.medians();

    return writeReport({
      name: 'consumer',
      title: 'Notification consumer: events consumed against its floor',
      machine,
      floorRatio,
      service,
      floor,
      references: { floorWithContactSave, floorNoLookup, floorWithContact },
      targets: [{ what: 'floorRatio', value: floorRatio, op: '>=', limit: 0.8 }],
      headline: `${service.requestsPerSecond} messages/s vs floor ${floor.requestsPerSecond}, ${service.cpuMicrosPerRequest} µs CPU/message`,
      details: {
        withContactSaveRatio,
        noLookupRatio,
        withContactRatio,
        userCpuMicrosPerMessage: userCpu,
        messagesPerRound: MESSAGES,
        rounds: ROUNDS,
        batchSize: BATCH_SIZE,
        concurrency: CONCURRENCY,
        samples: rounds,
      },
      body: `${ROUNDS} interleaved rounds of ${MESSAGES} \`payment.succeeded\` events each (queue filled first, then drained and timed),
batch size ${BATCH_SIZE}, concurrency ${CONCURRENCY}, fauxqs + DynamoDB Local + the user service (production bundle, PostgreSQL +
Redis) on this machine; ${MESSAGES} distinct recipients per round; figures are medians over rounds, floorRatio the median
of per-round ratios. "requests" are messages; p50/p99 are not measured here (n/a).

${measuredTable([
  ['**floor**: receive → conditional put (marker + notification) → GET /internal/users/{id} (service token, node:http keep-alive) → delivery write → DeleteMessageBatch, raw', floor],
  ['**notification service** consumer (production bundle, log sender, LOG_LEVEL=info)', service],
  ['floor + saving the looked-up contact (one PutItem per message, as the service does; reference)', floorWithContactSave],
  ['floor without the lookup (the floor before service calls; reference)', floorNoLookup],
  ['floor without the lookup + the stored contact read (one GetItem, the sender path before service calls; reference)', floorWithContact],
])}

**floorRatio ${floorRatio}**; against the floor that also saves the contact: ${withContactSaveRatio}; against the floors
from before the service calls: ${noLookupRatio} (no lookup), ${withContactRatio} (contact read). The user process spends
${userCpu.service} µs CPU per message in the service rounds and ${userCpu.floor} µs per lookup in the floor rounds.
Per message the service also validates the envelope (zod) and the user service's answer, calls it through
the kit client (bulkhead, breaker, timeouts, metrics), saves the looked-up contact (one PutItem), writes the
sender's log line, keeps a heartbeat timer, and batches deletes across messages (20 ms window) instead of per
received batch. DynamoDB Local (one JVM on the shared cores) bounds both. CPU µs per message is the service
process's own, and for the floors the bench process's own (the raw loop, its SDK and HTTP clients).
`,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

if (require.main === module) {
  runConsumerBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
