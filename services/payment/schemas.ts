import { z } from '@hono/zod-openapi';
import { MAX_URL_BYTES } from '../kit/limits';
import { cursorQuery } from '../kit/pagination';
import { text } from '../kit/text';
import { CURRENCIES } from './currencies';

export const MAX_AMOUNT = 1_000_000_000;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** 1–255 visible ASCII characters (no spaces or control characters). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const createPaymentHeaders = z.object({
  'idempotency-key': z
    .string({ error: 'the Idempotency-Key header is required' })
    .regex(IDEMPOTENCY_KEY, 'must be 1-255 visible ASCII characters')
    // Lower-case: Hono validates headers under lower-case names (HTTP header names are case-insensitive).
    .openapi({ param: { in: 'header', description: 'Idempotency-Key: 1-255 visible ASCII characters' }, example: 'order-4711-attempt' }),
});

export const createPaymentBody = z
  .strictObject({
    amount: z.int().min(1).max(MAX_AMOUNT).openapi({ description: 'Minor units (cents)', example: 1999 }),
    currency: z.enum(CURRENCIES).openapi({ description: 'ISO 4217 code', example: 'EUR' }),
    description: text({ max: 500 }).optional(),
  })
  .openapi('CreatePayment');
export type CreatePayment = z.infer<typeof createPaymentBody>;

export const paymentView = z
  .object({
    id: z.uuid(),
    userId: z.string(),
    status: z.literal('succeeded'),
    amount: z.int(),
    currency: z.enum(CURRENCIES),
    description: z.string().optional(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Payment');
export type PaymentView = z.infer<typeof paymentView>;

export const paymentList = z
  .object({ items: z.array(paymentView), nextCursor: z.string().nullable() })
  .openapi('PaymentList');

// Any text up to the URL limit: an id that is not a uuid cannot exist, and is a 404 (routes.ts).
export const paymentIdParams = z.object({
  id: text({ max: MAX_URL_BYTES }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const listPaymentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: cursorQuery.optional(),
});

/** What the list cursor carries: the GSI position of the last returned item (userId comes from the token). */
export const listCursor = z.strictObject({ id: z.uuid(), createdAt: z.iso.datetime() });
