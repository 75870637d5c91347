import { Testing } from 'cdktf';
import { Connections } from '../../modules/security/connections';
import { KmsKey } from '../../modules/security/kms-key';
import { grantSecretRead } from '../../modules/security/secret-read';
import { DataStoreSecurityGroup } from '../../modules/security/security-group';
import { SigningKey } from '../../modules/security/signing-key';
import { ACCOUNT_ID, REGION, actionsOf, ref, synthDataPlane } from './support/data-plane';

const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:rds!cluster-1`;

describe('security: KMS key, signing key, secret read, data-store security group, connections', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    grantSecretRead(grantee('reader'), SECRET_ARN, kmsKey);
    kmsKey.grantEncryptDecrypt(grantee('crypto'));
    const store = new DataStoreSecurityGroup(scope, 'sg', { name: 'db', description: 'db', vpcId: 'vpc-1' });
    new Connections('db', store.id, 5432).allowFrom(scope, new Connections('app', 'sg-app'));
    const tokens = new SigningKey(scope, 'tokens', { name: 'test-tokens-k1', description: 'tokens', accountId: ACCOUNT_ID });
    tokens.grantSign(grantee('issuer'));
    tokens.grantVerify(grantee('verifier'));
  });
  const cmk = Object.values(synth.resources('aws_kms_key')).find((k) => k.enable_key_rotation)!;

  it('creates a rotating CMK with an alias', () => {
    expect(cmk.deletion_window_in_days).toBe(30);
    expect(Testing.toHaveResourceWithProperties(synth.json, 'aws_kms_alias', { name: 'alias/test-data' })).toBe(true);
  });

  it('key policy: account root administers; every service principal is pinned to this account (no confused deputy)', () => {
    const policy = JSON.parse(cmk.policy);
    const [root, logs, alarms] = policy.Statement;
    expect(root.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
    expect(logs.Principal).toEqual({ Service: `logs.${REGION}.amazonaws.com` });
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe(`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:*`);
    expect(alarms.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(alarms.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(alarms.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:test-*` },
    });
    for (const statement of policy.Statement.filter((s: { Principal: object }) => 'Service' in s.Principal)) {
      expect(statement.Condition).toBeDefined();
      expect(statement.Action).not.toContain('kms:*');
    }
    expect(policy.Statement).toHaveLength(3);
  });

  it('grantSecretRead: GetSecretValue on the secret only, Decrypt through Secrets Manager only', () => {
    const statements = synth.statements('reader');
    expect(actionsOf(statements)).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    expect(statements[0].Resource).toEqual([SECRET_ARN]);
    expect(statements[1].Condition).toEqual({ StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } });
  });

  it('grantEncryptDecrypt: exact KMS actions on the key ARN', () => {
    const [statement] = synth.statements('crypto');
    expect(statement.Action.sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(statement.Resource).toEqual([ref('aws_kms_key', cmk, synth, 'arn')]);
  });

  it('signing key: ECC P-256 SIGN_VERIFY, policy delegates to IAM only; the issuer signs, verifiers read the public key', () => {
    const key = Object.values(synth.resources('aws_kms_key')).find((k) => k.key_usage === 'SIGN_VERIFY')!;
    expect(key.customer_master_key_spec).toBe('ECC_NIST_P256');
    expect(key.enable_key_rotation).toBeUndefined();
    expect(JSON.parse(key.policy).Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` } }),
    ]);
    const arn = ref('aws_kms_key', key, synth, 'arn');
    expect(synth.statements('issuer')).toEqual([{ Effect: 'Allow', Action: ['kms:Sign'], Resource: [arn] }]);
    expect(synth.statements('verifier')).toEqual([{ Effect: 'Allow', Action: ['kms:GetPublicKey'], Resource: [arn] }]);
  });

  it('data-store security group has no rules of its own; connections write both halves of one path', () => {
    const group = synth.only('aws_security_group');
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    const groupId = ref('aws_security_group', group, synth, 'id');
    const ingress = synth.only('aws_vpc_security_group_ingress_rule');
    expect(ingress).toMatchObject({ security_group_id: groupId, from_port: 5432, to_port: 5432, ip_protocol: 'tcp', referenced_security_group_id: 'sg-app' });
    expect(ingress.cidr_ipv4).toBeUndefined();
    expect(synth.only('aws_vpc_security_group_egress_rule')).toMatchObject({
      security_group_id: 'sg-app',
      referenced_security_group_id: groupId,
      from_port: 5432,
      to_port: 5432,
    });
  });

  it('rejects a path to a group without a port, and a key without a needed service use', () => {
    synthDataPlane(({ scope, kmsKey }) => {
      expect(() => new Connections('client', 'sg-1').allowFrom(scope, new Connections('other', 'sg-2'))).toThrow(/has no port/);
      const bare = new KmsKey(scope, 'bare', { name: 'bare', description: 'x', accountId: ACCOUNT_ID, region: REGION });
      expect(() => bare.requireServiceUse('cloudwatchAlarmNamePattern', 'AlarmTopic t')).toThrow(
        /AlarmTopic t: KMS key "alias\/bare" must admit "cloudwatchAlarmNamePattern"/,
      );
      expect(() => kmsKey.requireServiceUse('logs', 'ok')).not.toThrow();
    });
  });
});
