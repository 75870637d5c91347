/**
 * Deterministic generator of bad POST /payments requests: every one carries at least one defect
 * (header, JSON syntax, shape, field value, size or media type), so none may create a payment.
 */
import { prng } from '../../support/bad-bodies';

export interface BadRequest {
  label: string;
  raw: string;
  headers: Record<string, string>;
}

const BAD_KEYS = ['', ' ', 'a b', 'k\tey', 'k'.repeat(256), 'clé', 'naïve-ÿ'];
const BAD_AMOUNTS: unknown[] = [0, -1, 1.5, 1_000_000_001, 1e308, -0.0001, '100', null, true, [], {}, '', 'NaN'];
const BAD_CURRENCIES: unknown[] = ['eur', 'EURO', 'XXX', 'US', '', ' EUR', 'E\u0301UR', 978, null, ['EUR'], { code: 'EUR' }, 'XAU'];
const BAD_DESCRIPTIONS: unknown[] = [42, null, false, ['a'], { text: 'a' }, 'd'.repeat(501), '😀'.repeat(501), '', '  ', 'a\u0000b', '\u001b[31mred', '\u202eevil', '\ud800'];
const EXTRA_KEYS = ['__proto__', 'constructor', 'status', 'userId', 'id', 'Amount', 'amount ', '$where', 'createdAt'];
const NOT_JSON = ['{', '{"amount":', "{'amount':1}", '{"amount":1,}', 'amount=1&currency=EUR', '\u0000', '{"amount":1}}', ''];

export function* badPaymentRequests(count: number, seed = 4217): Generator<BadRequest> {
  const rnd = prng(seed);
  const int = (max: number) => Math.floor(rnd() * max);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const goodKey = () => `fuzz-${int(1e9)}`;
  const validBody = (): Record<string, unknown> => ({
    amount: 1 + int(1000),
    currency: pick(['EUR', 'USD', 'GBP']),
    ...(rnd() < 0.5 ? { description: 'ok' } : {}),
  });
  const json = { 'content-type': 'application/json' };

  for (let i = 0; i < count; i++) {
    const kind = int(8);
    if (kind === 0) {
      const key = pick([...BAD_KEYS, undefined]);
      yield {
        label: `#${i} bad Idempotency-Key ${JSON.stringify(key)}`,
        raw: JSON.stringify(validBody()),
        headers: key === undefined ? { ...json } : { ...json, 'idempotency-key': key },
      };
    } else if (kind === 1) {
      yield { label: `#${i} not JSON`, raw: pick(NOT_JSON), headers: { ...json, 'idempotency-key': goodKey() } };
    } else if (kind === 2) {
      const raw = pick(['null', '[]', '"EUR"', '1999', 'true', '[{"amount":1,"currency":"EUR"}]']);
      yield { label: `#${i} top-level ${raw}`, raw, headers: { ...json, 'idempotency-key': goodKey() } };
    } else if (kind === 3) {
      const depth = 1 + int(3000);
      yield {
        label: `#${i} nested ${depth}`,
        raw: `{"amount":1,"currency":"EUR","description":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        headers: { ...json, 'idempotency-key': goodKey() },
      };
    } else if (kind === 4) {
      yield {
        label: `#${i} oversized body`,
        raw: JSON.stringify({ ...validBody(), description: 'x'.repeat(17_000 + int(50_000)) }),
        headers: { ...json, 'idempotency-key': goodKey() },
      };
    } else if (kind === 5) {
      yield {
        label: `#${i} wrong media type`,
        raw: JSON.stringify(validBody()),
        headers: { 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']), 'idempotency-key': goodKey() },
      };
    } else {
      // A valid body with 1-3 definite defects.
      const body = validBody();
      const defects: string[] = [];
      for (let d = 1 + int(3); d > 0; d--) {
        switch (int(6)) {
          case 0:
            body.amount = pick(BAD_AMOUNTS);
            defects.push('amount');
            break;
          case 1:
            body.currency = pick(BAD_CURRENCIES);
            defects.push('currency');
            break;
          case 2:
            body.description = pick(BAD_DESCRIPTIONS);
            defects.push('description');
            break;
          case 3: {
            const key = pick(EXTRA_KEYS);
            // defineProperty so "__proto__" becomes an own key and reaches JSON.stringify.
            Object.defineProperty(body, key, { value: pick([1, 'x', null, { a: 1 }]), enumerable: true, configurable: true, writable: true });
            defects.push(`extra ${key}`);
            break;
          }
          case 4:
            delete body.amount;
            defects.push('no amount');
            break;
          default:
            delete body.currency;
            defects.push('no currency');
        }
      }
      yield { label: `#${i} ${defects.join(', ')}`, raw: JSON.stringify(body), headers: { ...json, 'idempotency-key': goodKey() } };
    }
  }
}
