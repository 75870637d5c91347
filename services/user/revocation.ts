/**
 * Token revocation by cut-off (docs/decisions/0008): a password change (and account deletion)
 * refuses every token issued before it. `iat` has one-second resolution, so the cut-off is the
 * change instant rounded UP to the next second, and a token issued after the change gets
 * `iat >= cut-off` (issueAccessToken's `notBeforeSeconds`): a token from the same second as the
 * change is then never mistaken for an older one, in either direction.
 */

/** The cut-off for a change happening `at`. */
export const revocationCutoff = (at: Date = new Date()): Date => new Date(Math.ceil(at.getTime() / 1000) * 1000);

/** Epoch seconds of a stored cut-off (undefined when the user never changed the password). */
export const cutoffSeconds = (tokensValidAfter: Date | null): number | undefined =>
  tokensValidAfter === null ? undefined : Math.floor(tokensValidAfter.getTime() / 1000);

/** Whether a token issued at `iat` predates the cut-off. */
export const issuedBeforeCutoff = (iat: number, cutoff: number | null | undefined): boolean => cutoff != null && iat < cutoff;
