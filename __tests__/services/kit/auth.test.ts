import { createHmac } from 'node:crypto';
import { createApp } from '../../../services/kit/app';
import { createTokenVerifier, InvalidTokenError, requireAuth, signAccessToken, verifyAccessToken, type TokenOptions } from '../../../services/kit/auth';
import { captureLogger, JWT } from './helpers';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts: TokenOptions = { ...JWT, expiresInSeconds: 900, now: () => NOW };
const user = { sub: 'user-1', email: 'a@example.com' };

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hs = (alg: 'sha256' | 'sha512', input: string, secret = JWT.secret) => createHmac(alg, secret).update(input).digest('base64url');
/** Builds a token by hand so each test controls exactly one defect. */
const forge = (header: unknown, payload: unknown, sign: (input: string) => string = (i) => hs('sha256', i)) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
};
const claims = (over: Record<string, unknown> = {}) => ({
  ...user,
  iss: JWT.issuer,
  aud: JWT.audience,
  iat: NOW / 1000,
  nbf: NOW / 1000,
  exp: NOW / 1000 + 900,
  ...over,
});

const rejects = (token: string, reason: RegExp, o: TokenOptions = opts) => {
  expect(() => verifyAccessToken(token, o)).toThrow(InvalidTokenError);
  expect(() => verifyAccessToken(token, o)).toThrow(reason);
};

describe('access tokens', () => {
  it('round-trips a valid token', () => {
    const token = signAccessToken(user, opts);
    expect(verifyAccessToken(token, opts)).toMatchObject({ ...user, iss: JWT.issuer, aud: JWT.audience, exp: NOW / 1000 + 900 });
    // The hand-built equivalent verifies too (the forge helper is faithful).
    expect(verifyAccessToken(forge({ alg: 'HS256', typ: 'JWT' }, claims()), opts).sub).toBe('user-1');
  });

  it('rejects expired tokens, tolerating a small clock skew', () => {
    const token = signAccessToken(user, opts);
    expect(verifyAccessToken(token, { ...opts, now: () => NOW + 900_000 + 10_000 }).sub).toBe('user-1'); // 10 s late: skew
    rejects(token, /expired/, { ...opts, now: () => NOW + 900_000 + 31_000 });
  });

  it('rejects tokens from the future (nbf / iat)', () => {
    rejects(forge({ alg: 'HS256' }, claims({ nbf: NOW / 1000 + 120 })), /not yet valid/);
    rejects(forge({ alg: 'HS256' }, claims({ iat: NOW / 1000 + 120 })), /future/);
  });

  it('rejects a wrong issuer or audience', () => {
    rejects(signAccessToken(user, { ...opts, issuer: 'https://evil.example' }), /issuer/);
    rejects(signAccessToken(user, { ...opts, audience: 'other-api' }), /audience/);
    rejects(forge({ alg: 'HS256' }, claims({ exp: undefined })), /exp/);
  });

  it('rejects a tampered payload', () => {
    const [h, , s] = signAccessToken(user, opts).split('.');
    rejects(`${h}.${b64(claims({ sub: 'admin' }))}.${s}`, /signature/);
  });

  it('rejects a tampered signature and a signature made with another key', () => {
    const token = signAccessToken(user, opts);
    const flipped = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    rejects(flipped, /signature|malformed/);
    rejects(signAccessToken(user, { ...opts, secret: 'another-secret-that-is-long-enough-xyz' }), /signature/);
    // Same decoded bytes, different text (spare bits of the last base64url character): still rejected.
    const last = token.at(-1)!;
    const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(last) ^ 1;
    rejects(token.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[sibling], /signature/);
  });

  it('rejects alg none (with or without a signature)', () => {
    const input = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`;
    rejects(`${input}.`, /malformed/);
    rejects(`${input}.${hs('sha256', input)}`, /algorithm none/);
  });

  it('rejects other algorithms: HS512 and RS256 headers', () => {
    rejects(forge({ alg: 'HS512', typ: 'JWT' }, claims(), (i) => hs('sha512', i)), /algorithm HS512/);
    // Classic confusion attack: RS256 header, HMAC'd with a "public key" string.
    rejects(forge({ alg: 'RS256', typ: 'JWT' }, claims()), /algorithm RS256/);
  });

  it('rejects malformed tokens', () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c', '!!.??.**', `${b64('not json')}.${b64(claims())}.x`, 'x'.repeat(5000)]) {
      expect(() => verifyAccessToken(bad, opts)).toThrow(InvalidTokenError);
    }
    rejects(forge({ alg: 'HS256', crit: ['exp'] }, claims()), /crit/);
  });

  it('refuses short secrets', () => {
    expect(() => signAccessToken(user, { ...opts, secret: 'short' })).toThrow(/32 bytes/);
  });
});

describe('createTokenVerifier (the cached verifier requireAuth uses)', () => {
  it('still enforces expiry on a token it verified before', () => {
    let now = NOW;
    const verify = createTokenVerifier({ ...opts, now: () => now });
    const token = signAccessToken(user, opts);
    expect(verify(token).sub).toBe('user-1');
    expect(verify(token).sub).toBe('user-1');
    now = NOW + 3600_000;
    expect(() => verify(token)).toThrow(/expired/);
  });

  it('never treats a tampered variant of a verified token as verified', () => {
    const verify = createTokenVerifier(opts);
    const token = signAccessToken(user, opts);
    verify(token);
    const [h, , sig] = token.split('.');
    expect(() => verify(`${h}.${b64(claims({ sub: 'admin' }))}.${sig}`)).toThrow(/bad signature/);
    expect(() => verify(`${token.slice(0, -2)}AA`)).toThrow(InvalidTokenError);
  });
});

describe('requireAuth', () => {
  const app = createApp({ serviceName: 'kit-test', logger: captureLogger().logger });
  app.get('/me', requireAuth({ ...JWT }), (c) => c.json(c.get('auth')));

  it('sets c.var.auth for a valid bearer token', async () => {
    const token = signAccessToken(user, { ...JWT });
    const res = await app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'user-1', email: 'a@example.com' });
  });

  it.each([
    ['no header', undefined],
    ['basic auth', 'Basic dXNlcjpwYXNz'],
    ['garbage', 'Bearer nope'],
    ['expired', `Bearer ${signAccessToken(user, { ...JWT, now: () => Date.now() - 3_600_000 })}`],
  ])('401 unauthorized with the error body and WWW-Authenticate: %s', async (_name, header) => {
    const res = await app.request('/me', header ? { headers: { authorization: header } } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('unauthorized');
  });
});
