/** The delivery config: defaults, and every rule failing synth with the field and the rule's name. */
import { delivery } from '../../envs/delivery';
import { loadDeliveryConfig, type DeliveryInput } from '../../envs/delivery-schema';
import { catalog, type Catalog } from '../../services/catalog';
import { catalogWithLedger, environments } from './support/ci-stacks';

const load = (change: Partial<DeliveryInput> = {}, envs = environments, from: Catalog = catalog) =>
  loadDeliveryConfig({ ...delivery, ...change }, envs, from);
const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('delivery config', () => {
  it("loads the repository's config with its defaults", () => {
    expect(load()).toMatchObject({
      project: 'platform',
      branch: 'main',
      approvalBefore: ['prod'],
      codebuild: {
        image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
        buildComputeType: 'BUILD_GENERAL1_LARGE',
        deployComputeType: 'BUILD_GENERAL1_SMALL',
      },
      artifactExpirationDays: 30,
      stateNoncurrentVersionDays: 90,
      logRetentionDays: 365,
    });
  });

  it('schema errors name the field', () => {
    expect(failure(() => load({ accountId: '12345' }))).toBe('delivery: accountId: must be a 12-digit AWS account id (rule: schema)');
    expect(failure(() => load({ repository: { owner: 'example-org', name: 'has space' } }))).toBe(
      'delivery: repository.name: must be a GitHub repository name (rule: schema)',
    );
  });

  it.each([
    [
      { accountId: environments.staging.accountId },
      'accountId: the tooling account must not host an environment (staging) (rule: tooling-account-separate)',
    ],
    [
      { state: { bucket: environments.dev.state.bucket } },
      'state.bucket: example-platform-tfstate-111111111111 is also the state bucket of dev (rule: distinct-state-buckets)',
    ],
    [{ project: 'other' }, 'project: is "other" but dev uses "platform" (rule: one-project)'],
    [{ approvalBefore: ['staging' as const] }, 'approvalBefore: prod deploys need a manual approval (rule: prod-approval)'],
    [
      { codebuild: { image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' } },
      'codebuild.image: must be an aarch64 image: the tasks are ARM64 and images are built natively (rule: arm-build-image)',
    ],
    [{ logRetentionDays: 10 }, 'logRetentionDays: 10 is not a CloudWatch Logs retention value'],
  ])('rule: %j', (change, message) => {
    expect(failure(() => load(change as Partial<DeliveryInput>))).toContain(`delivery: ${message}`);
  });

  it("rule one-environment-per-account: an account holds one environment's CI", () => {
    const shared = { ...environments, staging: { ...environments.staging, accountId: environments.dev.accountId } };
    expect(failure(() => load({}, shared))).toBe(
      'delivery: environments.staging.accountId: shares account 111111111111 with dev (rule: one-environment-per-account)',
    );
  });

  it('rule service-names-unambiguous: no service name is another\'s name plus a suffix, and none is "platform"', () => {
    const ledger = catalogWithLedger();
    const template = ledger.services.at(-1)!;
    const ambiguous = { ...ledger, services: [...ledger.services, { ...template, name: 'ledger-admin', containerPort: 3010, routes: [] }] };
    expect(failure(() => load({}, environments, ambiguous))).toBe(
      'delivery: services.ledger-admin: starts with "ledger-": ledger\'s role patterns would reach its roles (rule: service-names-unambiguous)',
    );
    const platform = { ...ledger, services: [...ledger.services, { ...template, name: 'platform', containerPort: 3011, routes: [] }] };
    expect(failure(() => load({}, environments, platform))).toContain(
      'services.platform: the name is taken by the platform stack and pipeline',
    );
  });

  it('rule artifact-folders-distinct: pipelines must differ in their first 20 characters', () => {
    const ledger = catalogWithLedger();
    const template = ledger.services.at(-1)!;
    const long = {
      ...ledger,
      services: [...ledger.services, { ...template, name: 'notifications', containerPort: 3012, routes: [] }],
    };
    expect(failure(() => load({}, environments, long))).toBe(
      'delivery: project: pipelines platform-notification and platform-notifications share the artifact folder "platform-notificatio" (CodePipeline keeps 20 characters) (rule: artifact-folders-distinct)',
    );
  });

  it('synth fails with the one-line message (exit 1)', () => {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { run } = require('./scripts/synth-support');
         const { loadDeliveryConfig } = require('./envs/delivery-schema');
         const { delivery } = require('./envs/delivery');
         const { loadEnvironments } = require('./envs');
         const { catalog } = require('./services/catalog');
         run(() => loadDeliveryConfig({ ...delivery, approvalBefore: [] }, loadEnvironments(), catalog));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'configuration error: delivery: approvalBefore: prod deploys need a manual approval (rule: prod-approval)',
    );
  });
});
