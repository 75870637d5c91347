/**
 * Internal routes (docs/decisions/0014): only the services the catalog says call the user service,
 * with a service token; never routed by the ALB or the local gateway (route family `internal`).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../kit/app';
import { notFound } from '../kit/errors';
import { errorResponses, jsonResponse } from '../kit/openapi';
import { INTERNAL_PREFIX } from '../kit/service-auth';
import { internalUserSchema, type InternalUser } from '../kit/user-directory';
import type { CachedUser } from './cache';
import { userIdParamsSchema } from './schemas';

export interface InternalRoutesDeps {
  /** `requireServiceCaller(...)`. */
  readonly callers: MiddlewareHandler<AppEnv>;
  /** The same cache-aside read the public routes use. */
  readUser(id: string): Promise<CachedUser | undefined>;
}

const security = [{ serviceToken: [] }];

export const registerInternalRoutes = (app: OpenAPIHono<AppEnv>, deps: InternalRoutesDeps): void => {
  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A service token of a declared caller (docs/decisions/0014); access tokens are refused',
  });
  app.use(`${INTERNAL_PREFIX}/*`, deps.callers);
  app.openapi(
    createRoute({
      method: 'get',
      path: `${INTERNAL_PREFIX}/users/{id}`,
      tags: ['internal'],
      summary: 'A user as the calling services need it: current e-mail and name, revocation cut-off; 404 once deleted',
      security,
      request: { params: userIdParamsSchema },
      responses: { 200: jsonResponse(internalUserSchema, 'The user'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const entry = await deps.readUser(c.req.valid('param').id);
      if (!entry) throw notFound('User not found');
      const { id, email, name } = entry.user;
      const user: InternalUser = { id, email, name, tokensValidAfter: entry.tokensValidAfter };
      return c.json(user, 200);
    },
  );
};
