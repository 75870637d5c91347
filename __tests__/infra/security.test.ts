import { Testing } from 'cdktf';
import { KmsKey } from '../../modules/security/kms-key';
import { PlatformSecret } from '../../modules/security/platform-secret';
import { DataStoreSecurityGroup } from '../../modules/security/security-group';
import { ACCOUNT_ID, REGION, actionsOf, ref, synthDataPlane } from './support/data-plane';

describe('security: KMS key, platform secret, data-store security group', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const secret = new PlatformSecret(scope, 'jwt', { name: 'dev/jwt-signing-key', description: 'JWT key', kmsKey });
    secret.grantRead(grantee('reader'));
    kmsKey.grantEncryptDecrypt(grantee('crypto'));
    const sg = new DataStoreSecurityGroup(scope, 'sg', { name: 'db', description: 'db', vpcId: 'vpc-1', port: 5432 });
    sg.allowFrom('sg-app', 'from the app');
  });

  it('creates a rotating CMK with an alias', () => {
    const key = synth.only('aws_kms_key');
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
    expect(Testing.toHaveResourceWithProperties(synth.json, 'aws_kms_alias', { name: 'alias/test-data' })).toBe(true);
  });

  it('key policy: account root administers, logs is pinned to this account by encryption context', () => {
    const policy = JSON.parse(synth.only('aws_kms_key').policy);
    const [root, logs, cloudwatch] = policy.Statement;
    expect(root.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
    expect(logs.Principal).toEqual({ Service: `logs.${REGION}.amazonaws.com` });
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe(
      `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:*`,
    );
    expect(cloudwatch.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(cloudwatch.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(cloudwatch.Condition).toBeUndefined();
    expect(logs.Action).not.toContain('kms:*');
    expect(policy.Statement).toHaveLength(3);
  });

  it('secret is encrypted with the CMK and its value never appears in the configuration', () => {
    const secret = synth.only('aws_secretsmanager_secret');
    expect(secret.kms_key_id).toBe(ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn'));
    const version = synth.only('aws_secretsmanager_secret_version');
    expect(version.secret_string).toBeUndefined();
    expect(version.secret_string_wo).toMatch(/^\$\{ephemeral\.aws_secretsmanager_random_password\.[\w-]+\.random_password\}$/);
    expect(version.secret_string_wo_version).toBe(1);
    const generators = (synth.parsed.ephemeral as Record<string, Record<string, any>>).aws_secretsmanager_random_password;
    const [generator] = Object.values(generators);
    expect(generator.exclude_punctuation).toBe(true);
    // Deferred to apply on first run: the length depends on the not-yet-created secret.
    expect(generator.password_length).toMatch(/^\$\{64 \+ length\(substr\(aws_secretsmanager_secret\.[\w-]+\.arn, 0, 0\)\)\}$/);
  });

  it('grantRead: GetSecretValue on the secret only, Decrypt through Secrets Manager only', () => {
    const statements = synth.statements('reader');
    expect(actionsOf(statements)).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    const secretArn = ref('aws_secretsmanager_secret', synth.only('aws_secretsmanager_secret'), synth, 'arn');
    expect(statements[0].Resource).toEqual([secretArn]);
    expect(statements[1].Condition).toEqual({
      StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
    });
  });

  it('grantEncryptDecrypt: exact KMS actions on the key ARN', () => {
    const [statement] = synth.statements('crypto');
    expect(statement.Action.sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(statement.Resource).toEqual([ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn')]);
  });

  it('data-store security group: no inline rules, ingress only on its port from the named group', () => {
    const group = synth.only('aws_security_group');
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    const rule = synth.only('aws_vpc_security_group_ingress_rule');
    expect(rule).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: 'tcp', referenced_security_group_id: 'sg-app' });
    expect(rule.cidr_ipv4).toBeUndefined();
  });

  it('rejects a second rule for the same source and a key policy missing a needed principal', () => {
    synthDataPlane(({ scope, kmsKey }) => {
      const sg = new DataStoreSecurityGroup(scope, 'sg', { name: 'db', description: 'db', vpcId: 'vpc-1', port: 5432 });
      sg.allowFrom('sg-app', 'once');
      expect(() => sg.allowFrom('sg-app', 'twice')).toThrow(/already allowed/);
      const bare = new KmsKey(scope, 'bare', { name: 'bare', description: 'x', accountId: ACCOUNT_ID, region: REGION });
      expect(() => bare.requireServicePrincipal('cloudwatch.amazonaws.com', 'AlarmTopic t')).toThrow(
        /AlarmTopic t: KMS key "alias\/bare" must list "cloudwatch.amazonaws.com"/,
      );
      expect(() => kmsKey.requireServicePrincipal('cloudwatch.amazonaws.com', 'ok')).not.toThrow();
    });
  });

  it('rejects a secret shorter than 32 characters', () => {
    expect(() =>
      synthDataPlane(({ scope, kmsKey }) => {
        new PlatformSecret(scope, 's', { name: 's', description: 's', kmsKey, length: 16 });
      }),
    ).toThrow(/length must be an integer in 32\.\.4096/);
  });
});
