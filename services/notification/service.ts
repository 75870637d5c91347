/**
 * Notification service: consumes platform events from SQS (at least once), records exactly one
 * notification per event in DynamoDB, delivers it through a Sender, and lists a user's
 * notifications at GET /notifications.
 */
import { createApp } from '../kit/app';
import { requireAuth } from '../kit/auth';
import { createDynamo, dynamoHealthCheck } from '../kit/clients/dynamo';
import { createSes } from '../kit/clients/ses';
import { createSqs } from '../kit/clients/sqs';
import type { Logger } from '../kit/logger';
import { createServiceCalls } from '../kit/service-call/from-config';
import type { ServiceDefinition } from '../kit/service';
import { createUserDirectory } from '../kit/user-directory';
import { createAccessTokenVerifier } from '../kit/tokens/from-config';
import { loadNotificationConfig, type NotificationConfig } from './config';
import { createQueueConsumer } from './consumer';
import { createEventProcessor } from './processor';
import { registerNotificationRoutes } from './routes';
import { createLogSender, createSesSender, type Sender } from './senders';
import { createNotificationStore } from './store';

/** Consumer state for operators (not routed by the ALB, which only forwards /notifications*). */
export const CONSUMER_HEALTH_PATH = '/health/consumer';

const createSender = (config: NotificationConfig, logger: Logger): { sender: Sender; close(): void } => {
  if (config.sender.kind === 'log') return { sender: createLogSender(logger), close: () => undefined };
  // One send stays well inside the processor's delivery lease (DEFAULT_DELIVERY_LEASE_MS).
  const ses = createSes(config, { requestTimeoutMs: 5000, maxAttempts: 2 });
  return { sender: createSesSender(ses, config.sender.fromAddress), close: () => ses.destroy() };
};

export const notificationService: ServiceDefinition<NotificationConfig> = {
  name: 'notification',
  loadConfig: loadNotificationConfig,
  async build({ config, logger, isShuttingDown }) {
    // Public keys only (KMS GetPublicKey in AWS), loaded before anything else opens.
    const { verify } = await createAccessTokenVerifier(config.tokens, config);
    const dynamo = createDynamo(config);
    const sqs = createSqs(config, { longPollSeconds: config.consumer.waitTimeSeconds });
    const { sender, close: closeSender } = createSender(config, logger);
    const store = createNotificationStore({
      doc: dynamo.doc,
      notificationsTable: config.tables.notifications,
      processedEventsTable: config.tables.processedEvents,
    });
    const calls = createServiceCalls(config.SERVICE_NAME, config.calls, config, logger);
    const consumer = createQueueConsumer({
      name: 'events-consumer',
      queue: 'events',
      logger,
      sqs,
      queueUrl: config.eventsQueueUrl,
      handle: createEventProcessor({ store, sender, logger, directory: createUserDirectory(calls.clientFor('user')) }),
      ...config.consumer,
    });

    // Readiness covers what requests need (DynamoDB). An SQS outage does not make the API
    // unable to serve, and the consumer backs off and recovers by itself: failing readiness
    // would only make ECS/ALB cycle healthy tasks. The consumer's state is reported separately.
    const checks = [dynamoHealthCheck(dynamo.client, config.tables.notifications)];
    const app = createApp({ serviceName: config.SERVICE_NAME, logger, checks, isShuttingDown });
    app.get(CONSUMER_HEALTH_PATH, (c) => {
      const health = consumer.health();
      return c.json({ status: health.consecutiveReceiveErrors > 0 ? 'degraded' : 'ok', ...health });
    });
    registerNotificationRoutes(app, { auth: requireAuth({ verify }), store });

    return {
      app,
      checks,
      workers: [consumer],
      async close() {
        calls.close();
        closeSender();
        sqs.destroy();
        dynamo.client.destroy();
      },
    };
  },
};
