/**
 * ES256 access tokens (JWS compact serialization). Verification is deliberately narrow: the
 * header must say ES256 with a `kid` from the verifier's key set (no `none`, no other algorithm,
 * no `crit`), the signature is checked before anything in the payload is read, and `iss`, `aud`,
 * `exp`, `nbf` and `iat` are enforced with a small clock skew. See docs/decisions/0008.
 */
import { verify } from 'node:crypto';
import type { VerificationKeys } from './keys';
import type { TokenSigner } from './signer';

export interface AccessTokenClaims {
  sub: string;
  email: string;
  iss: string;
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** Why a token was rejected (logged; clients only ever see 401 `unauthorized`). */
export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

export interface Clock {
  /** Injected clock (epoch ms) for tests. */
  now?: () => number;
}

export interface IssueOptions extends Clock {
  signer: TokenSigner;
  issuer: string;
  audience: string;
  /** Lifetime; default 900 s. */
  expiresInSeconds?: number;
  /**
   * Lower bound for `iat` (epoch seconds): the subject's revocation cut-off, so a token issued
   * in the same second as a password change is not taken for one issued before it.
   */
  notBeforeSeconds?: number;
}

export interface VerifyOptions extends Clock {
  keys: VerificationKeys;
  issuer: string;
  audience: string;
  /** Tolerated clock difference; default 30 s. */
  clockSkewSeconds?: number;
}

export type TokenVerifier = (token: string) => AccessTokenClaims;

export const ALGORITHM = 'ES256';
const SIGNATURE_BYTES = 64;
const MAX_TOKEN_LENGTH = 4096;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

const b64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');
export const nowSeconds = (clock: Clock): number => Math.floor((clock.now?.() ?? Date.now()) / 1000);

/** A compact ES256 JWS over `claims`, with the signer's `kid` (access and service tokens alike). */
export const signJwt = async (claims: object, signer: TokenSigner): Promise<string> => {
  const header = { alg: ALGORITHM, typ: 'JWT', kid: signer.kid };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await signer.sign(Buffer.from(signingInput));
  return `${signingInput}.${b64url(signature)}`;
};

export const issueAccessToken = async (subject: { sub: string; email: string }, opts: IssueOptions): Promise<string> => {
  const iat = Math.max(nowSeconds(opts), opts.notBeforeSeconds ?? 0);
  const claims: AccessTokenClaims = {
    sub: subject.sub,
    email: subject.email,
    iss: opts.issuer,
    aud: opts.audience,
    iat,
    nbf: iat,
    exp: iat + (opts.expiresInSeconds ?? 900),
  };
  return signJwt(claims, opts.signer);
};

const parseSegment = (segment: string, what: string): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError(`${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError(`${what} is not an object`);
  return value as Record<string, unknown>;
};

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Checks the header (ES256, a known `kid`, no `crit`) and the signature against `keys`; returns the
 * kid and the payload, whose claims the caller still has to check. Shared by access and service tokens.
 */
export const verifyJwtSignature = (token: string, keys: VerificationKeys): { kid: string; payload: Record<string, unknown> } => {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('malformed token');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new InvalidTokenError('malformed token');
  const [headerSeg, payloadSeg, signatureSeg] = parts as [string, string, string];

  const header = parseSegment(headerSeg, 'header');
  if (header.alg !== ALGORITHM) throw new InvalidTokenError(`algorithm ${String(header.alg)} not accepted`);
  if (header.crit !== undefined) throw new InvalidTokenError('crit header not supported');
  if (header.typ !== undefined && header.typ !== 'JWT') throw new InvalidTokenError('unexpected typ');
  if (typeof header.kid !== 'string') throw new InvalidTokenError('missing kid');
  const key = keys.get(header.kid);
  if (!key) throw new InvalidTokenError('unknown kid');

  // Signature before claims: nothing from an unauthenticated payload is trusted. The signature
  // text must be the canonical encoding (decoding is lenient about the last character's spare bits).
  const signature = Buffer.from(signatureSeg, 'base64url');
  if (signature.length !== SIGNATURE_BYTES || b64url(signature) !== signatureSeg) throw new InvalidTokenError('bad signature');
  const signed = verify('sha256', Buffer.from(`${headerSeg}.${payloadSeg}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!signed) throw new InvalidTokenError('bad signature');
  return { kid: header.kid, payload: parseSegment(payloadSeg, 'payload') };
};

/** Returns the claims of a valid token; throws `InvalidTokenError` otherwise. */
export const verifyAccessToken = (token: string, opts: VerifyOptions): AccessTokenClaims =>
  checkClaims(verifyJwtSignature(token, opts.keys).payload, opts);

/** Time-dependent and audience checks, re-run on every use of a token (cached or not). */
const checkClaims = (claims: Record<string, unknown>, opts: VerifyOptions): AccessTokenClaims => {
  const now = nowSeconds(opts);
  const skew = opts.clockSkewSeconds ?? 30;
  if (claims.iss !== opts.issuer) throw new InvalidTokenError('wrong issuer');
  const aud = claims.aud;
  if (!(aud === opts.audience || (Array.isArray(aud) && aud.includes(opts.audience)))) throw new InvalidTokenError('wrong audience');
  if (!isInt(claims.exp)) throw new InvalidTokenError('missing exp');
  if (now - skew >= claims.exp) throw new InvalidTokenError('expired');
  if (claims.nbf !== undefined && (!isInt(claims.nbf) || claims.nbf > now + skew)) throw new InvalidTokenError('not yet valid');
  // Required: revocation compares it with the subject's cut-off.
  if (!isInt(claims.iat)) throw new InvalidTokenError('missing iat');
  if (claims.iat > now + skew) throw new InvalidTokenError('issued in the future');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidTokenError('missing sub');
  if (typeof claims.email !== 'string') throw new InvalidTokenError('missing email');
  return claims as unknown as AccessTokenClaims;
};

/** Verified tokens remembered per verifier; clients reuse one token for many requests. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Remembers what `verify` accepted: a token seen before skips the ECDSA verification and JSON
 * decoding (keyed by the exact token text, so a tampered token is never a hit); `recheck` (expiry
 * and the other time-dependent checks) still runs on every call. Shared by access and service tokens.
 */
export const rememberVerified = <C>(verify: (token: string) => C, recheck: (claims: C) => C): ((token: string) => C) => {
  const verified = new Map<string, C>();
  return (token) => {
    const cached = verified.get(token);
    if (cached) {
      try {
        return recheck(cached);
      } catch (err) {
        verified.delete(token);
        throw err;
      }
    }
    const claims = verify(token);
    // Map keeps insertion order: dropping the first entry evicts the oldest.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
    return claims;
  };
};

/** A verifier over one key set, remembering verified tokens (see `rememberVerified`). */
export const createTokenVerifier = (opts: VerifyOptions): TokenVerifier =>
  rememberVerified(
    (token) => verifyAccessToken(token, opts),
    (claims) => checkClaims(claims as unknown as Record<string, unknown>, opts),
  );
