import { createHash } from 'node:crypto';
import type { EventEnvelope } from '../kit/events';

export type NotificationType = 'welcome' | 'payment-receipt';
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface Notification {
  id: string;
  userId: string;
  type: NotificationType;
  title: string;
  body: string;
  eventId: string;
  /** The event's occurrence time (ISO, UTC): part of the key, so it must be derived from the event. */
  createdAt: string;
  /** Channel of the sender that delivers it (`log`, `email`). */
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  sentAt?: string;
  lastError?: string;
}

/** Who the notification goes to, when the event (or an earlier one) told us. */
export interface Recipient {
  email: string;
  name?: string;
}

/**
 * Derived from the event id only, so every redelivery of an event maps to the same record key
 * (the de-duplication transaction relies on it).
 */
export const notificationIdFor = (eventId: string): string =>
  `ntf_${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;

/** `<createdAt ISO>#<id>`: a descending Query returns newest first. */
export const sortKeyOf = (n: Pick<Notification, 'createdAt' | 'id'>): string => `${n.createdAt}#${n.id}`;

/**
 * One formatter per currency, built on first use: constructing an Intl.NumberFormat per event was
 * ~3 % of the consumer's CPU (bench/results/consumer.md). Bounded by the set of ISO currency codes
 * (an unknown code throws and is not kept).
 */
const formats = new Map<string, Intl.NumberFormat>();
const formatOf = (currency: string): Intl.NumberFormat => {
  let format = formats.get(currency);
  if (!format) formats.set(currency, (format = new Intl.NumberFormat('en', { style: 'currency', currency })));
  return format;
};

/** Amounts travel in minor units; the currency decides how many (JPY 0, EUR 2, KWD 3). */
const formatAmount = (minorUnits: number, currency: string): string => {
  const format = formatOf(currency);
  return format.format(minorUnits / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
};

/** The notification an event produces (status `pending` until a sender delivered it). */
export const notificationFor = (event: EventEnvelope, channel: string): Notification => {
  const common = {
    id: notificationIdFor(event.id),
    eventId: event.id,
    createdAt: new Date(event.occurredAt).toISOString(),
    channel,
    status: 'pending' as const,
    attempts: 0,
  };
  switch (event.type) {
    case 'user.registered':
      return {
        ...common,
        userId: event.data.userId,
        type: 'welcome',
        title: 'Welcome aboard',
        body: `Hi ${event.data.name}, your account is ready.`,
      };
    case 'payment.succeeded': {
      const { amount, currency, description, paymentId } = event.data;
      const what = description ? ` for "${description}"` : '';
      return {
        ...common,
        userId: event.data.userId,
        type: 'payment-receipt',
        title: 'Payment received',
        body: `We received your payment of ${formatAmount(amount, currency)}${what} (reference ${paymentId}).`,
      };
    }
  }
};
