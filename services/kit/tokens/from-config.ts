/**
 * From configuration to a verifier and a signer: the same code path in AWS (KMS) and locally
 * (keys from the environment); only the key source differs.
 */
import type { AwsConfig } from '../clients/aws';
import { createKms } from '../clients/kms';
import { createTokenVerifier, type TokenVerifier } from './access-token';
import { loadKmsVerificationKeys, type SigningKey, type VerificationKeys } from './keys';
import { createKmsSigner, createLocalSigner, type TokenSigner } from './signer';
import type { CallerKeys } from './service-token';

export type VerificationKeySource =
  | { readonly kind: 'kms'; readonly keyArns: readonly string[] }
  | { readonly kind: 'jwks'; readonly keys: VerificationKeys };

export type SigningKeySource = { readonly kind: 'kms'; readonly keyArn: string } | { readonly kind: 'local'; readonly key: SigningKey };

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly verification: VerificationKeySource;
  /** A KMS stand-in (tests only). */
  readonly kmsEndpoint?: string;
}

/**
 * The public keys, fetched from KMS once at start-up (public keys of a KMS key never change; a new
 * key arrives with a new task definition). A failure fails the start-up: a task that cannot
 * verify tokens must not take traffic, and ECS retries it.
 */
export const loadVerificationKeys = async (settings: TokenSettings, aws: AwsConfig): Promise<VerificationKeys> => {
  const source = settings.verification;
  if (source.kind === 'jwks') return source.keys;
  const kms = createKms(aws, settings.kmsEndpoint);
  try {
    return await loadKmsVerificationKeys(kms, source.keyArns);
  } finally {
    kms.destroy();
  }
};

export const createAccessTokenVerifier = async (settings: TokenSettings, aws: AwsConfig): Promise<{ verify: TokenVerifier; keys: VerificationKeys }> => {
  const keys = await loadVerificationKeys(settings, aws);
  return { verify: createTokenVerifier({ keys, issuer: settings.issuer, audience: settings.audience }), keys };
};

/** A signer for `source`: KMS Sign in AWS (its client closed by `close`), a local key otherwise. */
const createSigner = (source: SigningKeySource, aws: AwsConfig, kmsEndpoint?: string): { signer: TokenSigner; close(): void } => {
  if (source.kind === 'local') return { signer: createLocalSigner(source.key), close: () => undefined };
  const kms = createKms(aws, kmsEndpoint);
  return { signer: createKmsSigner(kms, source.keyArn), close: () => kms.destroy() };
};

/**
 * The signer, checked against the verification keys: a signer whose kid no verifier knows would
 * issue tokens nobody accepts (a rollover done in the wrong order), so start-up fails instead.
 */
export const createAccessTokenSigner = (
  source: SigningKeySource,
  settings: TokenSettings,
  aws: AwsConfig,
  verificationKeys: VerificationKeys,
): { signer: TokenSigner; close(): void } => {
  const created = createSigner(source, aws, settings.kmsEndpoint);
  if (!verificationKeys.has(created.signer.kid)) {
    created.close();
    throw new Error(`token signing key ${created.signer.kid} is not among the verification keys: add it to TOKEN_VERIFY_* first (docs/decisions/0008)`);
  }
  return created;
};

/** Where a callee finds its callers' public keys: KMS in AWS, a JWKS per caller locally. */
export type CallerKeySource =
  | { readonly kind: 'kms'; readonly keyArns: ReadonlyMap<string, string> }
  | { readonly kind: 'jwks'; readonly keys: CallerKeys };

/** Every caller's public key, fetched once at start-up (as for access tokens: a failure fails the start). */
export const loadCallerKeys = async (source: CallerKeySource, aws: AwsConfig, kmsEndpoint?: string): Promise<CallerKeys> => {
  if (source.kind === 'jwks') return source.keys;
  const kms = createKms(aws, kmsEndpoint);
  try {
    const entries = await Promise.all(
      [...source.keyArns].map(async ([caller, arn]) => [caller, await loadKmsVerificationKeys(kms, [arn])] as const),
    );
    return new Map(entries);
  } finally {
    kms.destroy();
  }
};

/** The signer of this service's own service tokens (KMS Sign in AWS, a local key otherwise). */
export const createServiceTokenSigner = (source: SigningKeySource, aws: AwsConfig, kmsEndpoint?: string): { signer: TokenSigner; close(): void } =>
  createSigner(source, aws, kmsEndpoint);
