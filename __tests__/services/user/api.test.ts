import { badBodies } from '../../support/bad-bodies';
import { client, expectErrorBody, newUserBody, registerAndLogin, type Call } from '../../support/http';
import { b64url, claimsFor, es256, forge, hs256, keyOf, kidOf, strangerKey } from '../../support/tokens';
import { Redis } from 'ioredis';
import { USER_CACHE_KEY_PREFIX } from '../../../services/user/cache';
import { startUserService, type UserServiceHandle } from './harness';

// Each registration and login costs one scrypt (tens of ms alone, far more on a busy machine).
jest.setTimeout(30_000);

let svc: UserServiceHandle;
let call: Call;

beforeAll(async () => {
  svc = await startUserService();
  call = client(svc.url);
}, 60_000);
afterAll(() => svc?.stop());

describe('registration', () => {
  it('creates a user: 201, public fields only, Location header', async () => {
    const body = newUserBody({ name: '  Ada Lovelace  ' });
    const res = await call('POST', '/users', { body });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'updatedAt']);
    expect(res.body).toMatchObject({ email: body.email, name: 'Ada Lovelace' });
    expect(res.headers.get('location')).toBe(`/users/${res.body.id}`);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash|scrypt/i);
  });

  it('normalises the email (trim) but keeps its case, and stores only a scrypt hash', async () => {
    const body = newUserBody();
    const given = `  Mixed.${body.email.replace('@example.com', '@Example.COM')}  `;
    const res = await call('POST', '/users', { body: { ...body, email: given } });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe(given.trim());
    const { rows } = await svc.sql('SELECT email, password_hash FROM users WHERE id = $1', [res.body.id]);
    expect(rows[0].email).toBe(given.trim());
    expect(rows[0].password_hash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain(body.password);
  });

  it('answers 409 email_taken for a taken email, whatever its case', async () => {
    const body = newUserBody();
    expect((await call('POST', '/users', { body })).status).toBe(201);
    const again = await call('POST', '/users', { body: { ...body, email: body.email.toUpperCase(), name: 'Other' } });
    expectErrorBody(again, 409, 'email_taken');
  });

  it('keeps exactly one user when the same email registers concurrently', async () => {
    const body = newUserBody();
    const results = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/users', { body })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const { rows } = await svc.sql('SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [body.email]);
    expect(rows[0].n).toBe(1);
  });

  it.each([
    ['too short', 'seven77'],
    ['too long', 'x'.repeat(129)],
  ])('enforces the password policy (%s) → 400 validation_failed naming the field', async (_label, password) => {
    const res = await call('POST', '/users', { body: newUserBody({ password }) });
    expectErrorBody(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'password' })]));
  });

  it('accepts passwords at the policy bounds (8 and 128)', async () => {
    expect((await call('POST', '/users', { body: newUserBody({ password: '12345678' }) })).status).toBe(201);
    expect((await call('POST', '/users', { body: newUserBody({ password: 'p'.repeat(128) }) })).status).toBe(201);
  });

  it('writes the user.registered event to the outbox in the same transaction', async () => {
    const res = await call('POST', '/users', { body: newUserBody() });
    const { rows } = await svc.sql(`SELECT id, type, payload FROM outbox WHERE payload->'data'->>'userId' = $1`, [res.body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].type).toBe('user.registered');
    expect(rows[0].payload).toMatchObject({
      id: rows[0].id,
      type: 'user.registered',
      version: 1,
      source: 'user',
      data: { userId: res.body.id, email: res.body.email, name: res.body.name },
    });
  });
});

