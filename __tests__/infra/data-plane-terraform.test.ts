/**
 * Every data-plane module in one stack, synthesized and checked by real Terraform against the
 * provider schema (`terraform validate`) and planned offline (`terraform plan` with dummy
 * credentials): catches arguments the provider rejects, which synth-level assertions cannot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { catalog, findQueue, findService } from '../../services/catalog';
import { AuroraPostgres } from '../../modules/aurora/aurora-postgres';
import { Cache } from '../../modules/cache/cache';
import { DynamoTable } from '../../modules/dynamodb/dynamo-table';
import { AlarmTopic } from '../../modules/observability/alarm-topic';
import { PlatformDashboard } from '../../modules/observability/dashboard';
import { Queue } from '../../modules/queue/queue';
import { ServiceRepository } from '../../modules/registry/service-repository';
import { KmsKey } from '../../modules/security/kms-key';
import { PlatformSecret } from '../../modules/security/platform-secret';
import { ACCOUNT_ID, REGION } from './support/data-plane';

const MIRROR = process.env.TF_PROVIDER_MIRROR ?? '/opt/tf-plugins';
const terraform = (args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
  execFileSync('terraform', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

function synthesize(outdir: string): string {
  const app = new App({ outdir, skipValidation: false });
  const stack = new TerraformStack(app, 'data-plane');
  new LocalBackend(stack, { path: join(outdir, 'terraform.tfstate') });
  new AwsProvider(stack, 'aws', {
    region: REGION,
    accessKey: 'validation',
    secretKey: 'validation',
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
  });
  const kmsKey = new KmsKey(stack, 'cmk', {
    name: 'test-data',
    description: 'data plane',
    accountId: ACCOUNT_ID,
    region: REGION,
    servicePrincipals: [`logs.${REGION}.amazonaws.com`, 'cloudwatch.amazonaws.com'],
  });
  const topic = new AlarmTopic(stack, 'alarms', { name: 'test-alarms', kmsKey });
  new PlatformSecret(stack, 'jwt', { name: 'test/jwt-signing-key', description: 'jwt', kmsKey });
  const db = new AuroraPostgres(stack, 'db', {
    name: 'test-db',
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    availabilityZones: [`${REGION}a`, `${REGION}b`],
    kmsKey,
    minCapacityAcu: 0.5,
    maxCapacityAcu: 4,
    readerCount: 1,
    deletionProtection: true,
    backupRetentionDays: 7,
    databaseName: 'users',
    alarmTopicArn: topic.arn,
  });
  db.allowFrom('sg-0123456789abcdef0', 'user service');
  const cache = new Cache(stack, 'cache', {
    name: 'test-cache',
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    kmsKey,
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.t4g.micro',
    replicas: 1,
    multiAz: true,
    snapshotRetentionDays: 1,
    alarmTopicArn: topic.arn,
  });
  const tables = findService('payment').needs.tables!.map(
    (spec) => new DynamoTable(stack, spec.name, { spec, physicalName: `test-${spec.name}`, kmsKey, deletionProtection: true, alarmTopicArn: topic.arn }),
  );
  const queues = catalog.queues.map(
    (q) => new Queue(stack, q.name, { spec: findQueue(q.name), physicalName: `test-${q.name}`, kmsKey, alarmTopicArn: topic.arn }),
  );
  new ServiceRepository(stack, 'repo', { name: 'test/user', kmsKey });
  new PlatformDashboard(stack, 'dashboard', { name: 'test', region: REGION, aurora: db, cache, tables, queues });
  app.synth();
  return join(outdir, 'stacks', 'data-plane');
}

const describeWithTerraform = existsSync(MIRROR) ? describe : describe.skip;

describeWithTerraform(`data plane against the hashicorp/aws provider (mirror ${MIRROR})`, () => {
  const outdir = mkdtempSync(join(tmpdir(), 'data-plane-'));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(outdir, 'cli.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  let dir = '';

  beforeAll(() => {
    writeFileSync(env.TF_CLI_CONFIG_FILE, `provider_installation {\n  filesystem_mirror { path = "${MIRROR}" }\n}\n`);
    dir = synthesize(outdir);
    terraform(['init', '-input=false', '-no-color'], dir, env);
  }, 240_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('terraform validate accepts every module', () => {
    expect(terraform(['validate', '-no-color'], dir, env)).toContain('The configuration is valid');
  }, 120_000);

  it('terraform plan works offline and shows no secret value', () => {
    const plan = terraform(['plan', '-input=false', '-refresh=false', '-no-color', '-lock=false'], dir, env);
    expect(plan).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(plan).toContain('secret_string_wo         = (write-only attribute)');
    expect(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')).not.toMatch(/"(secret_string|master_password|auth_token|passwords)"/);
  }, 240_000);
});
