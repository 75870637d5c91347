/**
 * Service tokens (docs/decisions/0014): who is calling, on service-to-service calls. An ES256 JWT
 * with `iss` = `sub` = the calling service, `aud` = the callee, a lifetime of at most five minutes,
 * signed with the caller's own key (KMS in AWS). The callee holds the public keys of exactly the
 * services the catalog says call it, each under its caller's name: a key proves one caller only,
 * and a user's access token (another key, another audience) is never taken for one.
 */
import type { KeyObject } from 'node:crypto';
import { InvalidTokenError, isInt, nowSeconds, rememberVerified, signJwt, verifyJwtSignature, type Clock } from './access-token';
import { parseJwks, type VerificationKeys } from './keys';
import type { TokenSigner } from './signer';

/** The longest lifetime a callee accepts (and the longest a caller issues). */
export const SERVICE_TOKEN_MAX_LIFETIME_SECONDS = 300;
/** A cached token is replaced this long before it expires (clock differences, a slow call). */
export const SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 60;
const CLOCK_SKEW_SECONDS = 30;

export interface ServiceTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
}

export interface ServiceTokenIssuer extends Clock {
  /** The calling service (catalog name). */
  caller: string;
  signer: TokenSigner;
  lifetimeSeconds?: number;
}

/** The lifetime a caller issues: as asked, capped at what callees accept. */
const lifetimeOf = (opts: ServiceTokenIssuer): number =>
  Math.min(opts.lifetimeSeconds ?? SERVICE_TOKEN_MAX_LIFETIME_SECONDS, SERVICE_TOKEN_MAX_LIFETIME_SECONDS);

export const issueServiceToken = (audience: string, opts: ServiceTokenIssuer): Promise<string> => {
  const iat = nowSeconds(opts);
  const lifetime = lifetimeOf(opts);
  const claims: ServiceTokenClaims = { iss: opts.caller, sub: opts.caller, aud: audience, iat, exp: iat + lifetime };
  return signJwt(claims, opts.signer);
};

/** The caller's token for each callee, signed once and re-signed before it expires (one KMS call per few minutes). */
export interface ServiceTokens {
  tokenFor(audience: string): Promise<string>;
}

export const createServiceTokens = (opts: ServiceTokenIssuer & { renewBeforeSeconds?: number }): ServiceTokens => {
  // Seconds after signing at which a token is replaced.
  const renewAfter = lifetimeOf(opts) - (opts.renewBeforeSeconds ?? SERVICE_TOKEN_RENEW_BEFORE_SECONDS);
  const cached = new Map<string, { token: string; renewAt: number }>();
  // One signing in flight per audience: a burst of calls shares it.
  const signing = new Map<string, Promise<string>>();
  return {
    async tokenFor(audience) {
      const entry = cached.get(audience);
      if (entry && nowSeconds(opts) < entry.renewAt) return entry.token;
      let pending = signing.get(audience);
      if (!pending) {
        pending = issueServiceToken(audience, opts)
          .then((token) => {
            cached.set(audience, { token, renewAt: nowSeconds(opts) + renewAfter });
            return token;
          })
          .finally(() => signing.delete(audience));
        signing.set(audience, pending);
      }
      return pending;
    },
  };
};

/** Caller name → the public keys its tokens are signed with. */
export type CallerKeys = ReadonlyMap<string, VerificationKeys>;

/**
 * Locally (`SERVICE_CALLER_JWKS`): `{"<caller>": {"keys": [<public JWK>, ...]}, ...}`, the local
 * counterpart of `SERVICE_CALLER_KMS_KEYS`. Private keys are refused, as in any JWKS.
 */
export const parseCallerJwks = (json: string): CallerKeys => {
  const value = JSON.parse(json) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JSON object of caller name → JWKS');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw new Error('names no caller');
  return new Map(entries.map(([caller, jwks]) => [caller, parseJwks(JSON.stringify(jwks))]));
};

/** In AWS (`SERVICE_CALLER_KMS_KEYS`): `<caller>=<key ARN>,...`, one key per calling service. */
export const parseCallerKeyArns = (list: string): ReadonlyMap<string, string> => {
  const pairs = list.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error('must be <caller>=<KMS key ARN>, comma-separated');
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  });
  if (pairs.length === 0) throw new Error('names no caller');
  return new Map(pairs);
};

export interface ServiceTokenVerifyOptions extends Clock {
  /** This service's name: the only audience accepted. */
  audience: string;
  callers: CallerKeys;
}

export type ServiceTokenVerifier = (token: string) => ServiceTokenClaims;

export const createServiceTokenVerifier = (opts: ServiceTokenVerifyOptions): ServiceTokenVerifier => {
  const keys = new Map<string, KeyObject>();
  const ownerOf = new Map<string, string>();
  for (const [caller, callerKeys] of opts.callers) {
    for (const [kid, key] of callerKeys) {
      if (ownerOf.has(kid)) throw new Error(`service token key ${kid} is listed for both ${ownerOf.get(kid)} and ${caller}`);
      keys.set(kid, key);
      ownerOf.set(kid, caller);
    }
  }
  /** Time-dependent checks, re-run on every use of a token (remembered or not). */
  const checkTimes = (claims: ServiceTokenClaims): ServiceTokenClaims => {
    const now = nowSeconds(opts);
    if (now - CLOCK_SKEW_SECONDS >= claims.exp) throw new InvalidTokenError('expired');
    if (claims.iat > now + CLOCK_SKEW_SECONDS) throw new InvalidTokenError('issued in the future');
    return claims;
  };
  // A caller reuses its token for minutes: its signature is verified once (rememberVerified).
  return rememberVerified((token) => {
    const { kid, payload: claims } = verifyJwtSignature(token, keys);
    // The key decides who is calling; the token must say the same.
    if (claims.iss !== ownerOf.get(kid) || claims.sub !== claims.iss) throw new InvalidTokenError('issuer does not own the key');
    if (claims.aud !== opts.audience) throw new InvalidTokenError('wrong audience');
    if (!isInt(claims.exp) || !isInt(claims.iat)) throw new InvalidTokenError('missing exp or iat');
    if (claims.exp - claims.iat > SERVICE_TOKEN_MAX_LIFETIME_SECONDS) throw new InvalidTokenError('lifetime above five minutes');
    return checkTimes(claims as unknown as ServiceTokenClaims);
  }, checkTimes);
};
