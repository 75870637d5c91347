/**
 * The callee side of service calls (docs/decisions/0014): every `/internal/*` route requires a
 * service token from one of the service's declared callers. A user's access token, a token for
 * another callee, an expired one or none at all: 401 with the kit's JSON error body.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app';
import { invalidBearer } from './auth';
import { InvalidTokenError } from './tokens/access-token';
import type { ServiceTokenVerifier } from './tokens/service-token';

/** Where internal routes live; the ALB and the local gateway never route it. */
export const INTERNAL_PREFIX = '/internal';

const BEARER = /^Bearer ([^\s]+)$/i;

/** 401 `unauthorized`, or `c.var.caller` = the calling service's name. */
export const requireServiceCaller = (verify: ServiceTokenVerifier): MiddlewareHandler<AppEnv> =>
  async function requireServiceCaller(c, next) {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    let caller: string | undefined;
    if (match) {
      try {
        caller = verify(match[1]!).iss;
      } catch (err) {
        if (!(err instanceof InvalidTokenError)) throw err;
        c.get('logger')?.warn({ reason: err.message }, 'service token rejected');
      }
    }
    if (!caller) {
      throw invalidBearer(c, match ? 'Invalid service token' : 'Missing service token');
    }
    c.set('caller', caller);
    await next();
  };
