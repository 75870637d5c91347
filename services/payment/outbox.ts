import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteItem } from './transact';

/**
 * The DynamoDB side of the transactional outbox (table `payment-outbox`, pk `eventId`).
 *
 * An event is written in the same transaction as its payment, then published by the relay.
 * Several tasks run a relay each, so an item is claimed with a conditional lease
 * (`claimedUntil`, epoch ms) before it is sent: in the normal path exactly one relay sends it.
 * A relay that dies after claiming leaves the lease to lapse and another relay re-sends the
 * item later (at-least-once; consumers de-duplicate by event id). Sent items are deleted, so
 * the table stays small and the scan below stays cheap.
 */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
  readonly body: string;
  /** W3C traceparent of the request that wrote the event: the consumer's span joins its trace. */
  readonly traceparent?: string;
}

interface OutboxItem {
  eventId: string;
  eventType: string;
  body: string;
  createdAt: string;
  claimedUntil: number;
  claimToken?: string;
  attempts?: number;
  lastError?: string;
  traceparent?: string;
}

export interface OutboxStoreOptions {
  /** How long a claimed item is reserved for the relay that claimed it; must exceed a send with retries. */
  readonly leaseMs: number;
  readonly now?: () => number;
}

type ClaimedEvent = Pick<OutboxEvent, 'id' | 'body' | 'traceparent'>;

export class DynamoOutbox {
  private readonly now: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: OutboxStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Transaction item adding an event to the outbox, unclaimed. */
  putItem(event: OutboxEvent): TransactWriteItem {
    const item: OutboxItem = {
      eventId: event.id,
      eventType: event.type,
      body: event.body,
      createdAt: new Date(this.now()).toISOString(),
      claimedUntil: 0,
      ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    };
    return { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(eventId)' } };
  }

  /** Lease up to `limit` unclaimed (or lapsed) items to this caller. */
  async claim(limit: number): Promise<ClaimedEvent[]> {
    const candidates = await this.findClaimable(limit);
    const claimToken = randomUUID();
    const claimed = await Promise.all(candidates.map((eventId) => this.claimOne(eventId, claimToken)));
    return claimed.filter((item): item is ClaimedEvent => item !== undefined);
  }

  /** Every item in the table is unsent (sent ones are deleted): the oldest `createdAt` of a scan. */
  async oldestUnsentAt(): Promise<Date | undefined> {
    let oldest: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, ProjectionExpression: 'createdAt', ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        const createdAt = String(item.createdAt);
        if (oldest === undefined || createdAt < oldest) oldest = createdAt;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return oldest === undefined ? undefined : new Date(oldest);
  }

  async markSent(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((eventId) => this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { eventId } }))));
  }

  /** Release the lease so the relay's next (backed-off) round retries the item; keep a trace of why it failed. */
  async markFailed(ids: readonly string[], error: string): Promise<void> {
    const message = error.slice(0, 500);
    await Promise.all(
      ids.map(async (eventId) => {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { eventId },
              UpdateExpression: 'SET claimedUntil = :zero, lastError = :error ADD attempts :one REMOVE claimToken',
              ConditionExpression: 'attribute_exists(eventId)',
              ExpressionAttributeValues: { ':zero': 0, ':error': message, ':one': 1 },
            }),
          );
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }),
    );
  }

  /** Number of items not yet sent (tests and diagnostics). */
  async pendingCount(): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, Select: 'COUNT', ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /** Unclaimed ids, oldest first among those scanned (SQS standard queues do not keep order anyway). */
  private async findClaimable(limit: number): Promise<string[]> {
    const found: { eventId: string; createdAt: string }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          // Strongly consistent so an event committed just before a kick is seen by it.
          ConsistentRead: true,
          ProjectionExpression: 'eventId, createdAt',
          FilterExpression: 'claimedUntil <= :now',
          ExpressionAttributeValues: { ':now': this.now() },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push({ eventId: String(item.eventId), createdAt: String(item.createdAt) });
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return found.slice(0, limit).map((item) => item.eventId);
  }

  private async claimOne(eventId: string, claimToken: string): Promise<ClaimedEvent | undefined> {
    const now = this.now();
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { eventId },
          UpdateExpression: 'SET claimedUntil = :until, claimToken = :token',
          // attribute_exists: the item may have been sent and deleted by another relay meanwhile.
          ConditionExpression: 'attribute_exists(eventId) AND claimedUntil <= :now',
          ExpressionAttributeValues: { ':until': now + this.options.leaseMs, ':token': claimToken, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = Attributes as OutboxItem;
      return { id: item.eventId, body: item.body, ...(item.traceparent ? { traceparent: item.traceparent } : {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined; // another relay has it
      throw error;
    }
  }
}
