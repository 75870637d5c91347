/**
 * ECDSA signatures come in two encodings: ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`, what
 * KMS `Sign` returns) and JOSE (`r || s`, each left-padded to the curve size, what a JWS carries,
 * RFC 7518 §3.4). Node converts on its own for keys it holds (`dsaEncoding: 'ieee-p1363'`); a
 * signature made elsewhere is converted here.
 */

/** P-256: 32-byte coordinates, so a JOSE ES256 signature is 64 bytes. */
export const P256_COORDINATE_BYTES = 32;

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** Reads one DER INTEGER at `offset`; returns its unsigned big-endian value and the next offset. */
const readInteger = (der: Uint8Array, offset: number, size: number): { value: Uint8Array; next: number } => {
  if (der[offset] !== INTEGER) throw new Error('DER signature: expected an INTEGER');
  const length = der[offset + 1];
  const start = offset + 2;
  // A positive integer of `size` bytes takes at most size + 1 bytes (a leading 0x00 when its top bit is set).
  if (length === undefined || length < 1 || length > size + 1 || start + length > der.length) {
    throw new Error('DER signature: bad INTEGER length');
  }
  let value = der.subarray(start, start + length);
  if (value[0]! & 0x80) throw new Error('DER signature: negative INTEGER');
  // DER forbids needless leading zeros: only one, and only before a byte with its top bit set.
  if (value.length > 1 && value[0] === 0 && !(value[1]! & 0x80)) throw new Error('DER signature: non-minimal INTEGER');
  if (value[0] === 0 && value.length > 1) value = value.subarray(1);
  if (value.length > size) throw new Error('DER signature: INTEGER larger than the curve');
  return { value, next: start + length };
};

/** DER `SEQUENCE { r, s }` → JOSE `r || s` (each `size` bytes). Strict: anything else throws. */
export const derToJose = (der: Uint8Array, size = P256_COORDINATE_BYTES): Buffer => {
  // The sequence of two INTEGERs of at most size + 1 bytes each stays below 128 bytes for P-256,
  // so its length is always the short (one-byte) form.
  if (der.length < 8 || der[0] !== SEQUENCE || der[1] !== der.length - 2 || der[1]! >= 0x80) {
    throw new Error('DER signature: expected one SEQUENCE spanning the input');
  }
  const r = readInteger(der, 2, size);
  const s = readInteger(der, r.next, size);
  if (s.next !== der.length) throw new Error('DER signature: trailing bytes');
  const jose = Buffer.alloc(2 * size);
  jose.set(r.value, size - r.value.length);
  jose.set(s.value, 2 * size - s.value.length);
  return jose;
};
