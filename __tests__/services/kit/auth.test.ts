import { generateKeyPairSync } from 'node:crypto';
import { createApp } from '../../../services/kit/app';
import { requireAuth } from '../../../services/kit/auth';
import {
  createTokenVerifier,
  InvalidTokenError,
  issueAccessToken,
  verifyAccessToken,
  type VerifyOptions,
} from '../../../services/kit/tokens/access-token';
import { generateLocalTokenKeys, parseJwks, parsePrivateJwk } from '../../../services/kit/tokens/keys';
import { createLocalSigner } from '../../../services/kit/tokens/signer';
import { b64url, es256, forge, hs256, jwksOf, strangerKey } from '../../support/tokens';
import { captureLogger, JWT } from './helpers';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const user = { sub: 'user-1', email: 'a@example.com' };

const current = generateLocalTokenKeys();
const signing = parsePrivateJwk(current.privateJwk);
const signer = createLocalSigner(signing);
const keys = parseJwks(current.publicJwks);
const opts: VerifyOptions = { ...JWT, keys, now: () => NOW };
const issue = (over: Partial<Parameters<typeof issueAccessToken>[1]> = {}) =>
  issueAccessToken(user, { ...JWT, signer, expiresInSeconds: 900, now: () => NOW, ...over });

const header = (over: Record<string, unknown> = {}) => ({ alg: 'ES256', typ: 'JWT', kid: signing.kid, ...over });
const claims = (over: Record<string, unknown> = {}) => ({
  ...user,
  iss: JWT.issuer,
  aud: JWT.audience,
  iat: NOW / 1000,
  nbf: NOW / 1000,
  exp: NOW / 1000 + 900,
  ...over,
});
/** Signed with the real key: only the defect under test differs from a valid token. */
const forged = (h: object, c: object) => forge(h, c, es256(signing.key));

const rejects = (token: string, reason: RegExp, o: VerifyOptions = opts) => {
  expect(() => verifyAccessToken(token, o)).toThrow(InvalidTokenError);
  expect(() => verifyAccessToken(token, o)).toThrow(reason);
};

describe('ES256 access tokens', () => {
  it('round-trips a token: header ES256 with the kid, standard claims', async () => {
    const token = await issue();
    const [h] = token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'JWT', kid: signing.kid });
    expect(verifyAccessToken(token, opts)).toEqual({ ...user, iss: JWT.issuer, aud: JWT.audience, iat: NOW / 1000, nbf: NOW / 1000, exp: NOW / 1000 + 900 });
    // The hand-built equivalent verifies too (the forge helper is faithful).
    expect(verifyAccessToken(forged(header(), claims()), opts).sub).toBe('user-1');
  });

  it('issues iat no earlier than notBeforeSeconds (the revocation cut-off)', async () => {
    const cutoff = NOW / 1000 + 1;
    const claimsOf = verifyAccessToken(await issue({ notBeforeSeconds: cutoff }), opts);
    expect(claimsOf).toMatchObject({ iat: cutoff, nbf: cutoff, exp: cutoff + 900 });
    expect(verifyAccessToken(await issue({ notBeforeSeconds: NOW / 1000 - 100 }), opts).iat).toBe(NOW / 1000);
  });

  it('rejects expired tokens, tolerating a small clock skew', async () => {
    const token = await issue();
    expect(verifyAccessToken(token, { ...opts, now: () => NOW + 900_000 + 10_000 }).sub).toBe('user-1'); // 10 s late: skew
    rejects(token, /expired/, { ...opts, now: () => NOW + 900_000 + 31_000 });
  });

  it('rejects tokens from the future (nbf / iat) and tokens without iat or exp', () => {
    rejects(forged(header(), claims({ nbf: NOW / 1000 + 120 })), /not yet valid/);
    rejects(forged(header(), claims({ iat: NOW / 1000 + 120 })), /future/);
    rejects(forged(header(), claims({ iat: undefined })), /missing iat/);
    rejects(forged(header(), claims({ exp: undefined })), /exp/);
  });

  it('rejects a wrong issuer or audience', async () => {
    rejects(await issue({ issuer: 'https://evil.example' }), /issuer/);
    rejects(await issue({ audience: 'other-api' }), /audience/);
  });

  it('rejects a tampered payload and a tampered signature', async () => {
    const token = await issue();
    const [h, , s] = token.split('.');
    rejects(`${h}.${b64url(claims({ sub: 'admin' }))}.${s}`, /signature/);
    const flipped = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    rejects(flipped, /signature/);
    // Same decoded bytes, different text (spare bits of the last base64url character): refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]!;
    rejects(token.slice(0, -1) + sibling, /signature/);
  });

  it('rejects a token signed by another key, under a known kid or an unknown one', () => {
    rejects(forge(header(), claims(), es256(strangerKey())), /bad signature/);
    rejects(forge(header({ kid: 'someone-else' }), claims(), es256(strangerKey())), /unknown kid/);
    rejects(forge(header({ kid: undefined }), claims(), es256(signing.key)), /missing kid/);
  });

  it('rejects alg none, HS256 (the old tokens, and the public key used as an HMAC secret) and other algorithms', () => {
    const input = `${b64url(header({ alg: 'none' }))}.${b64url(claims())}`;
    rejects(`${input}.`, /malformed/);
    rejects(`${input}.${b64url('x')}`, /algorithm none/);
    rejects(forge(header({ alg: 'HS256' }), claims(), hs256('test-secret-that-is-long-enough-0123456789')), /algorithm HS256/);
    const publicPem = keys.get(signing.kid)!.export({ format: 'pem', type: 'spki' });
    rejects(forge(header({ alg: 'HS256' }), claims(), hs256(publicPem)), /algorithm HS256/);
    rejects(forge(header({ alg: 'RS256' }), claims(), es256(signing.key)), /algorithm RS256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    rejects(forge(header({ alg: 'ES384' }), claims(), es256(p384)), /algorithm ES384/);
  });

  it('rejects malformed tokens and crit headers', () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c', '!!.??.**', `${b64url('not json')}.${b64url(claims())}.x`, 'x'.repeat(5000)]) {
      expect(() => verifyAccessToken(bad, opts)).toThrow(InvalidTokenError);
    }
    rejects(forged(header({ crit: ['exp'] }), claims()), /crit/);
    rejects(forged(header({ typ: 'at+jwt' }), claims()), /typ/);
  });

  it('accepts every kid of the key set: two keys during a rollover, then only the new one', async () => {
    const next = generateLocalTokenKeys();
    const nextSigner = createLocalSigner(parsePrivateJwk(next.privateJwk));
    const overlap = { ...opts, keys: parseJwks(jwksOf(current.publicJwks, next.publicJwks)) };
    const oldToken = await issue();
    const newToken = await issueAccessToken(user, { ...JWT, signer: nextSigner, now: () => NOW });
    expect(verifyAccessToken(oldToken, overlap).sub).toBe('user-1');
    expect(verifyAccessToken(newToken, overlap).sub).toBe('user-1');
    const after = { ...opts, keys: parseJwks(next.publicJwks) };
    rejects(oldToken, /unknown kid/, after);
    expect(verifyAccessToken(newToken, after).sub).toBe('user-1');
  });
});

