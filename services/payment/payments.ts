import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PaymentView } from './schemas';
import type { TransactWriteItem } from './transact';

/** GSI of the `payments` table (catalog): userId + createdAt, all attributes projected. */
export const BY_USER_INDEX = 'by-user';

export interface PaymentPosition {
  readonly id: string;
  readonly createdAt: string;
}

export interface PaymentPage {
  readonly items: PaymentView[];
  /** Position of the last returned item when more may follow. */
  readonly next: PaymentPosition | null;
}

/** Only the public attributes, whatever else the item carries. */
const toView = (item: Record<string, unknown>): PaymentView => ({
  id: String(item.id),
  userId: String(item.userId),
  status: 'succeeded',
  amount: Number(item.amount),
  currency: item.currency as PaymentView['currency'],
  ...(typeof item.description === 'string' ? { description: item.description } : {}),
  createdAt: String(item.createdAt),
});

export class PaymentRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  putItem(payment: PaymentView): TransactWriteItem {
    return { Put: { TableName: this.tableName, Item: { ...payment }, ConditionExpression: 'attribute_not_exists(id)' } };
  }

  /** The payment when `userId` owns it; undefined for unknown ids and other users' payments alike. */
  async findOwned(id: string, userId: string): Promise<PaymentView | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }));
    return Item && Item.userId === userId ? toView(Item) : undefined;
  }

  /** A user's payments, newest first, `limit` per page, continuing after `after`. */
  async listByUser(userId: string, limit: number, after?: PaymentPosition): Promise<PaymentPage> {
    // One extra item tells whether another page exists, so the last page never hands out a
    // cursor that leads to an empty page.
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        ScanIndexForward: false,
        Limit: limit + 1,
        ExclusiveStartKey: after ? { userId, createdAt: after.createdAt, id: after.id } : undefined,
      }),
    );
    const items = (result.Items ?? []).slice(0, limit).map(toView);
    // LastEvaluatedKey with fewer items than asked means the 1 MB page limit cut the query short.
    const more = (result.Items?.length ?? 0) > limit || result.LastEvaluatedKey !== undefined;
    const last = items.at(-1);
    return { items, next: more && last ? { id: last.id, createdAt: last.createdAt } : null };
  }
}
