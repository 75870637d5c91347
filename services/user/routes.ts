import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { randomBytes } from 'node:crypto';
import type { AppEnv } from '../kit/app';
import { writeGuard } from '../kit/app';
import { requireAuth } from '../kit/auth';
import { conflict, forbidden, HttpError, notFound } from '../kit/errors';
import { newEvent } from '../kit/events';
import { errorResponses, jsonBody, jsonResponse } from '../kit/openapi';
import { issueAccessToken, type TokenVerifier } from '../kit/tokens/access-token';
import type { TokenSigner } from '../kit/tokens/signer';
import { toCachedUser, type CachedUser, type UserCache } from './cache';
import { hashPassword, verifyPassword } from './password';
import { EmailTakenError, type UserRepository } from './repository';
import { cutoffSeconds, issuedBeforeCutoff, revocationCutoff } from './revocation';
import {
  deleteBodySchema,
  loginBodySchema,
  patchBodySchema,
  publicUserSchema,
  registerBodySchema,
  tokenSchema,
  toPublicUser,
  userIdParamsSchema,
} from './schemas';

export interface TokenIssuing {
  signer: TokenSigner;
  issuer: string;
  audience: string;
  expiresInSeconds: number;
}

export interface UserRoutesDeps {
  repo: UserRepository;
  cache: UserCache;
  /** Verifies access tokens (public keys only), like every other service. */
  verify: TokenVerifier;
  tokens: TokenIssuing;
  /** Called after a commit that wrote outbox rows, so the relay publishes without waiting for its poll. */
  onOutboxWrite(): void;
}

const bearer = [{ bearerAuth: [] }];
const emailTaken = () => conflict('Email is already registered', 'email_taken');
// One answer for "no such email" and "wrong password", so the API does not reveal accounts.
const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'Invalid email or password');
// 403, not 401: the bearer token is valid, the extra proof is not; a client must not take it for
// an expired session and drop the token.
const invalidCurrentPassword = () => new HttpError(403, 'invalid_current_password', 'The current password is not correct');

const withEmailConflict = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof EmailTakenError) throw emailTaken();
    throw err;
  }
};

const registerRoute = createRoute({
  method: 'post',
  path: '/users',
  tags: ['users'],
  summary: 'Register a user',
  middleware: [writeGuard()] as const,
  request: { body: jsonBody(registerBodySchema) },
  responses: { 201: jsonResponse(publicUserSchema, 'The new user'), ...errorResponses(400, 409, 413, 415) },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Exchange credentials for an access token',
  middleware: [writeGuard()] as const,
  request: { body: jsonBody(loginBodySchema) },
  responses: { 200: jsonResponse(tokenSchema, 'A bearer access token'), ...errorResponses(400, 401, 413, 415) },
});

/** Cache-aside read of one user (the public routes, the revocation check and the internal route share it). */
export const createUserReader =
  (repo: UserRepository, cache: UserCache) =>
  async (id: string): Promise<CachedUser | undefined> => {
    const cached = await cache.get(id);
    if (cached) return cached;
    const row = await repo.findById(id);
    if (!row) return undefined;
    const entry = toCachedUser(row);
    void cache.set(entry); // never fails (cache errors degrade to a miss) and need not delay the response
    return entry;
  };