describe('key parsing', () => {
  const publicJwk = () => JSON.parse(current.publicJwks).keys[0];
  it('refuses a private key in a verification key set, duplicate kids, other curves and a key without kid', () => {
    expect(() => parseJwks(JSON.stringify({ keys: [JSON.parse(current.privateJwk)] }))).toThrow(/private key/);
    expect(() => parseJwks(JSON.stringify({ keys: [publicJwk(), publicJwk()] }))).toThrow(/duplicate kid/);
    const p384 = { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }), kid: 'k' };
    expect(() => parseJwks(JSON.stringify({ keys: [p384] }))).toThrow(/P-256/);
    expect(() => parseJwks(JSON.stringify({ keys: [{ ...publicJwk(), kid: undefined }] }))).toThrow(/kid/);
    expect(() => parseJwks(JSON.stringify({ keys: [] }))).toThrow(/non-empty/);
    expect(() => parsePrivateJwk(JSON.stringify(publicJwk()))).toThrow(/"d"/);
  });
});

describe('createTokenVerifier (the cached verifier requireAuth uses)', () => {
  it('still enforces expiry on a token it verified before', async () => {
    let now = NOW;
    const verify = createTokenVerifier({ ...opts, now: () => now });
    const token = await issue();
    expect(verify(token).sub).toBe('user-1');
    expect(verify(token).sub).toBe('user-1');
    now = NOW + 3600_000;
    expect(() => verify(token)).toThrow(/expired/);
  });

  it('never treats a tampered variant of a verified token as verified', async () => {
    const verify = createTokenVerifier(opts);
    const token = await issue();
    verify(token);
    const [h, , sig] = token.split('.');
    expect(() => verify(`${h}.${b64url(claims({ sub: 'admin' }))}.${sig}`)).toThrow(/bad signature/);
    expect(() => verify(`${token.slice(0, -2)}AA`)).toThrow(InvalidTokenError);
  });
});

describe('requireAuth', () => {
  const revoked = new Set<string>();
  const app = createApp({ serviceName: 'kit-test', logger: captureLogger().logger });
  const verify = createTokenVerifier({ ...JWT, keys });
  app.get('/me', requireAuth({ verify }), (c) => c.json(c.get('auth')));
  app.get('/checked', requireAuth({ verify, isRevoked: async (claims) => revoked.has(claims.sub) }), (c) => c.json(c.get('auth')));

  it('sets c.var.auth for a valid bearer token', async () => {
    const token = await issueAccessToken(user, { ...JWT, signer });
    const res = await app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'user-1', email: 'a@example.com', issuedAt: expect.any(Number) });
  });

  it('runs the revocation hook after verification: a revoked subject gets 401', async () => {
    const token = await issueAccessToken({ sub: 'user-2', email: 'b@example.com' }, { ...JWT, signer });
    const headers = { authorization: `Bearer ${token}` };
    expect((await app.request('/checked', { headers })).status).toBe(200);
    revoked.add('user-2');
    const res = await app.request('/checked', { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await app.request('/me', { headers })).status).toBe(200); // no hook, no revocation
  });

  it.each([
    ['no header', undefined],
    ['basic auth', 'Basic dXNlcjpwYXNz'],
    ['garbage', 'Bearer nope'],
    ['expired', async () => `Bearer ${await issueAccessToken(user, { ...JWT, signer, now: () => Date.now() - 3_600_000 })}`],
  ])('401 unauthorized with the error body and WWW-Authenticate: %s', async (_name, header) => {
    const value = typeof header === 'function' ? await header() : header;
    const res = await app.request('/me', value ? { headers: { authorization: value } } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('unauthorized');
  });
});
