import { z } from 'zod';
import { findService } from '../catalog';
import { commonSettings, loadConfig, queueUrl, serviceCallSettings, shapeForService, tableName, type CommonSettings, type ServiceCallSettings } from '../kit/config';

const spec = findService('payment');

/** Tunables with safe defaults; the catalog-derived variables come from `shapeForService`. */
const tuningShape = {
  /** In-flight lock on an idempotency key; a crashed task's lock lapses after this. */
  IDEMPOTENCY_LOCK_MS: z.coerce.number().int().min(1000).max(60_000).default(15_000),
  /** How long an idempotency key is remembered (contract: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(60).default(24 * 3600),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10).default(10),
  /** Cap of the relay's backoff while SQS fails: how soon after an outage ends events flow again. */
  OUTBOX_MAX_BACKOFF_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Lease on a claimed outbox item; must exceed one send with its retries. */
  OUTBOX_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
};

export interface PaymentConfig extends CommonSettings {
  readonly tables: { readonly payments: string; readonly idempotencyKeys: string; readonly outbox: string };
  readonly eventsQueueUrl: string;
  /** The user service (`needs.calls`). */
  readonly calls: ServiceCallSettings;
  readonly idempotency: { readonly lockMs: number; readonly ttlSeconds: number };
  readonly outbox: {
    readonly pollIntervalMs: number;
    readonly batchSize: number;
    readonly maxBackoffMs: number;
    readonly leaseMs: number;
  };
}

export const loadPaymentConfig = (env: NodeJS.ProcessEnv): PaymentConfig => {
  const raw = loadConfig({ ...shapeForService(spec), ...tuningShape }, env) as Record<string, unknown>;
  const tuning = raw as z.infer<z.ZodObject<typeof tuningShape>>;
  return {
    ...commonSettings(raw),
    tables: {
      payments: tableName(raw, 'payments'),
      idempotencyKeys: tableName(raw, 'idempotency-keys'),
      outbox: tableName(raw, 'payment-outbox'),
    },
    eventsQueueUrl: queueUrl(raw, 'events'),
    calls: serviceCallSettings(raw, spec.needs.calls ?? []),
    idempotency: { lockMs: tuning.IDEMPOTENCY_LOCK_MS, ttlSeconds: tuning.IDEMPOTENCY_TTL_SECONDS },
    outbox: {
      pollIntervalMs: tuning.OUTBOX_POLL_INTERVAL_MS,
      batchSize: tuning.OUTBOX_BATCH_SIZE,
      maxBackoffMs: tuning.OUTBOX_MAX_BACKOFF_MS,
      leaseMs: tuning.OUTBOX_LEASE_MS,
    },
  };
};
