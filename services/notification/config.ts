import { z } from 'zod';
import { findQueue, findService } from '../catalog';
import {
  commonSettings,
  ConfigError,
  loadConfig,
  queueUrl,
  serviceCallSettings,
  shapeForService,
  tableName,
  type CommonSettings,
  type ServiceCallSettings,
} from '../kit/config';

const spec = findService('notification');
const events = findQueue('events');

/** Sender selection and consumer tunables; the catalog-derived variables come from `shapeForService`. */
const notificationShape = {
  NOTIFICATION_SENDER: z.enum(['log', 'ses']).default('log'),
  SES_FROM_ADDRESS: z.string().email().optional(),
  /** Long-poll wait; tests use short waits so stop() and fault tests are quick. */
  CONSUMER_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(events.receiveWaitSeconds),
  CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(10).default(10),
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /** Must match the queue's setting (the catalog's by default; tests provision shorter ones). */
  CONSUMER_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(43_200).default(events.visibilityTimeoutSeconds),
  /** First retry delay after a failed message (doubles per receive, capped at 60 s). */
  CONSUMER_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(900).default(2),
  /** Below the kit's 25 s shutdown deadline, so released messages are handed back in time. */
  CONSUMER_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(20_000).default(20_000),
};

export type SenderConfig = { readonly kind: 'log' } | { readonly kind: 'ses'; readonly fromAddress: string };

export interface NotificationConfig extends CommonSettings {
  readonly tables: { readonly notifications: string; readonly processedEvents: string };
  readonly eventsQueueUrl: string;
  /** The user service (`needs.calls`). */
  readonly calls: ServiceCallSettings;
  readonly sender: SenderConfig;
  readonly consumer: {
    readonly waitTimeSeconds: number;
    readonly batchSize: number;
    readonly concurrency: number;
    /** The queue's visibility timeout: what the heartbeat keeps re-extending. */
    readonly visibilityTimeoutSeconds: number;
    readonly retryBaseSeconds: number;
    readonly drainTimeoutMs: number;
  };
}

export const loadNotificationConfig = (env: NodeJS.ProcessEnv): NotificationConfig => {
  const raw = loadConfig({ ...shapeForService(spec), ...notificationShape }, env) as Record<string, unknown>;
  const own = raw as z.infer<z.ZodObject<typeof notificationShape>>;
  if (own.NOTIFICATION_SENDER === 'ses' && !own.SES_FROM_ADDRESS) {
    throw new ConfigError([{ variable: 'SES_FROM_ADDRESS', message: 'required when NOTIFICATION_SENDER=ses' }]);
  }
  return {
    ...commonSettings(raw),
    tables: {
      notifications: tableName(raw, 'notifications'),
      processedEvents: tableName(raw, 'processed-events'),
    },
    eventsQueueUrl: queueUrl(raw, 'events'),
    calls: serviceCallSettings(raw, spec.needs.calls ?? []),
    sender:
      own.NOTIFICATION_SENDER === 'ses' ? { kind: 'ses', fromAddress: own.SES_FROM_ADDRESS! } : { kind: 'log' },
    consumer: {
      waitTimeSeconds: own.CONSUMER_WAIT_SECONDS,
      batchSize: own.CONSUMER_BATCH_SIZE,
      concurrency: own.CONSUMER_CONCURRENCY,
      visibilityTimeoutSeconds: own.CONSUMER_VISIBILITY_TIMEOUT_SECONDS,
      retryBaseSeconds: own.CONSUMER_RETRY_BASE_SECONDS,
      drainTimeoutMs: own.CONSUMER_DRAIN_TIMEOUT_MS,
    },
  };
};
