/** Platform events: one envelope, a discriminated union on `type`, versioned data. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

const envelope = {
  id: z.uuid(),
  version: z.literal(1),
  occurredAt: z.iso.datetime(),
  source: z.string().min(1),
};

export const userRegisteredSchema = z.object({
  ...envelope,
  type: z.literal('user.registered'),
  data: z.object({ userId: z.string().min(1), email: z.email(), name: z.string() }),
});

export const paymentSucceededSchema = z.object({
  ...envelope,
  type: z.literal('payment.succeeded'),
  data: z.object({
    paymentId: z.string().min(1),
    userId: z.string().min(1),
    amount: z.number().int().positive(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    description: z.string().optional(),
  }),
});

export const eventEnvelopeSchema = z.discriminatedUnion('type', [userRegisteredSchema, paymentSucceededSchema]);

export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;
export type EventType = EventEnvelope['type'];
export type EventOf<T extends EventType> = Extract<EventEnvelope, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

export const EVENT_TYPES: readonly EventType[] = ['user.registered', 'payment.succeeded'];

export const newEvent = <T extends EventType>(type: T, source: string, data: EventData<T>): EventOf<T> =>
  ({ id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), source, data }) as EventOf<T>;

/** Parse an SQS message body; throws (a poison message) when it is not a valid envelope. */
export const parseEvent = (body: string): EventEnvelope => eventEnvelopeSchema.parse(JSON.parse(body));
