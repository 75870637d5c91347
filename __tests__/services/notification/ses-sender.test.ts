/**
 * The SES sender end to end through the processor: DynamoDB Local for records and contacts, and
 * a local HTTP endpoint standing in for SES that records each SendEmail request it receives.
 */
import { SESClient } from '@aws-sdk/client-ses';
import type { Message } from '@aws-sdk/client-sqs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamo } from '../../../services/kit/clients/dynamo';
import { createLogger } from '../../../services/kit/logger';
import { loadNotificationConfig } from '../../../services/notification/config';
import { createEventProcessor, RecipientUnavailableError } from '../../../services/notification/processor';
import { createSesSender } from '../../../services/notification/senders';
import { createNotificationStore } from '../../../services/notification/store';
import { provisionTestNamespace } from '../../support/namespace';
import { allNotifications, paid, registered, userDirectoryOf } from './helpers';

let server: Server;
const requests: URLSearchParams[] = [];
let failNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error><RequestId>r</RequestId></ErrorResponse>');
        return;
      }
      requests.push(new URLSearchParams(body));
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<SendEmailResponse><SendEmailResult><MessageId>m-${requests.length}</MessageId></SendEmailResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const message = (body: unknown): Message => ({ MessageId: 'm', ReceiptHandle: 'r', Body: JSON.stringify(body) });

it('e-mails the welcome to the registered address and the receipt to the same user later', async () => {
  const ns = await provisionTestNamespace();
  const env = ns.env.notification!;
  const config = loadNotificationConfig({ ...env, NOTIFICATION_SENDER: 'ses', SES_FROM_ADDRESS: 'no-reply@example.com' });
  const dynamo = createDynamo(config);
  const ses = new SESClient({
    region: config.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxAttempts: 1,
  });
  try {
    const store = createNotificationStore({
      doc: dynamo.doc,
      notificationsTable: config.tables.notifications,
      processedEventsTable: config.tables.processedEvents,
    });
    const logger = createLogger({ service: 'notification', level: 'silent' });
    const handle = createEventProcessor({
      store,
      sender: createSesSender(ses, 'no-reply@example.com'),
      logger,
      directory: userDirectoryOf(config, logger),
    });

    // A receipt before any registration while the user service is down: no address anywhere,
    // recorded as failed and deferred (the message comes back later), nothing sent.
    const early = paid('ses-user', 999, 'USD');
    await expect(handle(message(early))).rejects.toBeInstanceOf(RecipientUnavailableError);

    const welcome = registered('ses-user', 'Ada');
    await handle(message(welcome));
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(requests[0]!)).toMatchObject({
      Action: 'SendEmail',
      Source: 'no-reply@example.com',
      'Destination.ToAddresses.member.1': welcome.data.email,
      'Message.Subject.Data': 'Welcome aboard',
      'Message.Body.Text.Data': 'Hi Ada, your account is ready.',
    });

    // The redelivered receipt now finds the address; an SES rejection is recorded, then retried.
    failNext = 1;
    await expect(handle(message(early))).rejects.toThrow(/not verified/);
    await handle(message(early));
    expect(requests).toHaveLength(2);
    expect(requests[1]!.get('Destination.ToAddresses.member.1')).toBe(welcome.data.email);
    expect(requests[1]!.get('Message.Body.Text.Data')).toContain('$9.99');

    const items = await allNotifications(dynamo.doc, config.tables.notifications);
    expect(items.map((n) => [n.type, n.channel, n.status, n.attempts]).sort()).toEqual([
      ['payment-receipt', 'email', 'sent', 3],
      ['welcome', 'email', 'sent', 1],
    ]);
  } finally {
    ses.destroy();
    dynamo.client.destroy();
  }
}, 30_000);
