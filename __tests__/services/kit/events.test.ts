import { captureLogger } from './helpers';
import { backoffDelay } from '../../../services/kit/backoff';
import { eventEnvelopeSchema, newEvent, parseEvent } from '../../../services/kit/events';

describe('events', () => {
  it('newEvent builds a valid envelope for each type', () => {
    const u = newEvent('user.registered', 'user', { userId: 'u1', email: 'a@example.com', name: 'A' });
    const p = newEvent('payment.succeeded', 'payment', { paymentId: 'p1', userId: 'u1', amount: 1250, currency: 'EUR' });
    for (const e of [u, p]) expect(eventEnvelopeSchema.parse(e)).toEqual(e);
    expect(u).toMatchObject({ version: 1, source: 'user', type: 'user.registered' });
    expect(u.id).not.toBe(p.id);
    expect(parseEvent(JSON.stringify(p))).toEqual(p);
  });

  it('rejects poison messages: bad JSON, unknown type, data of the wrong type', () => {
    const p = newEvent('payment.succeeded', 'payment', { paymentId: 'p1', userId: 'u1', amount: 1, currency: 'EUR' });
    expect(() => parseEvent('{nope')).toThrow();
    expect(() => parseEvent(JSON.stringify({ ...p, type: 'payment.refunded' }))).toThrow();
    expect(() => parseEvent(JSON.stringify({ ...p, data: { ...p.data, amount: -1 } }))).toThrow();
    expect(() => parseEvent(JSON.stringify({ ...p, type: 'user.registered' }))).toThrow();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base, caps at the max, and always waits at least half the ceiling', () => {
    const top = { baseMs: 100, maxMs: 1000, random: () => 1 };
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, top))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 5].map((n) => backoffDelay(n, { ...top, random: () => 0 }))).toEqual([50, 100, 500]);
  });
});

describe('logger', () => {
  it('redacts credentials at the top level and one level down', () => {
    const { logger, lines } = captureLogger();
    logger.info({ password: 'p1', authorization: 'Bearer t', user: { password: 'p2', token: 't2', name: 'ok' } }, 'x');
    const [line] = lines();
    expect(JSON.stringify(line)).not.toMatch(/p1|p2|Bearer t|t2/);
    expect(line).toMatchObject({ service: 'kit-test', level: 'info', user: { name: 'ok', password: '[redacted]' } });
  });
});
