import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../kit/app';
import { writeGuard } from '../kit/app';
import type { MiddlewareHandler } from 'hono';
import { invalidBearer, type AuthContext } from '../kit/auth';
import { conflict, HttpError, notFound, unauthorized, unprocessable } from '../kit/errors';
import { errorResponses, jsonBody, jsonResponse } from '../kit/openapi';
import { decodeCursor, encodeCursor } from '../kit/pagination';
import type { AccountCheck } from './account-check';
import type { CreatePaymentOutcome } from './create-payment';
import type { PaymentRepository } from './payments';
import {
  createPaymentBody,
  createPaymentHeaders,
  listCursor,
  listPaymentsQuery,
  paymentIdParams,
  paymentList,
  paymentView,
  type CreatePayment,
  type PaymentView,
} from './schemas';

export interface PaymentRoutesDeps {
  /** `requireAuth(...)`: verifies the bearer token on every /payments route. */
  readonly auth: MiddlewareHandler<AppEnv>;
  readonly payments: PaymentRepository;
  /** The payer's account still exists and the token is not revoked (asks the user service). */
  readonly checkAccount: AccountCheck;
  readonly createPayment: (userId: string, idempotencyKey: string, input: CreatePayment) => Promise<CreatePaymentOutcome>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const security = [{ bearerAuth: [] }];

const createPaymentRoute = createRoute({
  method: 'post',
  path: '/payments',
  summary: 'Create a payment (idempotent per Idempotency-Key and caller)',
  security,
  middleware: [writeGuard()] as const,
  request: { headers: createPaymentHeaders, body: jsonBody(createPaymentBody) },
  responses: {
    201: jsonResponse(paymentView, 'The payment (replays carry `Idempotent-Replayed: true`)'),
    ...errorResponses(400, 401, 409, 413, 415, 422, 503, 504),
  },
});

const getPaymentRoute = createRoute({
  method: 'get',
  path: '/payments/{id}',
  summary: "One of the caller's payments",
  security,
  request: { params: paymentIdParams },
  responses: { 200: jsonResponse(paymentView, 'The payment'), ...errorResponses(401, 404) },
});

const listPaymentsRoute = createRoute({
  method: 'get',
  path: '/payments',
  summary: "The caller's payments, newest first",
  security,
  request: { query: listPaymentsQuery },
  responses: { 200: jsonResponse(paymentList, 'A page of payments'), ...errorResponses(400, 401) },
});

const caller = (auth: AuthContext | undefined): AuthContext => {
  // requireAuth runs first on every /payments route; this only guards against a wiring mistake.
  if (!auth) throw unauthorized();
  return auth;
};

export const registerPaymentRoutes = (app: OpenAPIHono<AppEnv>, deps: PaymentRoutesDeps): void => {
  // `/payments/*` also matches `/payments` itself in Hono.
  app.use('/payments/*', deps.auth);

  app.openapi(createPaymentRoute, async (c) => {
    const auth = caller(c.get('auth'));
    const { userId } = auth;
    const account = await deps.checkAccount(auth, c.get('requestId'));
    if (account.kind === 'refused') {
      c.get('logger').info({ reason: account.reason, userId }, 'payment refused: account');
      throw invalidBearer(c, 'Invalid or expired access token');
    }
    if (account.kind === 'unavailable') {
      // Nothing was charged and nothing was locked: the same Idempotency-Key may be retried as is.
      c.header('Retry-After', String(account.retryAfterSeconds));
      throw new HttpError(503, 'upstream_unavailable', 'The account cannot be checked right now; retry later');
    }
    const outcome = await deps.createPayment(userId, c.req.valid('header')['idempotency-key'], c.req.valid('json'));
    switch (outcome.kind) {
      case 'created':
        return c.json(outcome.payment, 201);
      case 'replay':
        c.header('Idempotent-Replayed', 'true');
        // Only successful creations are stored, so the stored status is always 201.
        return c.json(outcome.response.body as PaymentView, 201);
      case 'mismatch':
        throw unprocessable('This Idempotency-Key was already used with a different request body', 'idempotency_key_reused');
      case 'in_flight':
        c.header('Retry-After', String(outcome.retryAfterSeconds));
        throw conflict('A request with this Idempotency-Key is still in progress', 'idempotency_key_in_flight');
    }
  });

  app.openapi(getPaymentRoute, async (c) => {
    const { userId } = caller(c.get('auth'));
    const { id } = c.req.valid('param');
    // Not a uuid: cannot exist, and must not reach DynamoDB (key size limits would make it a 500).
    const payment = UUID.test(id) ? await deps.payments.findOwned(id, userId) : undefined;
    if (!payment) throw notFound('Payment not found');
    return c.json(payment, 200);
  });

  app.openapi(listPaymentsRoute, async (c) => {
    const { userId } = caller(c.get('auth'));
    const { limit, cursor } = c.req.valid('query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor, listCursor);
    const page = await deps.payments.listByUser(userId, limit, after);
    return c.json({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
  });
};
