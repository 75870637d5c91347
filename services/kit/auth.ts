/**
 * HS256 access tokens with node:crypto. Verification is deliberately narrow: the header must
 * say HS256 (no `none`, no other algorithm, no `crit`), the signature is compared in constant
 * time, and `iss`, `aud`, `exp` (plus `nbf`/`iat` sanity) are enforced with a small clock skew.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app';
import { unauthorized } from './errors';

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  /** Lifetime of issued tokens; default 900 s. */
  expiresInSeconds?: number;
  /** Tolerated clock difference; default 30 s. */
  clockSkewSeconds?: number;
  /** Injected clock (epoch ms) for tests. */
  now?: () => number;
}

export interface AccessTokenClaims {
  sub: string;
  email: string;
  iss: string;
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
}

export interface AuthContext {
  userId: string;
  email: string;
}

/** Why a token was rejected (logged; clients only ever see 401 `unauthorized`). */
export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const MIN_SECRET_BYTES = 32;
const MAX_TOKEN_LENGTH = 4096;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HEADER = { alg: 'HS256', typ: 'JWT' } as const;

const b64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

const keyOf = (secret: string): KeyObject => {
  const key = Buffer.from(secret, 'utf8');
  if (key.length < MIN_SECRET_BYTES) throw new Error(`JWT secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return createSecretKey(key);
};

const sign = (signingInput: string, key: KeyObject): Buffer => createHmac('sha256', key).update(signingInput).digest();

const nowSeconds = (opts: TokenOptions): number => Math.floor((opts.now ?? Date.now)() / 1000);

export const signAccessToken = (subject: { sub: string; email: string }, opts: TokenOptions): string => {
  const iat = nowSeconds(opts);
  const claims: AccessTokenClaims = {
    sub: subject.sub,
    email: subject.email,
    iss: opts.issuer,
    aud: opts.audience,
    iat,
    nbf: iat,
    exp: iat + (opts.expiresInSeconds ?? 900),
  };
  const signingInput = `${b64url(JSON.stringify(HEADER))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(sign(signingInput, keyOf(opts.secret)))}`;
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

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Returns the claims of a valid token; throws `InvalidTokenError` otherwise. */
export const verifyAccessToken = (token: string, opts: TokenOptions): AccessTokenClaims => verifyWithKey(token, opts, keyOf(opts.secret));

const verifyWithKey = (token: string, opts: TokenOptions, key: KeyObject): AccessTokenClaims => {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('malformed token');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new InvalidTokenError('malformed token');
  const [headerSeg, payloadSeg, signatureSeg] = parts as [string, string, string];

  const header = parseSegment(headerSeg, 'header');
  if (header.alg !== 'HS256') throw new InvalidTokenError(`algorithm ${String(header.alg)} not accepted`);
  if (header.crit !== undefined) throw new InvalidTokenError('crit header not supported');
  if (header.typ !== undefined && header.typ !== 'JWT') throw new InvalidTokenError('unexpected typ');

  // Signature before claims: nothing from an unauthenticated payload is trusted.
  // Compared as canonical base64url text: decoding is lenient about the last character's spare bits.
  const expected = Buffer.from(b64url(sign(`${headerSeg}.${payloadSeg}`, key)));
  const actual = Buffer.from(signatureSeg);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new InvalidTokenError('bad signature');

  return checkClaims(parseSegment(payloadSeg, 'payload'), opts);
};

/** Time-dependent and audience checks, re-run on every use of a token (cached or not). */
const checkClaims = (claims: Record<string, unknown>, opts: TokenOptions): AccessTokenClaims => {
  const now = nowSeconds(opts);
  const skew = opts.clockSkewSeconds ?? 30;
  if (claims.iss !== opts.issuer) throw new InvalidTokenError('wrong issuer');
  const aud = claims.aud;
  if (!(aud === opts.audience || (Array.isArray(aud) && aud.includes(opts.audience)))) throw new InvalidTokenError('wrong audience');
  if (!isInt(claims.exp)) throw new InvalidTokenError('missing exp');
  if (now - skew >= claims.exp) throw new InvalidTokenError('expired');
  if (claims.nbf !== undefined && (!isInt(claims.nbf) || claims.nbf > now + skew)) throw new InvalidTokenError('not yet valid');
  if (claims.iat !== undefined && (!isInt(claims.iat) || claims.iat > now + skew)) throw new InvalidTokenError('issued in the future');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidTokenError('missing sub');
  if (typeof claims.email !== 'string') throw new InvalidTokenError('missing email');
  return claims as unknown as AccessTokenClaims;
};

/** Verified tokens remembered per verifier; clients reuse one token for many requests. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * A verifier for one key: the HMAC key object is prepared once, and a token whose signature was
 * already verified skips the HMAC and JSON decoding (keyed by the exact token text, so a tampered
 * token is never a hit). Expiry and the other claim checks still run on every call.
 */
export const createTokenVerifier = (opts: TokenOptions): ((token: string) => AccessTokenClaims) => {
  const key = keyOf(opts.secret);
  const verified = new Map<string, AccessTokenClaims>();
  return (token) => {
    const cached = verified.get(token);
    if (cached) {
      try {
        return checkClaims(cached as unknown as Record<string, unknown>, opts);
      } catch (err) {
        verified.delete(token);
        throw err;
      }
    }
    const claims = verifyWithKey(token, opts, key);
    // Map keeps insertion order: dropping the first entry evicts the oldest.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
    return claims;
  };
};

const BEARER = /^Bearer ([^\s]+)$/i;

/** 401 `unauthorized` (with `WWW-Authenticate`) or `c.var.auth = { userId, email }`. */
export const requireAuth = (opts: TokenOptions): MiddlewareHandler<AppEnv> => {
  const verify = createTokenVerifier(opts);
  return async function requireAuth(c, next) {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    let claims: AccessTokenClaims | undefined;
    if (match) {
      try {
        claims = verify(match[1]!);
      } catch (err) {
        if (!(err instanceof InvalidTokenError)) throw err;
        c.get('logger')?.info({ reason: err.message }, 'access token rejected');
      }
    }
    if (!claims) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw unauthorized(match ? 'Invalid or expired access token' : 'Missing bearer token');
    }
    c.set('auth', { userId: claims.sub, email: claims.email });
    await next();
  };
};
