/** Opaque cursors: base64url(JSON). Clients must not build them; a bad one is a 400. */
import type { ZodType } from 'zod';
import { badRequest } from './errors';
import { MAX_URL_BYTES } from './limits';
import { text } from './text';

const MAX_CURSOR_LENGTH = 1024;

/**
 * The `cursor` query parameter: the kit's text rules, bounded by the URL; its length and content
 * are checked by `decodeCursor` (400 `invalid_cursor`).
 */
export const cursorQuery = text({ max: MAX_URL_BYTES }).openapi({ description: 'Opaque cursor from the previous page (`nextCursor`)' });

export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export const decodeCursor = <T>(cursor: string, schema: ZodType<T>): T => {
  const invalid = () => badRequest('Invalid cursor', undefined, 'invalid_cursor');
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid();
  return parsed.data;
};