describe('login', () => {
  it('issues a bearer token that authenticates GET /users/me', async () => {
    const body = newUserBody();
    const created = await call('POST', '/users', { body });
    const login = await call('POST', '/auth/login', { body: { email: `  ${body.email.toUpperCase()} `, password: body.password } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const me = await call('GET', '/users/me', { token: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(created.body);
  });

  it('gives the same 401 for an unknown email and a wrong password, in similar time', async () => {
    const { user } = await registerAndLogin(call);
    const time = async (email: string, password: string) => {
      const res = await call('POST', '/auth/login', { body: { email, password } });
      return { res, ms: res.ms };
    };
    const wrong = await time(user.email, 'wrong password!');
    const unknown = await time(`nobody-${Date.now()}@example.com`, 'wrong password!');
    expectErrorBody(wrong.res, 401, 'invalid_credentials');
    expect(unknown.res.body.error).toEqual(wrong.res.body.error);
    // Both paths run one scrypt (tens of ms): an unknown email must not answer in ~1 ms.
    const samples = await Promise.all([0, 1, 2].map(() => time(`nobody-${Math.random()}@example.com`, 'x'.repeat(10))));
    const fastest = Math.min(...samples.map((s) => s.ms), unknown.ms);
    expect(fastest).toBeGreaterThan(Math.min(wrong.ms, 20) * 0.5);
  });
});

describe('profile routes and authorization', () => {
  it('GET /users/:id returns self; another user → 403; unknown format id → 400', async () => {
    const a = await registerAndLogin(call);
    const b = await registerAndLogin(call);
    expect((await call('GET', `/users/${a.user.id}`, { token: a.token })).body).toMatchObject({ id: a.user.id });
    expectErrorBody(await call('GET', `/users/${b.user.id}`, { token: a.token }), 403, 'forbidden');
    expectErrorBody(await call('PATCH', `/users/${b.user.id}`, { token: a.token, body: { name: 'x' } }), 403, 'forbidden');
    expectErrorBody(await call('DELETE', `/users/${b.user.id}`, { token: a.token, body: { currentPassword: a.password } }), 403, 'forbidden');
    for (const bad of ['not-a-uuid', '1', "1'%20OR%201=1", '%00', 'x'.repeat(300)]) {
      const res = await call('GET', `/users/${bad}`, { token: a.token });
      expect([400, 404]).toContain(res.status);
      expectErrorBody(res, res.status);
    }
  });

  describe('rejects bad tokens with 401', () => {
    let user: { id: string; email: string };
    beforeAll(async () => {
      ({ user } = await registerAndLogin(call));
    });
    const header = (over: Record<string, unknown> = {}) => ({ alg: 'ES256', typ: 'JWT', kid: kidOf(svc.env), ...over });
    const claims = (over: Record<string, unknown> = {}) => claimsFor(svc.env, user.id, { email: user.email, ...over });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Record<string, string>][] = [
      ['missing', () => ({})],
      ['not bearer', () => ({ authorization: `Basic ${b64url('a:b')}` })],
      ['garbage', () => bearer('abc.def.ghi')],
      ['expired', () => bearer(forge(header(), claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }), es256(keyOf(svc.env))))],
      ['tampered', () => {
        const [h, , s] = forge(header(), claims(), es256(keyOf(svc.env))).split('.');
        return bearer(`${h}.${b64url(claims({ sub: '00000000-0000-4000-8000-000000000000' }))}.${s}`);
      }],
      ['signed by an unknown key under the real kid', () => bearer(forge(header(), claims(), es256(strangerKey())))],
      ['signed by an unknown key and kid', () => bearer(forge(header({ kid: 'stranger' }), claims(), es256(strangerKey())))],
      ['HS256 (the old scheme)', () => bearer(forge(header({ alg: 'HS256' }), claims(), hs256('another-secret-that-is-long-enough-000')))],
      ['alg none', () => bearer(`${b64url(header({ alg: 'none' }))}.${b64url(claims())}.`)],
      ['wrong audience', () => bearer(forge(header(), claims({ aud: 'elsewhere' }), es256(keyOf(svc.env))))],
    ];
    it.each(cases)('%s', async (_label, headers) => {
      for (const path of ['/users/me', `/users/${user.id}`]) {
        expectErrorBody(await call('GET', path, { headers: headers() }), 401, 'unauthorized');
      }
    });
    it('(a forged token with the real key is accepted: the cases above differ from it in one respect only)', async () => {
      expect((await call('GET', '/users/me', { headers: bearer(forge(header(), claims(), es256(keyOf(svc.env)))) })).status).toBe(200);
    });
  });

  it('PATCH updates name/email/password (with the current password), 409 on a taken email, 400 on an empty patch', async () => {
    const a = await registerAndLogin(call);
    const b = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    const currentPassword = a.password;
    expectErrorBody(await call('PATCH', url, { token: a.token, body: {} }), 400, 'validation_failed');
    expectErrorBody(await call('PATCH', url, { token: a.token, body: { email: b.user.email.toUpperCase(), currentPassword } }), 409, 'email_taken');

    const newEmail = newUserBody().email;
    const renamed = await call('PATCH', url, { token: a.token, body: { name: 'Renamed', email: newEmail, currentPassword } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: a.user.id, name: 'Renamed', email: newEmail });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(renamed.body.createdAt));
    // Changing only the case of one's own email is not a conflict.
    expect((await call('PATCH', url, { token: a.token, body: { email: newEmail.toUpperCase(), currentPassword } })).status).toBe(200);

    expect((await call('PATCH', url, { token: a.token, body: { password: 'a new password', currentPassword } })).status).toBe(200);
    expect((await call('POST', '/auth/login', { body: { email: newEmail, password: a.password } })).status).toBe(401);
    expect((await call('POST', '/auth/login', { body: { email: newEmail, password: 'a new password' } })).status).toBe(200);
  });

  it('PATCH of email or password without the current password → 400 naming currentPassword; with a wrong one → 403 invalid_current_password', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    for (const change of [{ email: newUserBody().email }, { password: 'stolen-token-pw' }, { name: 'x', password: 'stolen-token-pw' }]) {
      const missing = await call('PATCH', url, { token: a.token, body: change });
      expectErrorBody(missing, 400, 'validation_failed');
      expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'currentPassword' })]);
      expectErrorBody(await call('PATCH', url, { token: a.token, body: { ...change, currentPassword: 'not the password' } }), 403, 'invalid_current_password');
    }
    // Nothing changed: the old credentials still work, the token too.
    expect((await call('POST', '/auth/login', { body: { email: a.user.email, password: a.password } })).status).toBe(200);
    expect((await call('GET', url, { token: a.token })).body).toMatchObject({ email: a.user.email, name: a.user.name });
    // A name alone needs no proof; a wrong proof offered anyway is still refused.
    expect((await call('PATCH', url, { token: a.token, body: { name: 'Just a name' } })).status).toBe(200);
    expectErrorBody(await call('PATCH', url, { token: a.token, body: { name: 'x', currentPassword: 'wrong' } }), 403, 'invalid_current_password');
  });

  it('DELETE needs the current password in the body: 400 without, 403 when wrong, 204, then the user is gone and its token dead', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expect((await call('GET', url, { token: a.token })).status).toBe(200); // warm the cache
    expectErrorBody(await call('DELETE', url, { token: a.token }), 400); // no body at all
    expectErrorBody(await call('DELETE', url, { token: a.token, body: {} }), 400, 'validation_failed');
    expectErrorBody(await call('DELETE', url, { token: a.token, body: { currentPassword: 'not the password' } }), 403, 'invalid_current_password');
    expect((await call('GET', url, { token: a.token })).status).toBe(200);

    const del = await call('DELETE', url, { token: a.token, body: { currentPassword: a.password } });
    expect(del.status).toBe(204);
    // The token of a deleted account is revoked: 401, not 404.
    expectErrorBody(await call('GET', url, { token: a.token }), 401, 'unauthorized');
    expectErrorBody(await call('GET', '/users/me', { token: a.token }), 401, 'unauthorized');
    expectErrorBody(await call('DELETE', url, { token: a.token, body: { currentPassword: a.password } }), 401, 'unauthorized');
    expect((await call('POST', '/auth/login', { body: { email: a.user.email, password: a.password } })).status).toBe(401);
  });
});

