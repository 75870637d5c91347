import { createApp } from '../kit/app';
import { requireAuth } from '../kit/auth';
import { createDynamo, dynamoHealthCheck } from '../kit/clients/dynamo';
import { createSqs } from '../kit/clients/sqs';
import { createOutboxRelay } from '../kit/outbox-relay';
import { createServiceCalls } from '../kit/service-call/from-config';
import type { ServiceDefinition } from '../kit/service';
import { createUserDirectory } from '../kit/user-directory';
import { createAccountCheck } from './account-check';
import { createAccessTokenVerifier } from '../kit/tokens/from-config';
import { loadPaymentConfig, type PaymentConfig } from './config';
import { createPaymentCommand } from './create-payment';
import { IdempotencyStore } from './idempotency';
import { DynamoOutbox } from './outbox';
import { PaymentRepository } from './payments';
import { registerPaymentRoutes } from './routes';

export const paymentService: ServiceDefinition<PaymentConfig> = {
  name: 'payment',
  loadConfig: loadPaymentConfig,
  async build({ config, logger, isShuttingDown }) {
    // Public keys only (KMS GetPublicKey in AWS), loaded before anything else opens.
    const { verify } = await createAccessTokenVerifier(config.tokens, config);
    const dynamo = createDynamo(config);
    const sqs = createSqs(config);
    const payments = new PaymentRepository(dynamo.doc, config.tables.payments);
    const idempotency = new IdempotencyStore(dynamo.doc, config.tables.idempotencyKeys, config.idempotency);
    const outbox = new DynamoOutbox(dynamo.doc, config.tables.outbox, { leaseMs: config.outbox.leaseMs });
    const calls = createServiceCalls(config.SERVICE_NAME, config.calls, config, logger);
    const relay = createOutboxRelay({
      name: 'payment-outbox',
      logger,
      sqs,
      queueUrl: config.eventsQueueUrl,
      source: outbox,
      pollIntervalMs: config.outbox.pollIntervalMs,
      batchSize: config.outbox.batchSize,
      maxBackoffMs: config.outbox.maxBackoffMs,
    });

    // Readiness covers DynamoDB only. SQS is deliberately left out: events wait in the outbox
    // while SQS is unavailable, so payments keep succeeding; failing readiness on SQS would
    // take every task out of the load balancer for an outage the outbox already absorbs.
    const checks = [config.tables.payments, config.tables.idempotencyKeys, config.tables.outbox].map((table) =>
      dynamoHealthCheck(dynamo.client, table),
    );
    const app = createApp({ serviceName: config.SERVICE_NAME, logger, checks, isShuttingDown });
    registerPaymentRoutes(app, {
      auth: requireAuth({ verify }),
      payments,
      checkAccount: createAccountCheck({ directory: createUserDirectory(calls.clientFor('user')) }),
      createPayment: createPaymentCommand({
        doc: dynamo.doc,
        payments,
        outbox,
        idempotency,
        source: config.SERVICE_NAME,
        onCommitted: () => relay.kick(),
      }),
    });

    return {
      app,
      checks,
      workers: [relay],
      async close() {
        calls.close();
        dynamo.client.destroy();
        sqs.destroy();
      },
    };
  },
};
