import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { Logger } from '../kit/logger';
import type { Notification, Recipient } from './notification';

/**
 * Delivers a recorded notification to its recipient (the processor finds one, or defers: see
 * processor.ts). Throwing marks the delivery failed and retries the event.
 */
export interface Sender {
  readonly channel: string;
  send(notification: Notification, recipient: Recipient): Promise<void>;
}

/** Default sender: one structured log line per notification (the address is not logged). */
export const createLogSender = (logger: Logger): Sender => ({
  channel: 'log',
  async send(n) {
    logger.info({ notificationId: n.id, userId: n.userId, type: n.type, eventId: n.eventId }, `notification: ${n.title}`);
  },
});

/** E-mail through SES (v1 SendEmail; the task role holds ses:SendEmail on the from identity). */
export const createSesSender = (ses: SESClient, fromAddress: string): Sender => ({
  channel: 'email',
  async send(n, recipient) {
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
