/**
 * ElastiCache IAM authentication token: a SigV4-presigned `GET http://<cache-id>/?Action=connect&User=<user>`
 * (service `elasticache`, valid 900 s) with the scheme stripped, used as the AUTH password.
 * See "Authenticating with IAM" in the ElastiCache guide.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

export const IAM_TOKEN_TTL_SECONDS = 900;

/** The `Checksum` SignatureV4 expects (hash, or HMAC when constructed with a key), on node:crypto. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

export interface IamTokenOptions {
  /** ElastiCache user id (IAM-enabled user; user id equals user name). */
  userId: string;
  /** Replication group id (lower case). */
  cacheId: string;
  region: string;
  /** Default: the SDK's default credential chain (ECS task role in AWS). */
  credentials?: AwsCredentialIdentityProvider;
  /** Signing time (tests). */
  signingDate?: Date;
}

export const generateElastiCacheIamToken = async (opts: IamTokenOptions): Promise<string> => {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: opts.region,
    credentials: opts.credentials ?? defaultProvider(),
    sha256: NodeSha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: opts.cacheId,
      path: '/',
      query: { Action: 'connect', User: opts.userId },
      headers: { host: opts.cacheId },
    },
    { expiresIn: IAM_TOKEN_TTL_SECONDS, signingDate: opts.signingDate },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${opts.cacheId}/?${query}`;
};
