/**
 * One signer interface, two implementations with the same code path around them: KMS in AWS
 * (the private key never leaves KMS) and a local key (tests, `npm run dev`).
 */
import { SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { sign } from 'node:crypto';
import { derToJose } from './ecdsa-der';
import { kmsKeyId, type SigningKey } from './keys';

export interface TokenSigner {
  /** Goes into the token header; verifiers pick the public key by it. */
  readonly kid: string;
  /** ES256 over `signingInput`: the JOSE signature (`r || s`, 64 bytes). */
  sign(signingInput: Buffer): Promise<Buffer>;
}

export const createLocalSigner = ({ kid, key }: SigningKey): TokenSigner => ({
  kid,
  sign: async (signingInput) => sign('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }),
});

/** `kms:Sign` with ECDSA_SHA_256 on the raw signing input (KMS hashes it); DER → JOSE. */
export const createKmsSigner = (kms: KMSClient, keyArn: string): TokenSigner => ({
  kid: kmsKeyId(keyArn),
  async sign(signingInput) {
    const out = await kms.send(
      new SignCommand({ KeyId: keyArn, Message: signingInput, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    if (!out.Signature) throw new Error('KMS Sign returned no signature');
    return derToJose(out.Signature);
  },
});
