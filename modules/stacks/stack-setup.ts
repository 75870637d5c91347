/**
 * Provider and backend of every stack, in real and in validation mode (docs/decisions/0002). The
 * one place that knows how the two modes differ: every resource is identical in both.
 */
import type { Construct } from 'constructs';
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { stateKmsKeyId } from '../delivery/names';

/** Write-only secret arguments and S3-native locking need Terraform >= 1.11. */
export const REQUIRED_TERRAFORM = '>= 1.11.0';

export interface StackSetup {
  /** Offline validation: local state, providers with dummy credentials that never call AWS. */
  readonly validationMode: boolean;
  readonly accountId: string;
  readonly region: string;
  /** `default_tags` on every resource of the stack. */
  readonly tags: Readonly<Record<string, string>>;
  /** Real-mode S3 backend; in validation mode the state is `LOCAL_STATE_FILE` in the stack's directory. */
  readonly state: { readonly bucket: string; readonly key: string; readonly region?: string };
}

/** Dummy credentials and skips: validation must never reach an AWS account. */
const OFFLINE_PROVIDER = {
  accessKey: 'validation-mode',
  secretKey: 'validation-mode',
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: 'true',
  skipRegionValidation: true,
} as const;

/**
 * Validation mode's state file, in each stack's own directory. The same name for every stack keeps
 * every stack's backend configuration identical, so `npm run validate` initializes one working
 * directory and reuses it for the others.
 */
export const LOCAL_STATE_FILE = 'terraform.tfstate';

/**
 * Configures the default AWS provider and the backend of `stack`. Returns a factory for
 * additional provider aliases (another region, e.g. us-east-1 for CloudFront), configured the
 * same way. (`required_providers` pins hashicorp/aws 5.100.0: the @cdktf/provider-aws 20.1.0 bindings
 * write it, docs/decisions/0001.)
 */
export function configureStack(stack: TerraformStack, setup: StackSetup): (scope: Construct, id: string, alias: string, region: string) => AwsProvider {
  stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM);
  const defaultTags = [{ tags: { ...setup.tags } }];
  const provider = (scope: Construct, id: string, region: string, alias?: string) =>
    new AwsProvider(scope, id, {
      region,
      defaultTags,
      ...(alias ? { alias } : {}),
      // allowed_account_ids needs STS to learn the account id: real mode only.
      ...(setup.validationMode ? OFFLINE_PROVIDER : { allowedAccountIds: [setup.accountId] }),
    });
  provider(stack, 'aws', setup.region);
  if (setup.validationMode) {
    new LocalBackend(stack, { path: LOCAL_STATE_FILE });
  } else {
    const stateRegion = setup.state.region ?? setup.region;
    new S3Backend(stack, {
      bucket: setup.state.bucket,
      key: setup.state.key,
      region: stateRegion,
      encrypt: true,
      // `encrypt` alone asks for SSE-S3, which the state bucket refuses: the account's state CMK.
      kmsKeyId: stateKmsKeyId(setup.accountId, stateRegion),
    });
    // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no typed field for it.
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
  }
  return (scope, id, alias, region) => provider(scope, id, region, alias);
}
