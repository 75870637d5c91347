/**
 * Access-token keys (docs/decisions/0008): ECDSA P-256 (ES256), identified by a `kid`.
 *
 * - In AWS the keys are KMS asymmetric keys (ECC_NIST_P256, SIGN_VERIFY). The `kid` is the KMS
 *   key id (the UUID after `key/` in the ARN); verifiers fetch the public keys once at start-up
 *   with `kms:GetPublicKey`; the private key never leaves KMS.
 * - Locally the harness generates a key pair per namespace: the signer gets the private JWK, every
 *   service the public JWKS.
 *
 * A verifier holds a set of keys, so two `kid`s are accepted while a signing key is rolled over.
 */
import { GetPublicKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';

/** kid → public key. */
export type VerificationKeys = ReadonlyMap<string, KeyObject>;

/** A private key with its kid (the local signer's key). */
export interface SigningKey {
  readonly kid: string;
  readonly key: KeyObject;
}

/** `arn:aws:kms:<region>:<account>:key/<key id>` (multi-Region keys: `mrk-<hex>`). */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/((?:mrk-)?[0-9a-f-]{32,36})$/;

/** The token `kid` for a KMS key: its key id. */
export const kmsKeyId = (arn: string): string => {
  const match = KMS_KEY_ARN.exec(arn);
  if (!match) throw new Error('not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)');
  return match[1]!;
};

const isP256 = (key: KeyObject): boolean =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

const assertP256 = (key: KeyObject, what: string): KeyObject => {
  if (!isP256(key)) throw new Error(`${what} is not an EC P-256 key`);
  return key;
};

const jwkMember = (jwk: Record<string, unknown>, name: string): string => {
  const value = jwk[name];
  if (typeof value !== 'string' || value === '') throw new Error(`"${name}" is required`);
  return value;
};

/** The JWK members a P-256 ES256 key may carry; anything else (other kty, crv, alg) is refused. */
const checkJwkHeader = (jwk: Record<string, unknown>): string => {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('must be an EC P-256 key ("kty": "EC", "crv": "P-256")');
  if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw new Error('"alg" must be ES256 when present');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new Error('"use" must be sig when present');
  return jwkMember(jwk, 'kid');
};

const asObject = (value: unknown, what: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
};

/**
 * `{"keys": [<public JWK with kid>, ...]}` → verification keys. Refuses private keys (a `d`
 * member): a verifier must never hold what signs. Error messages never echo key material.
 */
export const parseJwks = (json: string): VerificationKeys => {
  const jwks = asObject(JSON.parse(json) as unknown, 'the JWKS');
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('"keys" must be a non-empty array');
  const keys = new Map<string, KeyObject>();
  jwks.keys.forEach((entry: unknown, i: number) => {
    const jwk = asObject(entry, `keys[${i}]`);
    const kid = checkJwkHeader(jwk);
    if ('d' in jwk) throw new Error(`keys[${i}] is a private key: a verifier only gets public keys`);
    if (keys.has(kid)) throw new Error(`keys[${i}]: duplicate kid`);
    keys.set(kid, assertP256(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), `keys[${i}]`));
  });
  return keys;
};

/** A private P-256 JWK with its kid → the local signing key. */
export const parsePrivateJwk = (json: string): SigningKey => {
  const jwk = asObject(JSON.parse(json) as unknown, 'the JWK');
  const kid = checkJwkHeader(jwk);
  jwkMember(jwk, 'd');
  return { kid, key: assertP256(createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }), 'the JWK') };
};

/** A fresh local key pair: the private JWK (signer) and the public JWKS (verifiers), as JSON. */
export const generateLocalTokenKeys = (kid: string = randomUUID()): { kid: string; privateJwk: string; publicJwks: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const meta = { kid, alg: 'ES256', use: 'sig' };
  return {
    kid,
    privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), ...meta }),
    publicJwks: JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), ...meta }] }),
  };
};

/**
 * Fetches the public key of each KMS key and checks that it can verify ES256 tokens. Throws on
 * the first key that is missing, of another spec, or not a signing key.
 */
export const loadKmsVerificationKeys = async (kms: KMSClient, keyArns: readonly string[]): Promise<VerificationKeys> => {
  const entries = await Promise.all(
    keyArns.map(async (arn): Promise<[string, KeyObject]> => {
      const kid = kmsKeyId(arn);
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: arn }));
      if (out.KeySpec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || !out.SigningAlgorithms?.includes('ECDSA_SHA_256')) {
        throw new Error(`KMS key ${kid} is not an ECC_NIST_P256 SIGN_VERIFY key with ECDSA_SHA_256`);
      }
      if (!out.PublicKey) throw new Error(`KMS key ${kid}: GetPublicKey returned no key`);
      const key = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
      return [kid, assertP256(key, `KMS key ${kid}`)];
    }),
  );
  return new Map(entries);
};
