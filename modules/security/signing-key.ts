import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Grant, type IGrantable } from './grants';

/**
 * An asymmetric signing key for access tokens as other stacks see it (docs/decisions/0008): only
 * the identity service may `kms:Sign`; every verifier may read the public key.
 */
export interface ISigningKey {
  readonly arn: string;
  /** kms:Sign with this key (the token issuer only). */
  grantSign(grantee: IGrantable): Grant;
  /** kms:GetPublicKey: verifiers load the public key once and verify locally. */
  grantVerify(grantee: IGrantable): Grant;
}

export interface SigningKeyProps {
  /** Alias suffix: `alias/<name>`. */
  readonly name: string;
  readonly description: string;
  readonly accountId: string;
  readonly deletionWindowDays?: number;
}

const grants = (arn: string): Omit<ISigningKey, 'arn'> => ({
  grantSign: (grantee) => Grant.add(grantee, { actions: ['kms:Sign'], resources: [arn] }),
  grantVerify: (grantee) => Grant.add(grantee, { actions: ['kms:GetPublicKey'], resources: [arn] }),
});

/**
 * A KMS key pair (ECC_NIST_P256, SIGN_VERIFY: ES256 tokens) whose private half never leaves KMS:
 * not in state, not in any container. Asymmetric keys have no automatic rotation: a rollover adds a
 * new key next to this one (envs: `tokens.keys`), verifiers accept both, then the issuer switches.
 * The key policy only delegates to IAM; the grants decide who signs and who verifies.
 */
export class SigningKey extends Construct implements ISigningKey {
  readonly arn: string;
  readonly grantSign: ISigningKey['grantSign'];
  readonly grantVerify: ISigningKey['grantVerify'];

  static fromArn(arn: string): ISigningKey {
    return { arn, ...grants(arn) };
  }

  constructor(scope: Construct, id: string, props: SigningKeyProps) {
    super(scope, id);
    const key = new KmsKey(this, 'key', {
      description: props.description,
      keyUsage: 'SIGN_VERIFY',
      customerMasterKeySpec: 'ECC_NIST_P256',
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EnableIamPolicies',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}`, targetKeyId: key.keyId });
    this.arn = key.arn;
    ({ grantSign: this.grantSign, grantVerify: this.grantVerify } = grants(this.arn));
  }
}
