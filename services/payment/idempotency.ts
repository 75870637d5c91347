import { createHash, randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteItem } from './transact';

/**
 * Idempotency-key records (table `idempotency-keys`, pk `key` = `<userId>#<Idempotency-Key>`).
 *
 * A request first takes an in-flight lock with a conditional put; the payment transaction then
 * turns the record into `completed` with the stored response, on the condition that the lock is
 * still ours. A crashed task's lock simply expires (`lockedUntil`), so a retry proceeds.
 * DynamoDB's TTL deletes records lazily (up to days later), so expiry is also enforced here.
 */
export interface IdempotencyOptions {
  /** How long an in-flight lock holds before another request may take the key over. */
  readonly lockMs: number;
  /** How long a key is remembered (the `expiresAt` TTL attribute). */
  readonly ttlSeconds: number;
  readonly now?: () => number;
}

interface IdempotencyItem {
  key: string;
  status: 'in_flight' | 'completed';
  requestHash: string;
  expiresAt: number;
  lockToken?: string;
  lockedUntil?: number;
  responseStatus?: number;
  responseBody?: string;
}

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

export type Acquisition =
  | { readonly kind: 'acquired'; readonly lockToken: string }
  /** The key already finished with this very request: replay the stored response. */
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  /** The key was used with a different request body. */
  | { readonly kind: 'mismatch' }
  /** Another request with this key is still being processed. */
  | { readonly kind: 'in_flight'; readonly retryAfterSeconds: number };

/** Hash of the validated request, independent of JSON formatting and key order. */
export const hashRequest = (fields: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(fields)).digest('base64url');

export const scopedKey = (userId: string, idempotencyKey: string): string => `${userId}#${idempotencyKey}`;

export class IdempotencyStore {
  private readonly now: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: IdempotencyOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Take the key, or say what the existing record means for this request. */
  async acquire(key: string, requestHash: string): Promise<Acquisition> {
    // A record can vanish or expire between our failed put and the read: then try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const lockToken = randomUUID();
      const now = this.now();
      const item: IdempotencyItem = {
        key,
        status: 'in_flight',
        requestHash,
        lockToken,
        lockedUntil: now + this.options.lockMs,
        expiresAt: Math.floor(now / 1000) + this.options.ttlSeconds,
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression:
              'attribute_not_exists(#key) OR #expiresAt <= :nowSeconds OR (#status = :inFlight AND #lockedUntil <= :nowMs)',
            ExpressionAttributeNames: { '#key': 'key', '#expiresAt': 'expiresAt', '#status': 'status', '#lockedUntil': 'lockedUntil' },
            ExpressionAttributeValues: { ':nowSeconds': Math.floor(now / 1000), ':nowMs': now, ':inFlight': 'in_flight' },
          }),
        );
        return { kind: 'acquired', lockToken };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const existing = await this.inspect(key, requestHash);
      if (existing) return existing;
    }
    // Three lost races in a row: the key is being fought over right now.
    return { kind: 'in_flight', retryAfterSeconds: 1 };
  }

  /**
   * What a live record means for this request, or undefined when there is no live record.
   * Used after a lost conditional put and after a commit that found its lock taken over.
   */
  async inspect(key: string, requestHash: string): Promise<Exclude<Acquisition, { kind: 'acquired' }> | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }));
    const record = Item as IdempotencyItem | undefined;
    const now = this.now();
    if (!record || record.expiresAt <= Math.floor(now / 1000)) return undefined;
    if (record.requestHash !== requestHash) return { kind: 'mismatch' };
    if (record.status === 'completed' && record.responseStatus !== undefined && record.responseBody !== undefined) {
      return { kind: 'replay', response: { status: record.responseStatus, body: JSON.parse(record.responseBody) } };
    }
    if ((record.lockedUntil ?? 0) <= now) return undefined;
    return { kind: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil(((record.lockedUntil ?? now) - now) / 1000)) };
  }

  /** Transaction item turning our in-flight lock into a completed record holding the response. */
  completeItem(key: string, lockToken: string, response: StoredResponse): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: { key },
        UpdateExpression:
          'SET #status = :completed, #responseStatus = :responseStatus, #responseBody = :responseBody, #expiresAt = :expiresAt REMOVE #lockToken, #lockedUntil',
        ConditionExpression: '#lockToken = :lockToken AND #status = :inFlight',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#responseStatus': 'responseStatus',
          '#responseBody': 'responseBody',
          '#expiresAt': 'expiresAt',
          '#lockToken': 'lockToken',
          '#lockedUntil': 'lockedUntil',
        },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':inFlight': 'in_flight',
          ':responseStatus': response.status,
          ':responseBody': JSON.stringify(response.body),
          ':expiresAt': Math.floor(this.now() / 1000) + this.options.ttlSeconds,
          ':lockToken': lockToken,
        },
      },
    };
  }

  /** Give the key back after a failed attempt so the client's retry need not wait for the lock to lapse. */
  async release(key: string, lockToken: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { key },
          ConditionExpression: '#lockToken = :lockToken AND #status = :inFlight',
          ExpressionAttributeNames: { '#lockToken': 'lockToken', '#status': 'status' },
          ExpressionAttributeValues: { ':lockToken': lockToken, ':inFlight': 'in_flight' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
