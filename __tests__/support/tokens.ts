/** Access tokens for tests: signed with a namespace's local key (the user service's), or forged on purpose. */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { issueAccessToken } from '../../services/kit/tokens/access-token';
import { parsePrivateJwk } from '../../services/kit/tokens/keys';
import { createLocalSigner } from '../../services/kit/tokens/signer';

/** The variables a signer's environment carries (the user service's env from provisioning). */
export interface SignerEnv {
  readonly TOKEN_SIGNING_JWK?: string;
  readonly JWT_ISSUER?: string;
  readonly JWT_AUDIENCE?: string;
}

/** A token exactly as the user service issues it, for `userId`. */
export const tokenFor = (env: SignerEnv, userId: string, expiresInSeconds = 900): Promise<string> => {
  if (!env.TOKEN_SIGNING_JWK || !env.JWT_ISSUER || !env.JWT_AUDIENCE) throw new Error('not a signer environment (TOKEN_SIGNING_JWK, JWT_ISSUER, JWT_AUDIENCE)');
  return issueAccessToken(
    { sub: userId, email: `${userId}@example.com` },
    { signer: createLocalSigner(parsePrivateJwk(env.TOKEN_SIGNING_JWK)), issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, expiresInSeconds },
  );
};

export const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS over `header` and `claims`, signed by `signWith` (each test controls one defect). */
export const forge = (header: object, claims: object, signWith: (input: string) => Buffer | string): string => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = signWith(input);
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
};

/** ES256 with `key` (JOSE r||s). */
export const es256 = (key: KeyObject) => (input: string): Buffer => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });

/** HS256 with `secret`: what the old tokens were, and the classic algorithm-confusion attack. */
export const hs256 = (secret: string | Buffer) => (input: string): Buffer => createHmac('sha256', secret).update(input).digest();

/** A P-256 key pair nobody trusts. */
export const strangerKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** Public JWKS JSON of several key sets side by side (a rollover's overlap). */
export const jwksOf = (...jwksJson: string[]): string =>
  JSON.stringify({ keys: jwksJson.flatMap((json) => (JSON.parse(json) as { keys: unknown[] }).keys) });

/** Standard claims for `sub`, issued now (epoch seconds) unless overridden. */
export const claimsFor = (env: SignerEnv, sub: string, over: Record<string, unknown> = {}): Record<string, unknown> => {
  const now = Math.floor(Date.now() / 1000);
  return { sub, email: `${sub}@example.com`, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat: now, nbf: now, exp: now + 600, ...over };
};

/** The kid of a signer environment's key. */
export const kidOf = (env: SignerEnv): string => parsePrivateJwk(env.TOKEN_SIGNING_JWK!).kid;

/** The signer environment's private key (to forge tokens that differ from real ones in one respect). */
export const keyOf = (env: SignerEnv): KeyObject => parsePrivateJwk(env.TOKEN_SIGNING_JWK!).key;
