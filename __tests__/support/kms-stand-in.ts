/**
 * There is no local KMS: a small HTTP server speaking the KMS JSON protocol (awsJson1_1) for
 * `GetPublicKey` and `Sign`, with real P-256 keys, so the KMS code paths run unchanged against it
 * (the same approach as the SES stand-in in the notification tests).
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StandInKey {
  readonly arn: string;
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keySpec: string;
  readonly keyUsage: string;
}

export interface KmsCall {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

export interface KmsStandIn {
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly calls: KmsCall[];
  /** A new key; `spec`/`usage` default to what token signing needs. */
  createKey(options?: { keySpec?: string; keyUsage?: string }): { arn: string; keyId: string };
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export const startKmsStandIn = async (): Promise<KmsStandIn> => {
  const keys = new Map<string, StandInKey>();
  const calls: KmsCall[] = [];
  const find = (keyId: unknown): StandInKey | undefined => keys.get(String(keyId));

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      calls.push({ operation, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const key = find(body.KeyId);
      if (!key) return reply(400, { __type: 'NotFoundException', message: `Key '${String(body.KeyId)}' does not exist` });
      if (operation === 'GetPublicKey') {
        return reply(200, {
          KeyId: key.arn,
          KeySpec: key.keySpec,
          KeyUsage: key.keyUsage,
          PublicKey: key.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
          SigningAlgorithms: key.keyUsage === 'SIGN_VERIFY' ? ['ECDSA_SHA_256'] : undefined,
        });
      }
      if (operation === 'Sign') {
        if (key.keyUsage !== 'SIGN_VERIFY' || body.SigningAlgorithm !== 'ECDSA_SHA_256' || body.MessageType !== 'RAW') {
          return reply(400, { __type: 'InvalidKeyUsageException', message: 'unsupported signing request' });
        }
        // KMS hashes a RAW message itself and returns the ASN.1 DER signature.
        const signature = sign('sha256', Buffer.from(String(body.Message), 'base64'), { key: key.privateKey, dsaEncoding: 'der' });
        return reply(200, { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
      }
      return reply(400, { __type: 'UnsupportedOperationException', message: `stand-in does not implement ${operation}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    createKey({ keySpec = 'ECC_NIST_P256', keyUsage = 'SIGN_VERIFY' } = {}) {
      const keyId = randomUUID();
      const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const key = { arn, keyId, privateKey, publicKey, keySpec, keyUsage };
      keys.set(arn, key);
      keys.set(keyId, key);
      return { arn, keyId };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
