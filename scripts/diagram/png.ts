/**
 * A PNG carries the SHA-256 of the SVG it was rendered from in a `tEXt` chunk, so a check can tell
 * a stale PNG without rendering it again (rendering needs the fonts; comparing needs nothing).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The `tEXt` keyword holding the source SVG's hash. */
export const SVG_HASH_KEYWORD = 'source-svg-sha256';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
  /** Offset just past the chunk's CRC. */
  readonly end: number;
}

function* chunks(png: Buffer): Generator<Chunk> {
  if (png.length < SIGNATURE.length || !png.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a PNG file');
  let offset = SIGNATURE.length;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > png.length) throw new Error(`truncated PNG chunk ${type}`);
    yield { type, data: png.subarray(offset + 8, offset + 8 + length), end };
    offset = end;
  }
}

/** The PNG with a `tEXt` chunk `keyword`=`text` right after its header (IHDR). */
export function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const header = chunks(png).next().value as Chunk | undefined;
  if (header?.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length - 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([png.subarray(0, header.end), length, body, crc, png.subarray(header.end)]);
}

/** The text of the PNG's `tEXt` chunk `keyword`, if any. */
export function readTextChunk(png: Buffer, keyword: string): string | undefined {
  for (const chunk of chunks(png)) {
    if (chunk.type !== 'tEXt') continue;
    const separator = chunk.data.indexOf(0);
    if (chunk.data.toString('latin1', 0, separator) === keyword) return chunk.data.toString('latin1', separator + 1);
  }
  return undefined;
}

/** Width and height from the PNG header. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const header = chunks(png).next().value as Chunk | undefined;
  if (header?.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  return { width: header.data.readUInt32BE(0), height: header.data.readUInt32BE(4) };
}
