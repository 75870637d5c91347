/**
 * Service tokens (docs/decisions/0014) without engines: what a callee accepts, what it refuses,
 * the caller's cache, the /internal middleware's answers, and the configuration rules.
 */
import { createApp } from '../../../services/kit/app';
import { baseShape, ConfigError, loadConfig, serviceCalleeShape, serviceCallerShape, shapeForService } from '../../../services/kit/config';
import { findService } from '../../../services/catalog';
import { requireServiceCaller } from '../../../services/kit/service-auth';
import { issueAccessToken } from '../../../services/kit/tokens/access-token';
import { generateLocalTokenKeys, parseJwks, parsePrivateJwk } from '../../../services/kit/tokens/keys';
import {
  createServiceTokens,
  createServiceTokenVerifier,
  issueServiceToken,
  parseCallerJwks,
  SERVICE_TOKEN_MAX_LIFETIME_SECONDS,
} from '../../../services/kit/tokens/service-token';
import { createLocalSigner, type TokenSigner } from '../../../services/kit/tokens/signer';
import { es256, forge } from '../../support/tokens';
import { baseEnv, captureLogger, JWT } from './helpers';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const keysOf = () => {
  const generated = generateLocalTokenKeys();
  const key = parsePrivateJwk(generated.privateJwk);
  return { generated, key, signer: createLocalSigner(key), public: parseJwks(generated.publicJwks) };
};
const payment = keysOf();
const notification = keysOf();
const stranger = keysOf();
const accessTokens = keysOf();

/** The user service's verifier: its two declared callers, by name. */
const verify = createServiceTokenVerifier({
  audience: 'user',
  callers: new Map([
    ['payment', payment.public],
    ['notification', notification.public],
  ]),
  now: () => NOW,
});
const issue = (audience: string, caller: string, signer: TokenSigner, lifetimeSeconds?: number) =>
  issueServiceToken(audience, { caller, signer, lifetimeSeconds, now: () => NOW });

