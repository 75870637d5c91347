/**
 * The user service's internal contract, `GET /internal/users/{id}`, and the one way its callers
 * ask it (payment: does the payer's account still exist; notification: the recipient's current
 * e-mail and name). Shared like events.ts: the callee answers with this schema, callers parse it.
 */
import { z } from 'zod';
import type { CallResult, ServiceClient } from './service-call/client';

export const internalUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  /** Epoch seconds: access tokens issued before it are revoked (a password change); null if never. */
  tokensValidAfter: z.number().int().nullable(),
});
export type InternalUser = z.infer<typeof internalUserSchema>;

export const internalUserPath = (id: string): string => `/internal/users/${encodeURIComponent(id)}`;

export type UserLookup =
  | { readonly kind: 'found'; readonly user: InternalUser }
  /** The account does not exist (deleted, or never did). */
  | { readonly kind: 'gone' }
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number };

const UNEXPECTED_ANSWER_RETRY_SECONDS = 5;

/** An answer the contract does not allow (a 401 from a key mix-up, a bad body) counts as unavailable. */
const toLookup = (result: CallResult): UserLookup => {
  if (result.kind === 'unavailable') return { kind: 'unavailable', retryAfterSeconds: result.retryAfterSeconds };
  if (result.status === 404) return { kind: 'gone' };
  const parsed = result.status === 200 ? internalUserSchema.safeParse(result.body) : undefined;
  return parsed?.success ? { kind: 'found', user: parsed.data } : { kind: 'unavailable', retryAfterSeconds: UNEXPECTED_ANSWER_RETRY_SECONDS };
};

export interface UserDirectory {
  lookup(id: string, requestId?: string): Promise<UserLookup>;
}

/** Concurrent lookups of one user share one call (a burst of payments by one payer is one question). */
export const createUserDirectory = (client: ServiceClient): UserDirectory => {
  const inFlight = new Map<string, Promise<UserLookup>>();
  return {
    lookup(id, requestId) {
      let pending = inFlight.get(id);
      if (!pending) {
        pending = client.call(internalUserPath(id), { requestId }).then(toLookup).finally(() => inFlight.delete(id));
        inFlight.set(id, pending);
      }
      return pending;
    },
  };
};
