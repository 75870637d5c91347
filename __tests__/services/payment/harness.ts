/**
 * Starts the payment service in process on a fresh namespace, with direct access to its tables and
 * queue, and the user service it calls before charging (users are created as tokens are made).
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient, sqsClient, type Engines } from '../../../scripts/engines';
import { parseEvent, type EventOf } from '../../../services/kit/events';
import type { RunningService } from '../../../services/kit/service';
import { paymentService } from '../../../services/payment/service';
import { provisionTestNamespace } from '../../support/namespace';
import { startUserCallee, type UserCallee } from '../../support/callees';
import { startTestService } from '../../support/services';
import { client, type Call } from '../../support/http';
import { tokenFor } from '../../support/tokens';

export interface PaymentHandle {
  url: string;
  env: Record<string, string>;
  call: Call;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  /**
   * A token for `userId` (a fresh uuid by default), signed as the user service of the namespace
   * signs, for a user that exists in the user service.
   */
  token(userId?: string): Promise<string>;
  /** The user service the payment service calls. */
  users: UserCallee;
  /** Another task of the service on the same namespace. */
  startReplica(): Promise<RunningService>;
  stop(): Promise<void>;
}

export async function startPaymentService(
  options: { engines?: Engines; overrides?: Record<string, string> } = {},
): Promise<PaymentHandle> {
  const { env: provisioned, engines } = await provisionTestNamespace({ engines: options.engines, overrides: options.overrides });
  const users = await startUserCallee(provisioned);
  const envs = users.envs;
  const env = envs.payment!;
  const running: RunningService[] = [await startTestService(paymentService, env)];
  const ddb = dynamoClient(engines.dynamodb.endpoint);
  const sqs = sqsClient(engines.sqs.endpoint);
  return {
    url: running[0]!.url,
    env,
    call: client(running[0]!.url),
    doc: DynamoDBDocumentClient.from(ddb),
    sqs,
    users,
    async token(userId = randomUUID()) {
      await users.ensureUser(userId);
      return tokenFor(envs.user!, userId);
    },
    async startReplica() {
      const replica = await startTestService(paymentService, env);
      running.push(replica);
      return replica;
    },
    async stop() {
      await Promise.all(running.map((r) => r.stop()));
      await users.stop();
      ddb.destroy();
      sqs.destroy();
    },
  };
}

let keyCounter = 0;
/** A unique Idempotency-Key. */
export const newKey = (): string => `k-${Date.now().toString(36)}-${(keyCounter++).toString(36)}-${randomUUID().slice(0, 8)}`;

export const paymentBody = (overrides: Record<string, unknown> = {}) => ({ amount: 1999, currency: 'EUR', ...overrides });

/**
 * Receives (and deletes) every message on the queue until it has been empty for `quietPolls`
 * consecutive short polls; returns the parsed `payment.succeeded` events.
 */
export const drainPaymentEvents = async (
  sqs: SQSClient,
  queueUrl: string,
  { quietPolls = 3 }: { quietPolls?: number } = {},
): Promise<EventOf<'payment.succeeded'>[]> => {
  const events: EventOf<'payment.succeeded'>[] = [];
  for (let quiet = 0; quiet < quietPolls; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) {
      quiet += 1;
      continue;
    }
    quiet = 0;
    for (const message of Messages) {
      const event = parseEvent(message.Body ?? '');
      if (event.type !== 'payment.succeeded') throw new Error(`unexpected event type ${event.type}`);
      events.push(event);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return events;
};

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export const eventually = async (what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
