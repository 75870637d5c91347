/**
 * The bearer-token middleware every service puts in front of its protected routes. Tokens are
 * verified with public keys only (services/kit/tokens, docs/decisions/0008); a service may add a
 * revocation check on top (the user service does: password change, account deletion).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app';
import { unauthorized, type HttpError } from './errors';
import { InvalidTokenError, type AccessTokenClaims, type TokenVerifier } from './tokens/access-token';

export interface AuthContext {
  userId: string;
  email: string;
  /** The token's `iat` (epoch seconds): what a revocation cut-off is compared with. */
  issuedAt: number;
}

/**
 * Answers whether a token that verified has been revoked since it was issued (its `iat` predates
 * the subject's cut-off, or the subject is gone). Runs on every request after verification; it
 * should read through a cache. Throwing fails the request (500), so a broken check never lets a
 * token through.
 */
export type RevocationCheck = (claims: AccessTokenClaims, c: Context<AppEnv>) => Promise<boolean>;

export interface RequireAuthOptions {
  /** `createTokenVerifier(...)`, created once per service and shared by its routes. */
  verify: TokenVerifier;
  isRevoked?: RevocationCheck;
}

const BEARER = /^Bearer ([^\s]+)$/i;

/** The 401 for a refused bearer token (access or service token): `WWW-Authenticate` set, the error to throw. */
export const invalidBearer = (c: Context, message: string): HttpError => {
  c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
  return unauthorized(message);
};

/** 401 `unauthorized` (with `WWW-Authenticate`) or `c.var.auth = { userId, email }`. */
export const requireAuth = ({ verify, isRevoked }: RequireAuthOptions): MiddlewareHandler<AppEnv> =>
  async function requireAuth(c, next) {
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
    if (claims && isRevoked && (await isRevoked(claims, c))) {
      c.get('logger')?.info({ reason: 'revoked', sub: claims.sub }, 'access token rejected');
      claims = undefined;
    }
    if (!claims) {
      throw invalidBearer(c, match ? 'Invalid or expired access token' : 'Missing bearer token');
    }
    c.set('auth', { userId: claims.sub, email: claims.email, issuedAt: claims.iat });
    await next();
  };