describe('revocation', () => {
  it('a stolen token stops working after a password change; tokens issued after it work, in the same second too', async () => {
    const a = await registerAndLogin(call);
    const stolen = (await call('POST', '/auth/login', { body: { email: a.user.email, password: a.password } })).body.accessToken as string;
    expect((await call('GET', '/users/me', { token: stolen })).status).toBe(200); // cached with the old cut-off

    const changed = await call('PATCH', `/users/${a.user.id}`, { token: a.token, body: { password: 'the owner reset it', currentPassword: a.password } });
    expect(changed.status).toBe(200);
    const fresh = await call('POST', '/auth/login', { body: { email: a.user.email, password: 'the owner reset it' } });
    expect(fresh.status).toBe(200);

    for (const token of [stolen, a.token]) {
      expectErrorBody(await call('GET', '/users/me', { token }), 401, 'unauthorized');
      expectErrorBody(await call('PATCH', `/users/${a.user.id}`, { token, body: { name: 'attacker' } }), 401, 'unauthorized');
    }
    expect((await call('GET', '/users/me', { token: fresh.body.accessToken })).status).toBe(200);
    expect((await call('GET', `/users/${a.user.id}`, { token: fresh.body.accessToken })).body.name).toBe(a.user.name);
    const { rows } = await svc.sql('SELECT tokens_valid_after FROM users WHERE id = $1', [a.user.id]);
    expect(rows[0].tokens_valid_after.getMilliseconds()).toBe(0); // a whole second: the cut-off rule
  });

  it('the stolen token cannot change the e-mail or password, or delete the account, without the password', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expectErrorBody(await call('PATCH', url, { token: a.token, body: { email: 'attacker@example.com' } }), 400, 'validation_failed');
    expectErrorBody(await call('PATCH', url, { token: a.token, body: { password: 'attacker password', currentPassword: 'guess' } }), 403, 'invalid_current_password');
    expectErrorBody(await call('DELETE', url, { token: a.token, body: { currentPassword: 'guess' } }), 403, 'invalid_current_password');
    expect((await call('POST', '/auth/login', { body: { email: a.user.email, password: a.password } })).status).toBe(200);
  });
});

