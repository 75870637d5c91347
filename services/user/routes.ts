import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { randomBytes } from 'node:crypto';
import type { AppEnv } from '../kit/app';
import { writeGuard } from '../kit/app';
import { requireAuth, signAccessToken, type TokenOptions } from '../kit/auth';
import { conflict, forbidden, HttpError, notFound } from '../kit/errors';
import { newEvent } from '../kit/events';
import { errorResponses, jsonBody, jsonResponse } from '../kit/openapi';
import type { UserCache } from './cache';
import { hashPassword, verifyPassword } from './password';
import { EmailTakenError, type UserRepository } from './repository';
import {
  loginBodySchema,
  patchBodySchema,
  publicUserSchema,
  registerBodySchema,
  tokenSchema,
  toPublicUser,
  userIdParamsSchema,
  type PublicUser,
} from './schemas';

export type JwtSettings = TokenOptions & { expiresInSeconds: number };

export interface UserRoutesDeps {
  repo: UserRepository;
  cache: UserCache;
  jwt: JwtSettings;
  /** Called after a commit that wrote outbox rows, so the relay publishes without waiting for its poll. */
  onOutboxWrite(): void;
}

const bearer = [{ bearerAuth: [] }];
const emailTaken = () => conflict('Email is already registered', 'email_taken');
// One answer for "no such email" and "wrong password", so the API does not reveal accounts.
const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'Invalid email or password');

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

export async function registerUserRoutes(app: OpenAPIHono<AppEnv>, deps: UserRoutesDeps): Promise<void> {
  const { repo, cache, jwt } = deps;
  const auth = requireAuth(jwt);
  // Verified against for unknown emails so both login failures cost one scrypt.
  const decoyHash = await hashPassword(randomBytes(16).toString('hex'));

  /** Cache-aside read of the public view. */
  const loadUser = async (id: string): Promise<PublicUser> => {
    const cached = await cache.get(id);
    if (cached) return cached;
    const row = await repo.findById(id);
    if (!row) throw notFound('User not found');
    const user = toPublicUser(row);
    void cache.set(user); // never fails (cache errors degrade to a miss) and need not delay the response
    return user;
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
    const ok = await verifyPassword(password, row?.passwordHash ?? decoyHash);
    if (!row || !ok) throw invalidCredentials();
    const accessToken = signAccessToken({ sub: row.id, email: row.email }, jwt);
    return c.json({ accessToken, tokenType: 'Bearer' as const, expiresIn: jwt.expiresInSeconds }, 200);
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
    async (c) => c.json(await loadUser(c.get('auth')!.userId), 200),
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
      return c.json(await loadUser(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Update name, email or password (self only)',
      security: bearer,
      middleware: [auth, writeGuard()] as const,
      request: { params: userIdParamsSchema, body: jsonBody(patchBodySchema) },
      responses: { 200: jsonResponse(publicUserSchema, 'The updated user'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      selfOnly(c.get('auth')!.userId, id);
      const { password, ...rest } = c.req.valid('json');
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      const row = await withEmailConflict(() => repo.update(id, { ...rest, ...(passwordHash ? { passwordHash } : {}) }));
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
      summary: 'Delete the caller (self only)',
      security: bearer,
      middleware: [auth] as const,
      request: { params: userIdParamsSchema },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      selfOnly(c.get('auth')!.userId, id);
      const deleted = await repo.delete(id);
      await cache.invalidate(id);
      if (!deleted) throw notFound('User not found');
      return c.body(null, 204);
    },
  );
}
