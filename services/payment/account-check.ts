/**
 * Before charging, the payer's account must still exist and the access token must not have been
 * revoked by a password change since it was issued: the user service knows (GET /internal/users/{id}).
 *
 * Declared degradation (docs/decisions/0014): when the user service is unavailable, the last answer
 * it gave for this user decides, if it is at most `maxStaleMs` old; without one, 503 with
 * `Retry-After`. A deleted account is final and refused (401, as the user service refuses its tokens).
 */
import type { AuthContext } from '../kit/auth';
import type { UserDirectory } from '../kit/user-directory';

export type AccountVerdict =
  | { readonly kind: 'ok'; readonly degraded: boolean }
  | { readonly kind: 'refused'; readonly reason: 'deleted' | 'revoked' }
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number };

export interface AccountCheckOptions {
  readonly directory: UserDirectory;
  /** How old a last-known answer may be and still decide a charge. */
  readonly maxStaleMs?: number;
  /** Users remembered per task (least recently checked dropped first). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** Ten minutes: shorter than an access token's lifetime, long enough to ride out a callee restart or deploy. */
export const LAST_KNOWN_MAX_AGE_MS = 10 * 60_000;
const LAST_KNOWN_ENTRIES = 10_000;

interface LastKnown {
  /** The user's revocation cut-off (null: none), or `gone` for a deleted account. */
  readonly tokensValidAfter: number | null | 'gone';
  readonly at: number;
}

export type AccountCheck = (auth: AuthContext, requestId?: string) => Promise<AccountVerdict>;

export const createAccountCheck = (options: AccountCheckOptions): AccountCheck => {
  const { directory, maxStaleMs = LAST_KNOWN_MAX_AGE_MS, maxEntries = LAST_KNOWN_ENTRIES, now = Date.now } = options;
  const lastKnown = new Map<string, LastKnown>();

  const remember = (userId: string, tokensValidAfter: LastKnown['tokensValidAfter']): void => {
    lastKnown.delete(userId);
    // Map keeps insertion order: the first key is the least recently checked user.
    if (lastKnown.size >= maxEntries) lastKnown.delete(lastKnown.keys().next().value!);
    lastKnown.set(userId, { tokensValidAfter, at: now() });
  };

  const judge = (auth: AuthContext, tokensValidAfter: LastKnown['tokensValidAfter'], degraded: boolean): AccountVerdict => {
    if (tokensValidAfter === 'gone') return { kind: 'refused', reason: 'deleted' };
    if (tokensValidAfter !== null && auth.issuedAt < tokensValidAfter) return { kind: 'refused', reason: 'revoked' };
    return { kind: 'ok', degraded };
  };

  return async (auth, requestId) => {
    const found = await directory.lookup(auth.userId, requestId);
    if (found.kind === 'found') {
      remember(auth.userId, found.user.tokensValidAfter);
      return judge(auth, found.user.tokensValidAfter, false);
    }
    if (found.kind === 'gone') {
      remember(auth.userId, 'gone');
      return judge(auth, 'gone', false);
    }
    const known = lastKnown.get(auth.userId);
    if (known && now() - known.at <= maxStaleMs) return judge(auth, known.tokensValidAfter, true);
    return { kind: 'unavailable', retryAfterSeconds: found.retryAfterSeconds };
  };
};
