/** Shared pieces of the notification-service tests: events, publishing, waiting, counting. */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { newEvent, type EventEnvelope, type EventOf } from '../../../services/kit/events';
import type { Logger } from '../../../services/kit/logger';
import { createServiceCalls } from '../../../services/kit/service-call/from-config';
import { createUserDirectory, type UserDirectory } from '../../../services/kit/user-directory';
import type { NotificationConfig } from '../../../services/notification/config';
import type { Notification } from '../../../services/notification/notification';
import { waitUntil } from '../../../scripts/engines/process';

export const registered = (userId: string = randomUUID(), name = 'Ada'): EventOf<'user.registered'> =>
  newEvent('user.registered', 'user', { userId, email: `${userId}@example.com`, name });

export const paid = (userId: string, amount = 1250, currency = 'EUR', description?: string): EventOf<'payment.succeeded'> =>
  newEvent('payment.succeeded', 'payment', {
    paymentId: randomUUID(),
    userId,
    amount,
    currency,
    ...(description ? { description } : {}),
  });

export const publish = (sqs: SQSClient, queueUrl: string, body: EventEnvelope | string) =>
  sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }));

/** Up to 10 bodies in one SendMessageBatch (arrive in one receive more often than not). */
export const publishBatch = async (sqs: SQSClient, queueUrl: string, bodies: readonly (EventEnvelope | string)[]) => {
  const out = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: typeof b === 'string' ? b : JSON.stringify(b) })),
    }),
  );
  if (out.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
};

/** Polls until `probe` returns a value that is not undefined/false, or fails with `what`. */
export const waitFor = <T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> => waitUntil(what, probe, { timeoutMs, intervalMs });

/** Every notification in the table (contact items excluded), straight from DynamoDB. */
export const allNotifications = async (doc: DynamoDBDocumentClient, table: string): Promise<Notification[]> => {
  const items: Notification[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) if (item.eventId) items.push(item as Notification);
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
};

/** Visible + in-flight messages, as SQS approximates them. */
export const queueDepth = async (sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
};


/** The processor's user directory as the service builds it (the user service is down unless a test started it). */
export const userDirectoryOf = (config: NotificationConfig, logger: Logger): UserDirectory =>
  createUserDirectory(createServiceCalls(config.SERVICE_NAME, config.calls, config, logger).clientFor('user'));
