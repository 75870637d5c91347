import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../kit/app';
import { unauthorized } from '../kit/errors';
import { errorResponses, jsonResponse } from '../kit/openapi';
import { cursorQuery, decodeCursor, encodeCursor } from '../kit/pagination';
import type { NotificationStore } from './store';

const notificationView = z
  .object({
    id: z.string(),
    userId: z.string(),
    type: z.enum(['welcome', 'payment-receipt']),
    title: z.string(),
    body: z.string(),
    eventId: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    channel: z.string(),
    status: z.enum(['pending', 'sent', 'failed']),
    sentAt: z.string().optional(),
  })
  .openapi('Notification');

const notificationList = z
  .object({ items: z.array(notificationView), nextCursor: z.string().nullable() })
  .openapi('NotificationList');

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorQuery.optional(),
});

/** What the opaque cursor carries: the last returned sort key (its shape is checked, never trusted). */
const listCursor = z.object({ sk: z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#ntf_[0-9a-f]{32}$/) });

const listRoute = createRoute({
  method: 'get',
  path: '/notifications',
  summary: "The caller's notifications, newest first",
  security: [{ bearerAuth: [] }],
  request: { query: listQuery },
  responses: { 200: jsonResponse(notificationList, 'A page of notifications'), ...errorResponses(400, 401) },
});

export const registerNotificationRoutes = (
  app: OpenAPIHono<AppEnv>,
  /** `auth`: `requireAuth(...)`, in front of every /notifications route. */
  deps: { auth: MiddlewareHandler<AppEnv>; store: NotificationStore },
): void => {
  app.use('/notifications', deps.auth);
  app.use('/notifications/*', deps.auth);

  app.openapi(listRoute, async (c) => {
    const auth = c.get('auth');
    if (!auth) throw unauthorized(); // requireAuth ran first; guards a wiring mistake only
    const { limit, cursor } = c.req.valid('query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor, listCursor).sk;
    // The partition comes from the token, never from the cursor: a cursor cannot reach other users.
    const page = await deps.store.listForUser(auth.userId, limit, after);
    const items = page.items.map(({ attempts: _attempts, lastError: _lastError, ...view }) => view);
    return c.json({ items, nextCursor: page.lastSortKey ? encodeCursor({ sk: page.lastSortKey }) : null }, 200);
  });
};