describe('service tokens', () => {
  it('the callee accepts a declared caller signing with its own key, for this audience', async () => {
    expect(verify(await issue('user', 'payment', payment.signer))).toMatchObject({ iss: 'payment', sub: 'payment', aud: 'user' });
    expect(verify(await issue('user', 'notification', notification.signer)).iss).toBe('notification');
  });

  it('never issues a token living longer than five minutes', async () => {
    const token = await issue('user', 'payment', payment.signer, 3600);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(SERVICE_TOKEN_MAX_LIFETIME_SECONDS);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'JWT', kid: payment.key.kid });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['a user access token', () => issueAccessToken({ sub: 'u1', email: 'u1@example.com' }, { ...JWT, signer: accessTokens.signer, now: () => NOW }), /unknown kid/],
    ['a token for another callee', () => issue('payment', 'payment', payment.signer), /wrong audience/],
    ['an undeclared caller (a key the callee does not know)', () => issue('user', 'reporting', stranger.signer), /unknown kid/],
    ['a caller claiming to be another (payment key, notification name)', () => issue('user', 'notification', payment.signer), /does not own the key/],
    ['an expired token', () => issueServiceToken('user', { caller: 'payment', signer: payment.signer, now: () => NOW - 10 * 60_000 }), /expired/],
    [
      'a forged lifetime above five minutes',
      async () => forge({ alg: 'ES256', typ: 'JWT', kid: payment.key.kid }, { iss: 'payment', sub: 'payment', aud: 'user', iat: NOW / 1000, exp: NOW / 1000 + 3600 }, es256(payment.key.key)),
      /lifetime/,
    ],
    ['an HS256 token', async () => forge({ alg: 'HS256', typ: 'JWT', kid: payment.key.kid }, { iss: 'payment', aud: 'user' }, () => Buffer.alloc(32)), /algorithm/],
  ])('the callee refuses %s', async (_label, make, reason) => {
    const token = await make();
    expect(() => verify(token)).toThrow(reason);
  });

  it('a token verified once is refused once it expires, and a tampered copy is never taken for it', async () => {
    let now = NOW;
    const verifyAt = createServiceTokenVerifier({ audience: 'user', callers: new Map([['payment', payment.public]]), now: () => now });
    const token = await issue('user', 'payment', payment.signer);
    expect(verifyAt(token).iss).toBe('payment');
    expect(verifyAt(token).iss).toBe('payment'); // remembered: no second signature check
    const [header, , signature] = token.split('.');
    const claims = { iss: 'payment', sub: 'payment', aud: 'user', iat: NOW / 1000, exp: NOW / 1000 + 300, extra: 1 };
    expect(() => verifyAt(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`)).toThrow(/signature/);
    now += 301_000 + 60_000; // past exp and the clock skew
    expect(() => verifyAt(token)).toThrow(/expired/);
  });

  it('the caller signs once per audience and re-signs before expiry', async () => {
    let now = NOW;
    const signed: string[] = [];
    const counting: TokenSigner = { kid: payment.signer.kid, sign: async (input) => (signed.push(input.toString()), payment.signer.sign(input)) };
    const tokens = createServiceTokens({ caller: 'payment', signer: counting, now: () => now });
    const burst = await Promise.all(Array.from({ length: 20 }, () => tokens.tokenFor('user')));
    expect(new Set(burst).size).toBe(1);
    expect(signed).toHaveLength(1);
    now += 200_000; // 200 s of a 300 s lifetime: still the same token
    expect(await tokens.tokenFor('user')).toBe(burst[0]);
    now += 50_000; // 250 s: inside the last minute, re-signed
    const renewed = await tokens.tokenFor('user');
    expect(renewed).not.toBe(burst[0]);
    expect(signed).toHaveLength(2);
    await tokens.tokenFor('other');
    expect(signed).toHaveLength(3);
  });
});

describe('requireServiceCaller', () => {
  const { logger, lines } = captureLogger();
  const app = createApp({ serviceName: 'kit-test', logger });
  const live = createServiceTokenVerifier({ audience: 'user', callers: new Map([['payment', payment.public]]) });
  app.get('/internal/who', requireServiceCaller(live), (c) => c.json({ caller: c.get('caller') }));

  it('sets c.var.caller for a declared caller', async () => {
    const token = await issueServiceToken('user', { caller: 'payment', signer: payment.signer });
    const res = await app.request('/internal/who', { headers: { authorization: `Bearer ${token}` } });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { caller: 'payment' } });
  });

  it.each([
    ['no token', undefined, 'Missing service token'],
    ['a user access token', () => issueAccessToken({ sub: 'u1', email: 'u1@example.com' }, { ...JWT, signer: accessTokens.signer }), 'Invalid service token'],
    ['an undeclared caller', () => issueServiceToken('user', { caller: 'notification', signer: notification.signer }), 'Invalid service token'],
  ])('answers 401 JSON for %s', async (_label, make, message) => {
    const token = make ? await make() : undefined;
    const res = await app.request('/internal/who', { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message }, requestId: expect.any(String) });
  });

  it('logs why a token was refused, never the token', async () => {
    const token = await issueServiceToken('user', { caller: 'notification', signer: notification.signer });
    await app.request('/internal/who', { headers: { authorization: `Bearer ${token}` } });
    const rejected = lines().filter((l) => l.msg === 'service token rejected');
    expect(rejected.at(-1)).toMatchObject({ reason: 'unknown kid' });
    expect(JSON.stringify(lines())).not.toContain(token);
  });
});

describe('configuration', () => {
  const callerEnv = (over: NodeJS.ProcessEnv = {}) =>
    baseEnv({ SERVICE_TOKEN_JWK: payment.generated.privateJwk, SERVICE_USER_URL: 'http://user:3001', ...over });
  const issues = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => `${i.variable}: ${i.message}`);
      throw err;
    }
    return [];
  };

  it('a caller needs its signing key (one source) and the URL of each callee', () => {
    expect(issues(() => loadConfig(serviceCallerShape(['user']), baseEnv()))).toEqual([
      'SERVICE_USER_URL: required',
      'SERVICE_TOKEN_KMS_KEY: required (or SERVICE_TOKEN_JWK locally)',
    ]);
    expect(
      issues(() => loadConfig(serviceCallerShape(['user']), callerEnv({ SERVICE_TOKEN_KMS_KEY: 'arn:aws:kms:eu-west-1:111111111111:key/0b9f6f1e-4c1a-4b8e-9a57-2b3c1d0e5f6a' }))),
    ).toEqual(['SERVICE_TOKEN_JWK: set either SERVICE_TOKEN_KMS_KEY (AWS) or SERVICE_TOKEN_JWK (local), not both']);
    expect(Object.keys(shapeForService(findService('notification')))).toEqual(expect.arrayContaining(['SERVICE_USER_URL', 'SERVICE_TOKEN_KMS_KEY']));
  });

  it('local addresses are parsed, and refused in production (Service Connect resolves names there)', () => {
    const shape = { ...baseShape, ...serviceCallerShape(['user']) };
    const cfg = loadConfig(shape, callerEnv({ SERVICE_ADDRESSES_LOCAL: 'user=127.0.0.1:3001' }));
    expect(cfg.SERVICE_ADDRESSES_LOCAL).toEqual(new Map([['user', '127.0.0.1:3001']]));
    expect(issues(() => loadConfig(shape, callerEnv({ SERVICE_ADDRESSES_LOCAL: 'user=127.0.0.1:3001', NODE_ENV: 'production' })))).toEqual([
      'SERVICE_ADDRESSES_LOCAL: local runs only: in AWS, Service Connect resolves service names',
    ]);
    expect(issues(() => loadConfig(serviceCallerShape(['user']), callerEnv({ SERVICE_ADDRESSES_LOCAL: 'user' })))).toEqual([
      'SERVICE_ADDRESSES_LOCAL: "user" is not <name>=<host>:<port>',
    ]);
  });

  it('a callee takes its callers by name: KMS key ARNs in AWS, public JWKS locally (never a private key)', () => {
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/0b9f6f1e-4c1a-4b8e-9a57-2b3c1d0e5f6a';
    const aws = loadConfig(serviceCalleeShape, baseEnv({ SERVICE_CALLER_KMS_KEYS: `payment=${arn},notification=${arn.replace('0b9f', '1c0a')}` }));
    expect([...aws.SERVICE_CALLER_KMS_KEYS!.keys()]).toEqual(['payment', 'notification']);
    expect(issues(() => loadConfig(serviceCalleeShape, baseEnv({ SERVICE_CALLER_KMS_KEYS: 'payment=not-an-arn' })))).toEqual([
      'SERVICE_CALLER_KMS_KEYS: every key must be a KMS key ARN (<caller>=arn:aws:kms:...)',
    ]);
    const jwks = JSON.stringify({ payment: JSON.parse(payment.generated.publicJwks) });
    expect([...parseCallerJwks(jwks).keys()]).toEqual(['payment']);
    const leaked = JSON.stringify({ payment: { keys: [JSON.parse(payment.generated.privateJwk)] } });
    const refused = issues(() => loadConfig(serviceCalleeShape, baseEnv({ SERVICE_CALLER_JWKS: leaked })));
    expect(refused).toEqual(['SERVICE_CALLER_JWKS: keys[0] is a private key: a verifier only gets public keys']);
    expect(refused.join()).not.toContain(JSON.parse(payment.generated.privateJwk).d);
  });
});
