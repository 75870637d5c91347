/** The kit's one definition of what a text field (and a password) may hold: services/kit/text.ts. */
import fc from 'fast-check';
import { codePoints, password, text } from '../../../services/kit/text';

const name = text({ max: 20 });
const notes = text({ max: 50, multiline: true, min: 0 });
const secret = password({ min: 8, max: 16 });

const CONTROLS = [...Array.from({ length: 0x20 }, (_, i) => i), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)].map((c) => String.fromCharCode(c));

describe('text()', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['an ANSI escape sequence (ESC [)', '\u001b[31mAda\u001b[0m'],
    ['an 8-bit CSI', '\u009b31mAda'],
    ['DEL', 'Ada\u007f'],
    ['a line break', 'Ada\nLovelace'],
    ['a lone high surrogate', 'Ada\ud800'],
    ['a lone low surrogate', '\udc00Ada'],
    ['a right-to-left override', '\u202eadA'],
    ['a bidi isolate', 'Ada\u2066x\u2069'],
    ['only spaces', '   '],
    ['only zero-width characters', '\u200b\u200c\u200d\ufeff'],
    ['only a Hangul filler', '\u3164'],
    ['only a braille blank', '\u2800\u2800'],
    ['only combining marks', '\u0301\u0302'],
    ['nothing', ''],
    ['21 characters', 'x'.repeat(21)],
  ])('rejects %s', (_label, value) => {
    expect(name.safeParse(value).success).toBe(false);
  });

  it('rejects every C0 and C1 control character anywhere in the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROLS), fc.string({ maxLength: 8 }), (before, control, after) => {
        expect(name.safeParse(`a${before}${control}${after}`).success).toBe(false);
      }),
    );
  });

  it('accepts any well-formed text without control characters, and returns it trimmed in NFC', () => {
    const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s));
    fc.assert(
      fc.property(printable, (value) => {
        const expected = `x${value}`.normalize('NFC').trim();
        const parsed = name.safeParse(`x${value}`);
        expect(parsed.success).toBe(codePoints(expected) <= 20);
        if (parsed.success) expect(parsed.data).toBe(expected);
      }),
    );
  });

  it('normalises to NFC and trims before counting', () => {
    expect(name.parse('  e\u0301  ')).toBe('\u00e9');
    expect(name.parse(`${'😀'.repeat(20)}`)).toBe('😀'.repeat(20)); // 20 code points (40 UTF-16 units)
    expect(name.safeParse('😀'.repeat(21)).success).toBe(false);
    expect(name.parse('Zoë 李 ⚡')).toBe('Zoë 李 ⚡');
  });

  it('a multiline field allows tab and line breaks, and nothing else of C0/C1', () => {
    expect(notes.parse('line 1\r\n\tline 2')).toBe('line 1\r\n\tline 2');
    expect(notes.safeParse('a\u0000b').success).toBe(false);
    expect(notes.safeParse('\u001b[2J').success).toBe(false);
    expect(notes.parse('')).toBe('');
  });

  it('says which rule failed', () => {
    const messages = (value: string) => name.safeParse(value).error?.issues.map((i) => i.message);
    expect(messages('a\u0000b')).toEqual(['must not contain control characters']);
    expect(messages('a\ud800')).toEqual(['must not contain unpaired surrogates (not valid Unicode)']);
    expect(messages('\u200b')).toEqual(['must contain a visible character']);
    expect(messages('x'.repeat(21))).toEqual(['must be at most 20 characters long']);
  });
});

describe('password() (NIST SP 800-63B: every printing character and space)', () => {
  it('accepts spaces, punctuation and any script, as typed (the hasher normalises)', () => {
    expect(secret.parse(' correct horse ')).toBe(' correct horse ');
    expect(secret.parse('pässwörd')).toBe('pässwörd');
    expect(secret.parse('pa\u0308sswo\u0308rd')).toBe('pa\u0308sswo\u0308rd');
    expect(secret.parse('        ')).toBe('        ');
    expect(secret.parse('🔑🔑🔑🔑🔑🔑🔑🔑')).toBe('🔑🔑🔑🔑🔑🔑🔑🔑');
  });

  it('counts code points: 7 emoji are too short although they are 14 UTF-16 units', () => {
    expect(secret.safeParse('🔑'.repeat(7)).success).toBe(false);
    expect(secret.safeParse('x'.repeat(17)).success).toBe(false);
  });

  it('rejects control characters and lone surrogates', () => {
    for (const value of ['pass\u0000word', 'pass\tword', 'password\n', '\u001b[0mpassword', 'password\ud800']) {
      expect(secret.safeParse(value).success).toBe(false);
    }
  });
});
