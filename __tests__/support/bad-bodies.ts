/**
 * Deterministic generator of hostile request bodies: wrong types, deep nesting, huge strings,
 * unicode oddities, nulls, arrays, prototype-pollution keys and bytes that are not JSON at all.
 * Seeded, so a failure names a body that can be reproduced.
 */

/** mulberry32: tiny, fast, good enough for test data. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const FIELD_KEYS = ['email', 'name', 'password'];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' email', 'EMAIL', '$where', 'a'.repeat(300)];
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a@b',
  '@example.com',
  'x@example.com\u0000',
  '\ud800', // lone surrogate
  '😀'.repeat(50),
  'ＡＢＣ@ｅｘａｍｐｌｅ.com',
  'e\u0301@example.com',
  "'; DROP TABLE users; --",
  '{"nested":"json"}',
  '<script>alert(1)</script>',
  'short',
  '\u202eevil',
  'ok@example.com',
];

export function* badBodies(count: number, seed = 20261125): Generator<{ label: string; raw: string }> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (max: number) => Math.floor(rnd() * max);

  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2]);
      case 2:
        return rnd() < 0.5;
      case 3:
        return pick(ODD_STRINGS);
      case 4:
        return 'x'.repeat(pick([7, 8, 128, 129, 255, 1000, 5000]));
      case 5:
        return String.fromCodePoint(...Array.from({ length: 1 + int(40) }, () => int(0x10ffff + 1)).filter((c) => c < 0xd800 || c > 0xdfff));
      case 6:
        return Array.from({ length: int(5) }, () => value(depth + 1));
      default:
        return object(depth + 1);
    }
  };

  const object = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = int(5); i >= 0; i--) {
      const key = rnd() < 0.6 ? pick(FIELD_KEYS) : pick(HOSTILE_KEYS);
      // defineProperty so "__proto__" becomes an own key and reaches JSON.stringify.
      Object.defineProperty(out, key, { value: value(depth), enumerable: true, configurable: true, writable: true });
    }
    return out;
  };

  const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

  for (let i = 0; i < count; i++) {
    const kind = int(10);
    if (kind === 0) {
      yield { label: `#${i} not json`, raw: pick(['{', '{"email":', 'nul', "{'a':1}", '{"a":1,}', '\u0000', '{"email":"a@b.co"}}', '']) };
    } else if (kind === 1) {
      yield { label: `#${i} top-level non-object`, raw: JSON.stringify(value(4)) ?? 'null' };
    } else if (kind === 2) {
      yield { label: `#${i} deep nesting`, raw: rnd() < 0.5 ? nested(1 + int(5000)) : `{"email":${nested(1 + int(2000))}}` };
    } else if (kind === 3) {
      yield { label: `#${i} huge field`, raw: JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(20_000 + int(50_000)), password: 'password1' }) };
    } else {
      yield { label: `#${i} object`, raw: JSON.stringify(object(0)) };
    }
  }
}
