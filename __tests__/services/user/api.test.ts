import { createHmac } from 'node:crypto';
import { badBodies } from '../../support/bad-bodies';
import { client, expectErrorBody, newUserBody, registerAndLogin, type Call } from '../../support/http';
import { startUserService, type UserServiceHandle } from './harness';

let svc: UserServiceHandle;
let call: Call;

beforeAll(async () => {
  svc = await startUserService();
  call = client(svc.url);
}, 60_000);
afterAll(() => svc?.stop());

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const forge = (header: object, claims: object, secret: string) => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

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
    expectErrorBody(await call('DELETE', `/users/${b.user.id}`, { token: a.token }), 403, 'forbidden');
    for (const bad of ['not-a-uuid', '1', "1'%20OR%201=1", '%00', 'x'.repeat(300)]) {
      const res = await call('GET', `/users/${bad}`, { token: a.token });
      expect([400, 404]).toContain(res.status);
      expectErrorBody(res, res.status);
    }
  });

  describe('rejects bad tokens with 401', () => {
    let user: { id: string; email: string };
    let now: number;
    beforeAll(async () => {
      ({ user } = await registerAndLogin(call));
      now = Math.floor(Date.now() / 1000);
    });
    const claims = () => ({ sub: user.id, email: user.email, iss: svc.env.JWT_ISSUER, aud: svc.env.JWT_AUDIENCE, iat: now, nbf: now, exp: now + 600 });
    const cases: [string, () => Record<string, string>][] = [
      ['missing', () => ({})],
      ['not bearer', () => ({ authorization: `Basic ${b64url('a:b')}` })],
      ['garbage', () => ({ authorization: 'Bearer abc.def.ghi' })],
      ['expired', () => ({ authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, { ...claims(), iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, svc.env.JWT_SECRET!)}` })],
      ['tampered', () => {
        const good = forge({ alg: 'HS256', typ: 'JWT' }, claims(), svc.env.JWT_SECRET!);
        const [h, , s] = good.split('.');
        return { authorization: `Bearer ${h}.${b64url({ ...claims(), sub: '00000000-0000-4000-8000-000000000000' })}.${s}` };
      }],
      ['wrong key', () => ({ authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims(), 'another-secret-that-is-long-enough-000')}` })],
      ['alg none', () => ({ authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.` })],
      ['wrong audience', () => ({ authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, { ...claims(), aud: 'elsewhere' }, svc.env.JWT_SECRET!)}` })],
    ];
    it.each(cases)('%s', async (_label, headers) => {
      for (const path of ['/users/me', `/users/${user.id}`]) {
        expectErrorBody(await call('GET', path, { headers: headers() }), 401, 'unauthorized');
      }
    });
  });

  it('PATCH updates name/email/password, 409 on a taken email, 400 on an empty patch', async () => {
    const a = await registerAndLogin(call);
    const b = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expectErrorBody(await call('PATCH', url, { token: a.token, body: {} }), 400, 'validation_failed');
    expectErrorBody(await call('PATCH', url, { token: a.token, body: { email: b.user.email.toUpperCase() } }), 409, 'email_taken');

    const newEmail = newUserBody().email;
    const patched = await call('PATCH', url, { token: a.token, body: { name: 'Renamed', email: newEmail, password: 'a new password' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: a.user.id, name: 'Renamed', email: newEmail });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(patched.body.createdAt));
    expect((await call('POST', '/auth/login', { body: { email: newEmail, password: a.password } })).status).toBe(401);
    expect((await call('POST', '/auth/login', { body: { email: newEmail, password: 'a new password' } })).status).toBe(200);
    // Changing only the case of one's own email is not a conflict.
    expect((await call('PATCH', url, { token: a.token, body: { email: newEmail.toUpperCase() } })).status).toBe(200);
  });

  it('DELETE → 204, then the user is gone (404) and cannot log in', async () => {
    const a = await registerAndLogin(call);
    const url = `/users/${a.user.id}`;
    expect((await call('GET', url, { token: a.token })).status).toBe(200); // warm the cache
    const del = await call('DELETE', url, { token: a.token });
    expect(del.status).toBe(204);
    expectErrorBody(await call('GET', url, { token: a.token }), 404, 'not_found');
    expectErrorBody(await call('GET', '/users/me', { token: a.token }), 404, 'not_found');
    expectErrorBody(await call('DELETE', url, { token: a.token }), 404, 'not_found');
    expect((await call('POST', '/auth/login', { body: { email: a.user.email, password: a.password } })).status).toBe(401);
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

    expect((await call('PATCH', url, { token: a.token, body: { email: a.user.email } })).status).toBe(200); // a write invalidates
    expect((await call('GET', url, { token: a.token })).body.name).toBe('changed behind the cache');
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
    expect(Object.keys(doc.body.paths).sort()).toEqual(['/auth/login', '/users', '/users/me', '/users/{id}']);
    expect(doc.body.components.schemas.RegisterUser.additionalProperties).toBe(false);
  });

  it('never leaks a stack trace for an unknown route', async () => {
    const res = await call('GET', '/users/me/extra');
    expectErrorBody(res, 404, 'not_found');
  });
});
