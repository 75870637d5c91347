import type { Message } from '@aws-sdk/client-sqs';
import { ZodError } from 'zod';
import { parseEvent, type EventEnvelope } from '../kit/events';
import type { Logger } from '../kit/logger';
import { appMetrics } from '../kit/telemetry/metrics';
import type { UserDirectory } from '../kit/user-directory';
import { PoisonMessageError } from './consumer';
import { notificationFor, sortKeyOf, type Notification, type Recipient } from './notification';
import type { Sender } from './senders';
import type { NotificationStore } from './store';

/** The kit's parser, with its failures classified: retrying an invalid body can never help. */
const parsePoisonAware = (body: string | undefined): EventEnvelope => {
  try {
    return parseEvent(body ?? '');
  } catch (err) {
    if (err instanceof ZodError) {
      const issues = err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new PoisonMessageError(`not a known event envelope: ${issues}`);
    }
    throw new PoisonMessageError('body is not valid JSON');
  }
};

/** Retryable: another worker is delivering this notification right now (or crashed doing so). */
export class DeliveryInProgressError extends Error {
  constructor(notificationId: string) {
    super(`delivery of ${notificationId} is in progress elsewhere`);
    this.name = 'DeliveryInProgressError';
  }
}

/**
 * Retryable: the user service cannot say where to send, and no copy of the contact is stored.
 * Declared degradation "defer": the message comes back through the queue (with its backoff).
 */
export class RecipientUnavailableError extends Error {
  constructor(userId: string) {
    super(`the user service is unavailable and no contact of ${userId} is stored; deferred`);
    this.name = 'RecipientUnavailableError';
  }
}

/**
 * Longer than a send can take (SES client: bounded timeouts and attempts); a crashed worker's
 * lease lapses after it, before its message comes back from the queue (visibility 30 s).
 */
export const DEFAULT_DELIVERY_LEASE_MS = 20_000;

/**
 * One event → exactly one notification record, then delivery.
 *
 * The record and the processed marker commit together; a redelivered event finds the marker and
 * only retries delivery when the first attempt did not finish (crash, sender failure). A delivery
 * lease on the record keeps concurrent duplicates from sending twice.
 */
export const createEventProcessor = (deps: {
  store: NotificationStore;
  sender: Sender;
  logger: Logger;
  /** The user service: the recipient's current e-mail and name. */
  directory: UserDirectory;
  deliveryLeaseMs?: number;
}) => {
  const { store, sender, logger, directory, deliveryLeaseMs = DEFAULT_DELIVERY_LEASE_MS } = deps;

  /**
   * Where to send: the user service's current answer (and it refreshes the stored copy). Declared
   * degradation when it is unavailable: the copy from the event or from user.registered; without
   * one, defer. `undefined`: the account was deleted, nothing is sent.
   */
  const recipientOf = async (n: Notification, contact: Recipient | undefined, contactStored: boolean): Promise<Recipient | undefined> => {
    const found = await directory.lookup(n.userId, n.eventId);
    if (found.kind === 'found') {
      const current = { email: found.user.email, name: found.user.name };
      // user.registered: recordOnce has just stored the event's copy; write only if the answer differs.
      const unchanged = contactStored && contact?.email === current.email && contact.name === current.name;
      if (!unchanged) await store.saveContact(n.userId, current);
      return current;
    }
    if (found.kind === 'gone') return undefined;
    const stored = contact ?? (await store.contactOf(n.userId));
    if (!stored) throw new RecipientUnavailableError(n.userId);
    logger.info({ eventId: n.eventId, notificationId: n.id }, 'user service unavailable; sending to the stored contact');
    return stored;
  };

  /** `contactStored`: `contact` was written with the notification in this very attempt (recordOnce created it). */
  const deliver = async (n: Notification, contact: Recipient | undefined, contactStored: boolean): Promise<void> => {
    let recipient: Recipient | undefined;
    try {
      recipient = await recipientOf(n, contact, contactStored);
      if (recipient) await sender.send(n, recipient);
    } catch (err) {
      appMetrics().add('notificationsFailed', {});
      const error = err instanceof Error ? err.message : String(err);
      await store.markDelivery(n, { sent: false, error });
      // Rethrown so the message comes back later and delivery is retried (the record stays single).
      throw err;
    }
    if (!recipient) {
      logger.info({ eventId: n.eventId, notificationId: n.id }, 'recipient account deleted; not sent');
      await store.markDelivery(n, { sent: false, error: 'recipient account deleted' });
      return;
    }
    await store.markDelivery(n, { sent: true });
    appMetrics().add('notificationsSent', {});
  };

  return async (message: Message): Promise<void> => {
    const event = parsePoisonAware(message.Body);
    const draft = notificationFor(event, sender.channel);
    const contact = event.type === 'user.registered' ? { email: event.data.email, name: event.data.name } : undefined;
    const outcome = await store.recordOnce(draft, Date.now() + deliveryLeaseMs, contact);
    if (outcome === 'created') return deliver(draft, contact, contact !== undefined);

    const existing = await store.get(draft.userId, sortKeyOf(draft));
    if (!existing || existing.status === 'sent') {
      logger.debug({ eventId: event.id, messageId: message.MessageId }, 'duplicate event ignored');
      return;
    }
    if (!(await store.claimDelivery(existing, Date.now() + deliveryLeaseMs))) throw new DeliveryInProgressError(existing.id);
    logger.info({ eventId: event.id, notificationId: existing.id }, 'duplicate event, retrying unfinished delivery');
    return deliver(existing, contact, false);
  };
};
