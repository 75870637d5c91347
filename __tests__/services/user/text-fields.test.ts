/**
 * Input that PostgreSQL or a terminal cannot hold is a 400, never a 500 (issue 7, item 1): the
 * user service's text fields follow the kit's rules (services/kit/text.ts) on the real database.
 */
import { client, expectErrorBody, newUserBody, registerAndLogin, type Call } from '../../support/http';
import { startUserService, type UserServiceHandle } from './harness';

let svc: UserServiceHandle;
let call: Call;

beforeAll(async () => {
  svc = await startUserService();
  call = client(svc.url);
}, 60_000);
afterAll(() => svc?.stop());

const BAD_NAMES: [string, string][] = [
  ['a NUL character', 'a\u0000b'],
  ['an ANSI escape sequence', '\u001b[2J\u001b[31mAda'],
  ['a C1 control character', 'Ada\u0085'],
  ['a lone surrogate', 'Ada\ud83d'],
  ['a right-to-left override', '\u202eecalevol adA'],
  ['only invisible characters', '\u200b\u3164\u200b'],
];

describe.each(BAD_NAMES)('a name with %s', (_label, name) => {
  it('POST /users → 400 validation_failed naming the field', async () => {
    const res = await call('POST', '/users', { body: newUserBody({ name }) });
    expectErrorBody(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'name' })]);
  });

  it('PATCH /users/:id → 400 validation_failed, and the stored name is unchanged', async () => {
    const { user, token } = await registerAndLogin(call);
    const res = await call('PATCH', `/users/${user.id}`, { token, body: { name } });
    expectErrorBody(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'name' })]);
    const { rows } = await svc.sql('SELECT name FROM users WHERE id = $1', [user.id]);
    expect(rows[0].name).toBe(user.name);
  });
});

it('rejects control characters in the email and the password as well (register and login)', async () => {
  expectErrorBody(await call('POST', '/users', { body: newUserBody({ email: 'ada\u0000@example.com' }) }), 400, 'validation_failed');
  expectErrorBody(await call('POST', '/users', { body: newUserBody({ password: 'correct\u0000horse' }) }), 400, 'validation_failed');
  const { user } = await registerAndLogin(call);
  expectErrorBody(await call('POST', '/auth/login', { body: { email: user.email, password: 'x\u0000' } }), 400, 'validation_failed');
});

it('stores names in NFC, so the same name typed two ways is one name', async () => {
  const res = await call('POST', '/users', { body: newUserBody({ name: 'Zoe\u0308 Rene\u0301' }) });
  expect(res.status).toBe(201);
  expect(res.body.name).toBe('Zo\u00eb Ren\u00e9');
  const { rows } = await svc.sql('SELECT name FROM users WHERE id = $1', [res.body.id]);
  expect(rows[0].name).toBe('Zo\u00eb Ren\u00e9');
});

it('accepts any printing characters and spaces in a password, compared normalised', async () => {
  const password = ' pa\u0308ss wörd 🔑 ';
  const body = newUserBody({ password });
  expect((await call('POST', '/users', { body })).status).toBe(201);
  // The same password typed with a precomposed ä logs in.
  const login = await call('POST', '/auth/login', { body: { email: body.email, password: ' p\u00e4ss wörd 🔑 ' } });
  expect(login.status).toBe(200);
  expect((await call('POST', '/auth/login', { body: { email: body.email, password: password.trim() } })).status).toBe(401);
});