describe('cache-aside', () => {
  it('serves the second GET from Redis (a change made behind the cache is not seen until a write invalidates)', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expect((await call('GET', url, { token: a.token })).body.name).toBe('Test User'); // miss → cached
    await svc.sql(`UPDATE users SET name = 'changed behind the cache' WHERE id = $1`, [a.user.id]);
    expect((await call('GET', url, { token: a.token })).body.name).toBe('Test User'); // hit
    expect((await call('GET', '/users/me', { token: a.token })).body.name).toBe('Test User'); // same entry

    // A write (here: the same e-mail again) invalidates.
    expect((await call('PATCH', url, { token: a.token, body: { email: a.user.email, currentPassword: a.password } })).status).toBe(200);
    expect((await call('GET', url, { token: a.token })).body.name).toBe('changed behind the cache');
  });

  // The hit path checks field types only (docs/decisions/0019): a foreign layout is still a miss,
  // and nothing beyond the public view is ever served from an entry.
  it('treats an entry of another layout as a miss and serves only the public fields of an entry', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    const key = USER_CACHE_KEY_PREFIX + a.user.id;
    const redis = new Redis(svc.env.REDIS_URL!);
    try {
      await redis.set(key, JSON.stringify({ user: { id: a.user.id, name: 'foreign layout' }, tokensValidAfter: null }));
      expect((await call('GET', url, { token: a.token })).body.name).toBe('Test User'); // miss → PostgreSQL
      // The miss rewrites the entry in the background; wait for it before replacing it.
      for (let i = 0; i < 100 && !(await redis.get(key))?.includes('Test User'); i++) await new Promise((r) => setTimeout(r, 20));
      const entry = JSON.parse((await redis.get(key))!) as { user: Record<string, unknown> };
      await redis.set(key, JSON.stringify({ ...entry, user: { ...entry.user, name: 'from the cache', passwordHash: 'scrypt$leak' } }));
      const hit = await call('GET', url, { token: a.token });
      expect(hit.body.name).toBe('from the cache');
      expect(Object.keys(hit.body).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'updatedAt']);
    } finally {
      redis.disconnect();
    }
  });
});

