import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { sortKeyOf, type Notification, type Recipient } from './notification';

/**
 * Markers outlive the queue's retention (4 days), so any redelivery SQS can still make finds
 * its marker; DynamoDB TTL then removes them.
 */
export const PROCESSED_EVENT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The user's contact details share the notifications partition. Notification sort keys start
 * with an ISO timestamp (a digit), `#contact` sorts below them, so listings query `>= "0"`.
 */
const CONTACT_SORT_KEY = '#contact';
const NOTIFICATIONS_FLOOR = '0';

export interface NotificationStoreOptions {
  doc: DynamoDBDocumentClient;
  notificationsTable: string;
  processedEventsTable: string;
}

export interface NotificationPage {
  items: Notification[];
  /** Sort key of the last item returned when more remain. */
  lastSortKey?: string;
}

const isConditionFailure = (err: unknown): boolean =>
  err instanceof TransactionCanceledException &&
  (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

export const createNotificationStore = (opts: NotificationStoreOptions) => {
  const { doc, notificationsTable, processedEventsTable } = opts;
  const now = () => new Date();

  const toNotification = (item: Record<string, unknown>): Notification => {
    const { sortKey: _sortKey, leaseUntil: _leaseUntil, ...rest } = item;
    return rest as unknown as Notification;
  };

  return {
    /**
     * Writes the notification and the processed-event marker in one transaction, so a crash
     * can neither lose the notification nor let a redelivery write a second one.
     * `contact` (when the event carries it) is stored for later e-mails to the same user.
     * The notification is created with the delivery lease taken (see claimDelivery).
     */
    async recordOnce(n: Notification, leaseUntil: number, contact?: Recipient): Promise<'created' | 'duplicate'> {
      const at = now();
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: processedEventsTable,
                  Item: {
                    eventId: n.eventId,
                    notificationId: n.id,
                    processedAt: at.toISOString(),
                    expiresAt: Math.floor(at.getTime() / 1000) + PROCESSED_EVENT_TTL_SECONDS,
                  },
                  ConditionExpression: 'attribute_not_exists(eventId)',
                },
              },
              {
                Put: {
                  TableName: notificationsTable,
                  // Created with the delivery lease held by the writer.
                  Item: { ...n, sortKey: sortKeyOf(n), leaseUntil },
                  ConditionExpression: 'attribute_not_exists(userId)',
                },
              },
              ...(contact
                ? [
                    {
                      Put: {
                        TableName: notificationsTable,
                        Item: { userId: n.userId, sortKey: CONTACT_SORT_KEY, ...contact, updatedAt: at.toISOString() },
                      },
                    },
                  ]
                : []),
            ],
          }),
        );
        return 'created';
      } catch (err) {
        if (isConditionFailure(err)) return 'duplicate';
        throw err;
      }
    },

    /**
     * Takes the right to deliver `n` until `leaseUntil` (epoch ms), unless it was sent already or
     * another worker holds an unexpired lease. False when it could not be taken.
     */
    async claimDelivery(n: Notification, leaseUntil: number): Promise<boolean> {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: notificationsTable,
            Key: { userId: n.userId, sortKey: sortKeyOf(n) },
            ConditionExpression: '#status <> :sent AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
            UpdateExpression: 'SET leaseUntil = :until',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sent': 'sent', ':now': now().getTime(), ':until': leaseUntil },
          }),
        );
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    },

    async get(userId: string, sortKey: string): Promise<Notification | undefined> {
      const out = await doc.send(
        new GetCommand({ TableName: notificationsTable, Key: { userId, sortKey }, ConsistentRead: true }),
      );
      return out.Item ? toNotification(out.Item) : undefined;
    },

    async contactOf(userId: string): Promise<Recipient | undefined> {
      const out = await doc.send(
        new GetCommand({ TableName: notificationsTable, Key: { userId, sortKey: CONTACT_SORT_KEY }, ConsistentRead: true }),
      );
      return out.Item ? { email: String(out.Item.email), name: out.Item.name as string | undefined } : undefined;
    },

    /** Replaces the stored contact with a fresher one (the user service's answer). */
    async saveContact(userId: string, contact: Recipient): Promise<void> {
      await doc.send(
        new PutCommand({
          TableName: notificationsTable,
          Item: { userId, sortKey: CONTACT_SORT_KEY, ...contact, updatedAt: now().toISOString() },
        }),
      );
    },

    async markDelivery(n: Notification, outcome: { sent: true } | { sent: false; error: string }): Promise<void> {
      await doc.send(
        new UpdateCommand({
          TableName: notificationsTable,
          Key: { userId: n.userId, sortKey: sortKeyOf(n) },
          ConditionExpression: 'attribute_exists(userId)',
          UpdateExpression: outcome.sent
            ? 'SET #status = :status, sentAt = :at, attempts = attempts + :one REMOVE lastError, leaseUntil'
            : 'SET #status = :status, lastError = :error, attempts = attempts + :one REMOVE leaseUntil',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: outcome.sent
            ? { ':status': 'sent', ':at': now().toISOString(), ':one': 1 }
            : { ':status': 'failed', ':error': outcome.error.slice(0, 500), ':one': 1 },
        }),
      );
    },

    /** Newest first; fetches one extra item to know whether another page exists. */
    async listForUser(userId: string, limit: number, afterSortKey?: string): Promise<NotificationPage> {
      const out = await doc.send(
        new QueryCommand({
          TableName: notificationsTable,
          KeyConditionExpression: 'userId = :u AND sortKey >= :floor',
          ExpressionAttributeValues: { ':u': userId, ':floor': NOTIFICATIONS_FLOOR },
          ScanIndexForward: false,
          Limit: limit + 1,
          ...(afterSortKey ? { ExclusiveStartKey: { userId, sortKey: afterSortKey } } : {}),
        }),
      );
      const items = (out.Items ?? []).slice(0, limit);
      const more = (out.Items ?? []).length > limit;
      return {
        items: items.map(toNotification),
        ...(more ? { lastSortKey: String(items[items.length - 1]!.sortKey) } : {}),
      };
    },
  };
};

export type NotificationStore = ReturnType<typeof createNotificationStore>;
