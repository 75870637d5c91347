/**
 * What a text field of a request may hold: the one definition every request schema of every
 * service uses (bodies, query strings, path parameters, headers). Fields restricted to an ASCII
 * format (uuid, enum, an ASCII regex such as the Idempotency-Key) already hold none of the
 * characters below and need not use it.
 *
 * `text()` rejects
 * - control characters: C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F). PostgreSQL cannot store
 *   U+0000; ESC (U+001B) and CSI (U+009B) start ANSI escape sequences that rewrite terminals and
 *   log viewers. A field may allow tab and line breaks (`multiline`), nothing else;
 * - bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069), which
 *   reorder how the text around them is displayed (spoofed names, "Trojan Source");
 * - lone surrogates: not encodable in UTF-8 (they would silently become U+FFFD);
 * - unless `min` is 0, text without one visible character: names made only of spaces, zero-width
 *   or other default-ignorable characters (U+200B, U+3164 HANGUL FILLER, …) or braille blanks;
 *
 * and returns the value in Unicode NFC (one stored form per text, as RFC 8264 free-form strings),
 * trimmed unless `trim: false`. Lengths count code points after normalisation (what a person and
 * PostgreSQL count as characters; JSON Schema's minLength/maxLength count the same).
 *
 * `password()` is the policy for secrets a person types (NIST SP 800-63B §3.1.1.2): every printing
 * character and space of Unicode, never trimmed; only control characters and lone surrogates are
 * rejected. Not normalised here: the hasher normalises (NIST: NFKC, services/user/password.ts).
 * Passwords are hashed, never stored, and never logged (logger.ts redacts `password` fields).
 */
import { z } from '@hono/zod-openapi';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same without tab, line feed and carriage return. */
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
// With the `u` flag a well-formed pair is one code point, so this only matches a lone half.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
/** A letter, number, punctuation or symbol that renders as something. */
const VISIBLE = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/** Length in code points (a surrogate pair is one character). */
export const codePoints = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

export interface TextOptions {
  /** Minimum length in code points; default 1. `min: 0` also allows text with nothing visible. */
  min?: number;
  /** Maximum length in code points (required: every text field is bounded). */
  max: number;
  /** Trim surrounding white space before checking lengths; default true. */
  trim?: boolean;
  /** Allow tab, line feed and carriage return (the only control characters a field may allow). */
  multiline?: boolean;
}

const lengthChecks = (schema: z.ZodString, min: number, max: number): z.ZodString =>
  schema
    .refine((v) => codePoints(v) >= min, { message: `must be at least ${min} character${min === 1 ? '' : 's'} long` })
    .refine((v) => codePoints(v) <= max, { message: `must be at most ${max} characters long` });

/** A text field: see the module comment for what it rejects. */
export const text = ({ min = 1, max, trim = true, multiline = false }: TextOptions): z.ZodString => {
  const controls = multiline ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL;
  let schema = z
    .string()
    .refine((v) => !LONE_SURROGATE.test(v), { message: 'must not contain unpaired surrogates (not valid Unicode)', abort: true })
    .refine((v) => !controls.test(v), {
      message: multiline ? 'must not contain control characters other than tab and line breaks' : 'must not contain control characters',
      abort: true,
    })
    .refine((v) => !BIDI_CONTROL.test(v), { message: 'must not contain bidirectional override or isolate characters', abort: true })
    .normalize('NFC');
  if (trim) schema = schema.trim();
  schema = lengthChecks(schema, min, max);
  if (min > 0) schema = schema.refine((v) => VISIBLE.test(v), { message: 'must contain a visible character' });
  return schema.openapi({ minLength: min > 0 ? min : undefined, maxLength: max });
};

/** A password a person chose: any printing character or space, as typed (see the module comment). */
export const password = ({ min, max }: { min: number; max: number }): z.ZodString =>
  lengthChecks(
    z
      .string()
      .refine((v) => !LONE_SURROGATE.test(v), { message: 'must not contain unpaired surrogates (not valid Unicode)', abort: true })
      .refine((v) => !CONTROL.test(v), { message: 'must not contain control characters', abort: true }),
    min,
    max,
  ).openapi({ format: 'password', minLength: min, maxLength: max });