export async function registerUserRoutes(app: OpenAPIHono<AppEnv>, deps: UserRoutesDeps): Promise<void> {
  const { repo, cache, tokens } = deps;
  // Verified against for unknown emails so both login failures cost one scrypt. Hashed in the
  // background (libuv's pool): awaiting it here held start-up back by one scrypt (bench/results/startup.md).
  const decoyHash = hashPassword(randomBytes(16).toString('hex'));
  decoyHash.catch(() => undefined); // a failure surfaces at the login that awaits it

  // One cache-aside read per request and user: the revocation check and the handler share it.
  const perRequest = new WeakMap<Request, Map<string, Promise<CachedUser | undefined>>>();
  const readUser = createUserReader(repo, cache);
  const findUser = (c: Context<AppEnv>, id: string): Promise<CachedUser | undefined> => {
    let reads = perRequest.get(c.req.raw);
    if (!reads) perRequest.set(c.req.raw, (reads = new Map()));
    let read = reads.get(id);
    if (!read) reads.set(id, (read = readUser(id)));
    return read;
  };
  const loadUser = async (c: Context<AppEnv>, id: string) => {
    const entry = await findUser(c, id);
    if (!entry) throw notFound('User not found');
    return entry.user;
  };

  // A password change or the deletion of the account revokes the tokens issued before it.
  const auth = requireAuth({
    verify: deps.verify,
    isRevoked: async (claims, c) => {
      const entry = await findUser(c, claims.sub);
      return !entry || issuedBeforeCutoff(claims.iat, entry.tokensValidAfter);
    },
  });

  /** The current password, checked against the stored hash (never the cache: it holds no hash). */
  const proveAccount = async (id: string, currentPassword: string): Promise<void> => {
    const row = await repo.findById(id);
    if (!row) throw notFound('User not found');
    if (!(await verifyPassword(currentPassword, row.passwordHash))) throw invalidCurrentPassword();
  };

  const selfOnly = (callerId: string, id: string): void => {
    if (callerId !== id) throw forbidden('You can only access your own user');
  };

  app.openapi(registerRoute, async (c) => {
    const { email, name, password } = c.req.valid('json');
    const passwordHash = await hashPassword(password);
    const row = await withEmailConflict(() =>
      repo.createWithEvent({ email, name, passwordHash }, (u) =>
        newEvent('user.registered', 'user', { userId: u.id, email: u.email, name: u.name }),
      ),
    );
    deps.onOutboxWrite();
    return c.json(toPublicUser(row), 201, { Location: `/users/${row.id}` });
  });

  app.openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    const row = await repo.findByEmail(email);
    const ok = await verifyPassword(password, row?.passwordHash ?? (await decoyHash));
    if (!row || !ok) throw invalidCredentials();
    const accessToken = await issueAccessToken(
      { sub: row.id, email: row.email },
      { ...tokens, notBeforeSeconds: cutoffSeconds(row.tokensValidAfter) },
    );
    return c.json({ accessToken, tokenType: 'Bearer' as const, expiresIn: tokens.expiresInSeconds }, 200);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/me',
      tags: ['users'],
      summary: 'The caller',
      security: bearer,
      middleware: [auth] as const,
      responses: { 200: jsonResponse(publicUserSchema, 'The caller'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await loadUser(c, c.get('auth')!.userId), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'A user (self only), served from the cache when possible',
      security: bearer,
      middleware: [auth] as const,
      request: { params: userIdParamsSchema },
      responses: { 200: jsonResponse(publicUserSchema, 'The user'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      selfOnly(c.get('auth')!.userId, id);
      return c.json(await loadUser(c, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Update name, email or password (self only); email and password need currentPassword',
      description:
        'Changing email or password requires `currentPassword` (400 `validation_failed` without it, 403 ' +
        '`invalid_current_password` when wrong). A password change revokes every token issued before it, ' +
        'the one used for this request included: log in again.',
      security: bearer,
      middleware: [auth, writeGuard()] as const,
      request: { params: userIdParamsSchema, body: jsonBody(patchBodySchema) },
      responses: { 200: jsonResponse(publicUserSchema, 'The updated user'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      selfOnly(c.get('auth')!.userId, id);
      const { password, currentPassword, ...rest } = c.req.valid('json');
      if (currentPassword !== undefined) await proveAccount(id, currentPassword);
      const passwordChange = password === undefined ? {} : { passwordHash: await hashPassword(password), tokensValidAfter: revocationCutoff() };
      const row = await withEmailConflict(() => repo.update(id, { ...rest, ...passwordChange }));
      await cache.invalidate(id);
      if (!row) throw notFound('User not found');
      return c.json(toPublicUser(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Delete the caller (self only); needs currentPassword in the body',
      description: 'Body `{"currentPassword": "..."}` (403 `invalid_current_password` when wrong). Every token of the account stops working.',
      security: bearer,
      middleware: [auth, writeGuard()] as const,
      request: { params: userIdParamsSchema, body: jsonBody(deleteBodySchema) },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      selfOnly(c.get('auth')!.userId, id);
      await proveAccount(id, c.req.valid('json').currentPassword);
      const deleted = await repo.delete(id);
      await cache.invalidate(id);
      if (!deleted) throw notFound('User not found');
      return c.body(null, 204);
    },
  );
}
