/** An environment account's bootstrap stack: the state bucket, GitHub OIDC and the CI roles' limits. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../main';
import { AWS_MANAGED_POLICY, GITHUB_OIDC } from '../../modules/bootstrap/ci-role';
import { DATA_READ_ACTIONS } from '../../modules/bootstrap/guardrails';
import { SERVICE_ACCOUNT_LEVEL_ACTIONS, SERVICE_DATA_PLANE_ACTIONS } from '../../modules/bootstrap/service-role-boundary';
import { deployRoleName, pipelineJobRoleArn, SERVICE_ROLE_BOUNDARY } from '../../modules/delivery/names';
import { platformStateKey, serviceStateKey } from '../../modules/stacks/naming';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { catalogWithLedger, environments, list, synthBootstrap, type Statement } from './support/ci-stacks';

const SERVICES = catalog.services.map((s) => s.name);
const TOOLING = '444444444444';
const dev = synthBootstrap('dev');
const { accountId } = environments.dev;
const bucketName = environments.dev.state.bucket;
const bucketArn = dev.ref('aws_s3_bucket', (b) => b.bucket === bucketName, 'arn');
const bucketId = dev.ref('aws_s3_bucket', (b) => b.bucket === bucketName, 'id');
const stateKeyArn = dev.ref('aws_kms_key', () => true, 'arn');
const forBucket = (type: string) => dev.only(type, (r) => r.bucket === bucketId);

const actionsOn = (statements: Statement[], action: string): string[] =>
  statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

describe('state bucket', () => {
  it("is the environment's state.bucket, protected from destroy", () => {
    const bucket = dev.only('aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket: bucketName, force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  it('versioned, SSE-KMS with its own CMK (rotating), public access blocked, ACLs off', () => {
    expect(forBucket('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(forBucket('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: stateKeyArn }, bucket_key_enabled: true },
    ]);
    expect(dev.only('aws_kms_key').enable_key_rotation).toBe(true);
    expect(forBucket('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(forBucket('aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  it('expires superseded versions after the configured days', () => {
    expect(forBucket('aws_s3_bucket_lifecycle_configuration').rule[0]).toMatchObject({
      status: 'Enabled',
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
    });
  });

  it('policy: TLS only, KMS only, and each deploy role may write nothing but its own state and lock', () => {
    const policy: Statement[] = JSON.parse(forBucket('aws_s3_bucket_policy').policy).Statement;
    expect(policy[0]).toMatchObject({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(policy[1]).toMatchObject({ Sid: 'DenyEncryptionOtherThanKms', Effect: 'Deny', Action: 's3:PutObject' });
    const confined = policy.slice(2);
    expect(confined).toHaveLength(SERVICES.length + 1);
    const user = confined.find(
      (s) => s.Condition?.ArnEquals?.['aws:PrincipalArn'] === `arn:aws:iam::${accountId}:role/${deployRoleName('dev', 'user')}`,
    )!;
    expect(user).toMatchObject({ Effect: 'Deny', Principal: '*' });
    expect(list(user.Action)).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject', 's3:PutBucketPolicy', 's3:DeleteBucket']));
    expect(user.NotResource).toEqual([
      `${bucketArn}/${serviceStateKey('dev', 'user')}`,
      `${bucketArn}/${serviceStateKey('dev', 'user')}.tflock`,
    ]);
  });

  it("real mode: the stack's own state goes into that bucket, encrypted with its CMK; validation mode: local state", () => {
    expect(dev.parsed.terraform.backend.s3).toMatchObject({
      bucket: bucketName,
      key: 'bootstrap.tfstate',
      kms_key_id: `arn:aws:kms:eu-west-1:${accountId}:alias/ci-terraform-state`,
      use_lockfile: true,
    });
    expect(synthBootstrap('dev', { validationMode: true }).parsed.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });
});

describe('GitHub OIDC', () => {
  it('provider with the url, audience and thumbprints as constants; no data source', () => {
    expect(dev.only('aws_iam_openid_connect_provider')).toMatchObject({
      url: GITHUB_OIDC.url,
      client_id_list: ['sts.amazonaws.com'],
      thumbprint_list: [...GITHUB_OIDC.thumbprints],
    });
    expect(dev.parsed.data).toBeUndefined();
  });

  const oidc = dev.ref('aws_iam_openid_connect_provider', () => true, 'arn');

  it('plan role: only pull requests of the repository; read-only without data reads; reads every state, writes none', () => {
    const role = dev.role('ci-github-plan');
    expect(role.trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: oidc },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:example-org/platform:pull_request',
          },
        },
      },
    ]);
    expect(role.managedPolicies).toEqual([AWS_MANAGED_POLICY.readOnlyAccess]);
    expect(actionsOn(role.grants, 's3:GetObject')).toEqual([`${bucketArn}/*`]);
    expect(role.grants.flatMap((s) => list(s.Action)).filter((a) => /Put|Delete/.test(a))).toEqual([]);
    const denied = role.guardrails.filter((s) => s.Effect === 'Deny');
    expect(denied.find((s) => s.Sid === 'DenyObjectReadsOutsideState')!.NotResource).toBe(`${bucketArn}/*`);
    expect(denied.find((s) => s.Sid === 'DenyDataReads')!.Action).toEqual([...DATA_READ_ACTIONS]);
    expect(list(denied.find((s) => s.Sid === 'DenyDataReads')!.Action)).toContain('secretsmanager:GetSecretValue');
  });

  it.each(ENVIRONMENT_NAMES)('%s deploy role: only jobs in the GitHub environment of that name', (env) => {
    const role = synthBootstrap(env).role('ci-github-deploy');
    expect(role.trust[0]!.Condition!.StringEquals!['token.actions.githubusercontent.com:sub']).toBe(
      `repo:example-org/platform:environment:${env}`,
    );
  });
});

describe("deploy roles: one per unit, trusted only by that unit's deploy job in the tooling account", () => {
  it.each(['platform', ...SERVICES])('%s', (unit) => {
    const role = dev.role(deployRoleName('dev', unit));
    expect(role.trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${TOOLING}:root` },
        Action: 'sts:AssumeRole',
        Condition: { ArnEquals: { 'aws:PrincipalArn': pipelineJobRoleArn(TOOLING, 'platform', unit, 'deploy-dev') } },
      },
    ]);
  });

  it('follow the catalog', () => {
    expect(synthBootstrap('prod', { catalog: catalogWithLedger() }).roleNames()).toContain('ci-prod-ledger-deploy');
  });
});

describe.each(SERVICES)('service deploy role limits: %s', (service) => {
  const role = dev.role(deployRoleName('dev', service));
  const others = SERVICES.filter((s) => s !== service);

  it("writes only its own state key and lock; reads the platform's state", () => {
    const key = serviceStateKey('dev', service);
    expect(actionsOn(role.grants, 's3:PutObject').sort()).toEqual([`${bucketArn}/${key}`, `${bucketArn}/${key}.tflock`].sort());
    expect(actionsOn(role.grants, 's3:DeleteObject')).toEqual([`${bucketArn}/${key}.tflock`]);
    expect(actionsOn(role.grants, 's3:GetObject').sort()).toEqual(
      [`${bucketArn}/${platformStateKey('dev')}`, `${bucketArn}/${key}`, `${bucketArn}/${key}.tflock`].sort(),
    );
  });

  it('passes only its own roles, and only to ECS tasks', () => {
    const pass = role.grants.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(pass).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [`arn:aws:iam::${accountId}:role/platform-dev-${service}-*`],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
  });

  it('creates or changes the policy of its own roles only with the service boundary attached', () => {
    const create = role.grants.find((s) => list(s.Action).includes('iam:CreateRole'))!;
    expect(create.Resource).toEqual([`arn:aws:iam::${accountId}:role/platform-dev-${service}-*`]);
    expect(list(create.Action)).toEqual(expect.arrayContaining(['iam:PutRolePolicy']));
    expect(create.Condition).toEqual({
      StringEquals: { 'iam:PermissionsBoundary': dev.ref('aws_iam_policy', (p) => p.name === SERVICE_ROLE_BOUNDARY, 'arn') },
    });
    expect(role.grants.flatMap((s) => list(s.Action))).not.toContain('iam:AttachRolePolicy');
  });

  it('pushes only to its own image repository', () => {
    expect(actionsOn(role.grants, 'ecr:PutImage')).toEqual([`arn:aws:ecr:eu-west-1:${accountId}:repository/platform/${service}`]);
  });

  it("reaches none of another service's resources", () => {
    const resources = role.grants.flatMap((s) => list(s.Resource)).join(' ');
    for (const other of others) expect(resources).not.toMatch(new RegExp(`[-/]${other}(\\b|$)`));
  });

  it('ReadOnlyAccess for refresh, minus data reads; may not touch CI identities', () => {
    expect(role.managedPolicies).toEqual([AWS_MANAGED_POLICY.readOnlyAccess]);
    expect(role.guardrails.map((s) => s.Sid)).toEqual(
      expect.arrayContaining(['DenyObjectReadsOutsideState', 'DenyDataReads', 'DenyCiIdentityChanges', 'DenyAssumingCiRoles']),
    );
  });
});

describe('platform deploy role', () => {
  const role = dev.role(deployRoleName('dev', 'platform'));

  it("writes only the platform state; PowerUserAccess with IAM for the platform's own roles", () => {
    expect(actionsOn(role.grants, 's3:PutObject').sort()).toEqual(
      [`${bucketArn}/${platformStateKey('dev')}`, `${bucketArn}/${platformStateKey('dev')}.tflock`].sort(),
    );
    expect(role.managedPolicies).toEqual([AWS_MANAGED_POLICY.powerUserAccess]);
    expect(actionsOn(role.grants, 'iam:PassRole')).toEqual([`arn:aws:iam::${accountId}:role/platform-dev-*`]);
  });

  it('guardrails: no change to CI identities, no administration of the state key', () => {
    const ci = role.guardrails.find((s) => s.Sid === 'DenyCiIdentityChanges')!;
    expect(ci.Resource).toEqual([
      `arn:aws:iam::${accountId}:role/ci-*`,
      `arn:aws:iam::${accountId}:policy/ci-*`,
      `arn:aws:iam::${accountId}:oidc-provider/*`,
    ]);
    const key = role.guardrails.find((s) => s.Sid === 'DenyStateKeyAdministration')!;
    expect(key).toMatchObject({ Effect: 'Deny', Resource: stateKeyArn });
    expect(list(key.Action)).toEqual(expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy']));
  });
});

describe('service role boundary', () => {
  it('covers every action the environment stacks grant to a service role', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'boundary-'));
    try {
      buildApp({ outdir, validationMode: false }).synth();
      const allowedActions = new Set<string>([...SERVICE_DATA_PLANE_ACTIONS, ...SERVICE_ACCOUNT_LEVEL_ACTIONS]);
      const serviceRole = new RegExp(`^platform-(${ENVIRONMENT_NAMES.join('|')})-(${SERVICES.join('|')})-`);
      let checked = 0;
      for (const stack of readdirSync(join(outdir, 'stacks'))) {
        const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
        const roles = json.resource?.aws_iam_role ?? {};
        for (const policy of Object.values<any>(json.resource?.aws_iam_role_policy ?? {})) {
          const roleId = /aws_iam_role\.([^.]+)\.name/.exec(policy.role)?.[1];
          if (!roleId || !serviceRole.test(roles[roleId].name)) continue;
          for (const statement of JSON.parse(policy.policy).Statement) {
            for (const action of list(statement.Action))
              expect({ role: roles[roleId].name, action, inBoundary: allowedActions.has(action) }).toMatchObject({ inBoundary: true });
            checked += 1;
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
