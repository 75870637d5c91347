import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newEvent } from '../kit/events';
import { appMetrics } from '../kit/telemetry/metrics';
import { currentTraceparent } from '../kit/telemetry/trace-context';
import { hashRequest, scopedKey, type Acquisition, type IdempotencyStore } from './idempotency';
import type { DynamoOutbox } from './outbox';
import type { PaymentRepository } from './payments';
import type { CreatePayment, PaymentView } from './schemas';

export type CreatePaymentOutcome =
  | { readonly kind: 'created'; readonly payment: PaymentView }
  | Exclude<Acquisition, { kind: 'acquired' }>;

export interface CreatePaymentDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly payments: PaymentRepository;
  readonly outbox: DynamoOutbox;
  readonly idempotency: IdempotencyStore;
  /** Event `source` field. */
  readonly source: string;
  /** Called after a commit (kicks the outbox relay). */
  readonly onCommitted: () => void;
  readonly now?: () => number;
}

/** Position of the idempotency update in the transaction below (for reading cancellation reasons). */
const IDEMPOTENCY_ITEM = 2;

/** PaymentsCreated, IdempotentReplays, or PaymentsFailed (a conflict on the key, or an engine failure). */
const countOutcome = (outcome: CreatePaymentOutcome['kind'] | 'error'): void => {
  appMetrics().add(outcome === 'created' ? 'paymentsCreated' : outcome === 'replay' ? 'idempotentReplays' : 'paymentsFailed', {});
};

/**
 * Create a payment under an idempotency key: lock the key, then write the payment, its
 * `payment.succeeded` outbox event and the completed key record in ONE transaction, so either
 * all three exist or none does.
 */
export const createPaymentCommand = (deps: CreatePaymentDeps) => {
  const create = createPayment(deps);
  return async (userId: string, idempotencyKey: string, input: CreatePayment): Promise<CreatePaymentOutcome> => {
    try {
      const outcome = await create(userId, idempotencyKey, input);
      countOutcome(outcome.kind);
      return outcome;
    } catch (error) {
      countOutcome('error');
      throw error;
    }
  };
};

const createPayment =
  (deps: CreatePaymentDeps) =>
  async (userId: string, idempotencyKey: string, input: CreatePayment): Promise<CreatePaymentOutcome> => {
    const key = scopedKey(userId, idempotencyKey);
    const requestHash = hashRequest([input.amount, input.currency, input.description ?? null]);
    const acquisition = await deps.idempotency.acquire(key, requestHash);
    if (acquisition.kind !== 'acquired') return acquisition;

    const payment: PaymentView = {
      id: randomUUID(),
      userId,
      status: 'succeeded',
      amount: input.amount,
      currency: input.currency,
      ...(input.description !== undefined ? { description: input.description } : {}),
      createdAt: new Date((deps.now ?? Date.now)()).toISOString(),
    };
    const event = newEvent('payment.succeeded', deps.source, {
      paymentId: payment.id,
      userId,
      amount: payment.amount,
      currency: payment.currency,
      ...(payment.description !== undefined ? { description: payment.description } : {}),
    });
    try {
      await deps.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            deps.payments.putItem(payment),
            deps.outbox.putItem({ id: event.id, type: event.type, body: JSON.stringify(event), traceparent: currentTraceparent() }),
            deps.idempotency.completeItem(key, acquisition.lockToken, { status: 201, body: payment }),
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[IDEMPOTENCY_ITEM]?.Code === 'ConditionalCheckFailed'
      ) {
        // Our lock lapsed and another request took the key over: answer as that request's duplicate.
        return (await deps.idempotency.inspect(key, requestHash)) ?? { kind: 'in_flight', retryAfterSeconds: 1 };
      }
      // Nothing was written (or, after an ambiguous timeout, the record is already completed and
      // the conditional release is a no-op): free the key so the client's retry is not blocked.
      await deps.idempotency.release(key, acquisition.lockToken).catch(() => undefined);
      throw error;
    }
    deps.onCommitted();
    return { kind: 'created', payment };
  };
