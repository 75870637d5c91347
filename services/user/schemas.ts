import { z } from '@hono/zod-openapi';
import { password as passwordText, text } from '../kit/text';
import type { UserRow } from './db/schema';

/**
 * Password policy: length only (NIST SP 800-63B), counted in code points; every printing
 * character and space is allowed, control characters are not (kit/text.ts `password`). The upper
 * bound caps hashing work per request.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// Normalised: the kit's text rules (no control characters, NFC), surrounding whitespace trimmed.
// Case is kept as given; uniqueness and lookups compare lower(email).
const email = text({ max: 254 })
  .pipe(z.email())
  .openapi({ type: 'string', format: 'email', example: 'ada@example.com' });
const name = text({ max: 100 }).openapi({ example: 'Ada Lovelace' });
const password = passwordText({ min: PASSWORD_MIN, max: PASSWORD_MAX });
/** A password given to prove an account (login): same characters, bounds only (see loginBodySchema). */
export const givenPassword = passwordText({ min: 1, max: PASSWORD_MAX });

export const registerBodySchema = z.strictObject({ email, name, password }).openapi('RegisterUser');

// Login checks only the bounds: the policy of the day must not reject an existing password.
export const loginBodySchema = z
  .strictObject({ email, password: givenPassword })
  .openapi('Login');

// Proof of the account for e-mail and password changes and deletion; bounds only, like login.
const currentPassword = z.string().min(1).max(PASSWORD_MAX).openapi({ format: 'password' });

export const patchBodySchema = z
  .strictObject({
    email: email.optional(),
    name: name.optional(),
    password: password.optional(),
    currentPassword: currentPassword.optional(),
  })
  .refine((b) => b.email !== undefined || b.name !== undefined || b.password !== undefined, {
    message: 'at least one of email, name, password is required',
  })
  .refine((b) => (b.email === undefined && b.password === undefined) || b.currentPassword !== undefined, {
    path: ['currentPassword'],
    message: 'required to change email or password',
  })
  .openapi('UpdateUser');

// In the body, not a header: headers reach proxy and WAF logs, bodies do not.
export const deleteBodySchema = z.strictObject({ currentPassword }).openapi('DeleteUser');

export const userIdParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '0b9f6f1e-4c1a-4b8e-9a57-2b3c1d0e5f6a' }),
});

export const publicUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('User');

export type PublicUser = z.infer<typeof publicUserSchema>;

export const tokenSchema = z
  .object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() })
  .openapi('AccessToken');

/** The only view of a user that leaves the service: never any password field. */
export const toPublicUser = (row: UserRow): PublicUser => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
