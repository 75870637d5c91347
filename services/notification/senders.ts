import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { Logger } from '../kit/logger';
import type { Notification, Recipient } from './notification';

/** Delivers a recorded notification. Throwing marks the delivery failed and retries the event. */
export interface Sender {
  readonly channel: string;
  send(notification: Notification, recipient: Recipient | undefined): Promise<void>;
}

/** Default sender: one structured log line per notification (no address needed). */
export const createLogSender = (logger: Logger): Sender => ({
  channel: 'log',
  async send(n, recipient) {
    logger.info(
      { notificationId: n.id, userId: n.userId, type: n.type, eventId: n.eventId, hasEmail: Boolean(recipient) },
      `notification: ${n.title}`,
    );
  },
});

export class RecipientUnknownError extends Error {
  constructor(userId: string) {
    super(`no e-mail address known for user ${userId} yet`);
    this.name = 'RecipientUnknownError';
  }
}

/** E-mail through SES (v1 SendEmail; the task role holds ses:SendEmail on the from identity). */
export const createSesSender = (ses: SESClient, fromAddress: string): Sender => ({
  channel: 'email',
  async send(n, recipient) {
    // The event may arrive before the registration that carries the address: retrying later helps.
    if (!recipient) throw new RecipientUnknownError(n.userId);
    await ses.send(
      new SendEmailCommand({
        Source: fromAddress,
        Destination: { ToAddresses: [recipient.email] },
        Message: {
          Subject: { Data: n.title, Charset: 'UTF-8' },
          Body: { Text: { Data: n.body, Charset: 'UTF-8' } },
        },
      }),
    );
  },
});
