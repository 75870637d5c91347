import { hashPassword, verifyPassword } from '../../../services/user/password';

// Low cost keeps the unit tests fast; the format carries the parameters, so verify follows them.
const cheap = { logN: 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('produces a self-describing, salted hash that verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery', cheap);
    const b = await hashPassword('correct horse battery', cheap);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b); // random salt
    await expect(verifyPassword('correct horse battery', a)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', a)).resolves.toBe(false);
  });

  it('uses N=2^15, r=8, p=1 by default', async () => {
    const hash = await hashPassword('pässwörd-ünïcode');
    expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', '15', '8', '1']);
    await expect(verifyPassword('pässwörd-ünïcode', hash)).resolves.toBe(true);
  });

  it('treats malformed or out-of-bounds stored hashes as a mismatch, never a crash', async () => {
    const good = await hashPassword('secret-password', cheap);
    const [, , r, p, salt, key] = good.split('$');
    for (const stored of ['', 'plain', `bcrypt$10$8$1$${salt}$${key}`, `scrypt$30$${r}$${p}$${salt}$${key}`, `scrypt$10$8$1$${salt}$AAAA`, `scrypt$x$8$1$${salt}$${key}`]) {
      await expect(verifyPassword('secret-password', stored)).resolves.toBe(false);
    }
  });
});
