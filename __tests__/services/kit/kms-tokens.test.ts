/**
 * The KMS side of token signing, against a stand-in speaking the KMS protocol with real P-256
 * keys: DER → JOSE conversion of real signatures, the KMS signer, public keys from
 * GetPublicKey, and what start-up refuses.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { createKms } from '../../../services/kit/clients/kms';
import { InvalidTokenError, issueAccessToken, verifyAccessToken } from '../../../services/kit/tokens/access-token';
import { derToJose } from '../../../services/kit/tokens/ecdsa-der';
import { createAccessTokenSigner, createAccessTokenVerifier, type TokenSettings } from '../../../services/kit/tokens/from-config';
import { kmsKeyId, loadKmsVerificationKeys } from '../../../services/kit/tokens/keys';
import { createKmsSigner } from '../../../services/kit/tokens/signer';
import { startKmsStandIn, type KmsStandIn } from '../../support/kms-stand-in';
import { JWT } from './helpers';

const aws = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

describe('derToJose', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('converts real DER signatures, including short (padded) and 33-byte (leading zero) integers', () => {
    const seen = { short: 0, long: 0 };
    let n = 0;
    // Sign until both edge cases showed up (each ~1/256 and ~1/2 per integer), at most 20 000 times.
    while ((seen.short === 0 || seen.long === 0) && n < 20_000) {
      n += 1;
      const message = randomBytes(32);
      const der = sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      const rLength = der[3]!;
      const sLength = der[5 + rLength]!;
      for (const length of [rLength, sLength]) {
        if (length < 32) seen.short += 1;
        if (length === 33) seen.long += 1;
      }
      const jose = derToJose(der);
      expect(jose).toHaveLength(64);
      if (!verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)) throw new Error(`signature ${n} did not verify after conversion`);
    }
    expect(seen.short).toBeGreaterThan(0);
    expect(seen.long).toBeGreaterThan(0);
  });

  const der = sign('sha256', Buffer.from('x'), { key: privateKey, dsaEncoding: 'der' });
  it.each<[string, Buffer]>([
    ['empty input', Buffer.alloc(0)],
    ['trailing bytes', Buffer.concat([der, Buffer.from([0])])],
    ['a wrong outer tag', Buffer.concat([Buffer.from([0x31]), der.subarray(1)])],
    ['a length mismatch', Buffer.concat([Buffer.from([0x30, der[1]! + 1]), der.subarray(2)])],
    ['JOSE instead of DER', sign('sha256', Buffer.from('x'), { key: privateKey, dsaEncoding: 'ieee-p1363' })],
    ['a negative r', Buffer.from([0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01])],
    ['a non-minimal r', Buffer.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01])],
    ['an r larger than the curve', Buffer.from([0x30, 0x26, 0x02, 0x21, ...Buffer.alloc(33, 0x11), 0x02, 0x01, 0x01])],
  ])('refuses %s', (_label, input) => {
    expect(() => derToJose(input)).toThrow(/DER signature/);
  });
});

describe('KMS keys through the KMS protocol', () => {
  let kms: KmsStandIn;
  beforeAll(async () => {
    kms = await startKmsStandIn();
  });
  afterAll(() => kms.close());

  const settings = (keyArns: string[]): TokenSettings => ({ ...JWT, verification: { kind: 'kms', keyArns }, kmsEndpoint: kms.endpoint });

  it('the KMS signer issues tokens that verify with the public key from GetPublicKey; kid = key id', async () => {
    const key = kms.createKey();
    const client = createKms(aws, kms.endpoint);
    try {
      const signer = createKmsSigner(client, key.arn);
      expect(signer.kid).toBe(key.keyId);
      expect(kmsKeyId(key.arn)).toBe(key.keyId);
      const token = await issueAccessToken({ sub: 'u1', email: 'u1@example.com' }, { ...JWT, signer });
      const keys = await loadKmsVerificationKeys(client, [key.arn]);
      expect(verifyAccessToken(token, { ...JWT, keys }).sub).toBe('u1');
      const signCall = kms.calls.find((c) => c.operation === 'Sign')!;
      expect(signCall.body).toMatchObject({ KeyId: key.arn, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
      // KMS signed exactly the JWS signing input.
      expect(Buffer.from(String(signCall.body.Message), 'base64').toString()).toBe(token.split('.').slice(0, 2).join('.'));
    } finally {
      client.destroy();
    }
  });

  it('two kids during a rollover: tokens of the old and the new key verify; a dropped key no longer does', async () => {
    const [old, next] = [kms.createKey(), kms.createKey()];
    const overlap = await createAccessTokenVerifier(settings([old.arn, next.arn]), aws);
    const signOld = createAccessTokenSigner({ kind: 'kms', keyArn: old.arn }, settings([old.arn, next.arn]), aws, overlap.keys);
    const signNew = createAccessTokenSigner({ kind: 'kms', keyArn: next.arn }, settings([old.arn, next.arn]), aws, overlap.keys);
    try {
      const oldToken = await issueAccessToken({ sub: 'u1', email: 'e' }, { ...JWT, signer: signOld.signer });
      const newToken = await issueAccessToken({ sub: 'u1', email: 'e' }, { ...JWT, signer: signNew.signer });
      expect(overlap.verify(oldToken).sub).toBe('u1');
      expect(overlap.verify(newToken).sub).toBe('u1');
      const after = await createAccessTokenVerifier(settings([next.arn]), aws);
      expect(() => after.verify(oldToken)).toThrow(InvalidTokenError);
      expect(after.verify(newToken).sub).toBe('u1');
    } finally {
      signOld.close();
      signNew.close();
    }
  });

  it('start-up fails on an unknown key, a key of another spec or usage, and a signing key no verifier knows', async () => {
    const missing = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000';
    await expect(createAccessTokenVerifier(settings([missing]), aws)).rejects.toThrow(/does not exist/);
    const rsa = kms.createKey({ keySpec: 'RSA_2048' });
    await expect(createAccessTokenVerifier(settings([rsa.arn]), aws)).rejects.toThrow(/not an ECC_NIST_P256 SIGN_VERIFY key/);
    const encryption = kms.createKey({ keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' });
    await expect(createAccessTokenVerifier(settings([encryption.arn]), aws)).rejects.toThrow(/not an ECC_NIST_P256 SIGN_VERIFY key/);

    const [verifying, signing] = [kms.createKey(), kms.createKey()];
    const { keys } = await createAccessTokenVerifier(settings([verifying.arn]), aws);
    expect(() => createAccessTokenSigner({ kind: 'kms', keyArn: signing.arn }, settings([verifying.arn]), aws, keys)).toThrow(
      new RegExp(`signing key ${signing.keyId} is not among the verification keys`),
    );
  });
});