describe('validation never answers 5xx', () => {
  let token: string;
  let id: string;
  beforeAll(async () => {
    const a = await registerAndLogin(call);
    token = a.token;
    id = a.user.id;
  });

  it('malformed JSON → 400 malformed_json; wrong types, missing and unknown fields → 400 validation_failed', async () => {
    expectErrorBody(await call('POST', '/users', { raw: '{"email": ' }), 400, 'malformed_json');
    const cases = [
      { email: 42, name: 'x', password: 'password1' },
      { name: 'x', password: 'password1' },
      { ...newUserBody(), admin: true },
      { ...newUserBody(), name: '   ' },
      { ...newUserBody(), email: 'not-an-email' },
    ];
    for (const body of cases) expectErrorBody(await call('POST', '/users', { body }), 400, 'validation_failed');
    expectErrorBody(await call('POST', '/auth/login', { body: { email: 'a@example.com', password: 'x', extra: 1 } }), 400, 'validation_failed');
    expectErrorBody(await call('PATCH', `/users/${id}`, { token, body: { name: 'ok', role: 'admin' } }), 400, 'validation_failed');
  });

  it('oversized body → 413 payload_too_large', async () => {
    const res = await call('POST', '/users', { body: { ...newUserBody(), name: 'x'.repeat(64 * 1024) } });
    expectErrorBody(res, 413, 'payload_too_large');
  });

  it('a non-JSON content type → 4xx with the error body', async () => {
    const res = await call('POST', '/users', { raw: 'email=a@example.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectErrorBody(res, res.status);
  });

  it('≥ 200 generated hostile bodies across the write routes → zero 5xx, always the error body', async () => {
    const targets: [string, string, string | undefined][] = [
      ['POST', '/users', undefined],
      ['POST', '/auth/login', undefined],
      ['PATCH', `/users/${id}`, token],
    ];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let n = 0;
    for (const { label, raw } of badBodies(240)) {
      const [method, path, tok] = targets[n++ % targets.length];
      const res = await call(method, path, { raw, token: tok });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const wellFormedError = res.status < 400 || (typeof res.body?.error?.code === 'string' && typeof res.body?.requestId === 'string');
      if (res.status >= 500 || !wellFormedError) failures.push(`${label} ${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(200);
    // The generator reaches both the validator (400) and the body limit (413).
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect(statuses.get(413)).toBeGreaterThan(0);
    // The user the PATCHes targeted still exists and was not polluted.
    const me = await call('GET', '/users/me', { token });
    expect(me.status).toBe(200);
    expect(Object.keys(me.body).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'updatedAt']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('operational endpoints', () => {
  it('/health/live, /health/ready (postgres only) and /openapi.json', async () => {
    expect((await call('GET', '/health/live')).status).toBe(200);
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.map((c: { name: string }) => c.name)).toEqual(['postgres']);
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).sort()).toEqual(['/auth/login', '/internal/users/{id}', '/users', '/users/me', '/users/{id}']);
    expect(doc.body.components.schemas.RegisterUser.additionalProperties).toBe(false);
  });

  it('never leaks a stack trace for an unknown route', async () => {
    const res = await call('GET', '/users/me/extra');
    expectErrorBody(res, 404, 'not_found');
  });
});
