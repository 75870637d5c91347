import { imageTagVariable } from '../../modules/platform-stack';
import { QUEUE_CONSUME_ACTIONS } from '../../modules/queue/queue';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { synthPlatform, type IamStatement, type SynthesizedPlatform } from './support/platform';

/** Actions AWS does not scope to resources: the only ones allowed on Resource "*". */
const RESOURCE_WILDCARD_ALLOWED = ['ecr:GetAuthorizationToken'];

const stacks = {} as Record<(typeof ENVIRONMENT_NAMES)[number], SynthesizedPlatform>;
beforeAll(() => {
  for (const env of ENVIRONMENT_NAMES) stacks[env] = synthPlatform(env);
});

const identityPolicies = (s: SynthesizedPlatform): IamStatement[] =>
  [...Object.values(s.resources('aws_iam_role_policy')), ...Object.values(s.resources('aws_iam_policy'))].flatMap(
    (p) => JSON.parse(p.policy).Statement,
  );
const resourcesOf = (statements: IamStatement[]) => statements.flatMap((s) => s.Resource);

describe.each(ENVIRONMENT_NAMES)('%s stack', (env) => {
  it('calls no data source (AZs, account, zones come from config)', () => {
    expect(stacks[env].parsed.data).toBeUndefined();
  });

  it('grants no wildcard action, and Resource "*" only to actions without resource-level permissions', () => {
    const statements = identityPolicies(stacks[env]);
    expect(statements.length).toBeGreaterThan(10);
    for (const s of statements) {
      for (const action of s.Action) expect(action === '*' || action.endsWith(':*')).toBe(false);
      if (s.Resource.includes('*')) expect(s.Action.every((a) => RESOURCE_WILDCARD_ALLOWED.includes(a))).toBe(true);
    }
    // No policy document anywhere (key, bucket, topic, queue policies too) allows Action "*".
    expect(stacks[env].json).not.toMatch(/\\"Action\\":\\"\*\\"/);
  });

  it('contains no secret literal', () => {
    const s = stacks[env];
    // Secret values exist only as write-only arguments fed by ephemeral resources (never in state).
    for (const version of Object.values(s.resources('aws_secretsmanager_secret_version'))) {
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo).toMatch(/^\$\{ephemeral\./);
    }
    for (const cluster of Object.values(s.resources('aws_rds_cluster'))) {
      expect(cluster.master_password).toBeUndefined();
      expect(cluster.manage_master_user_password).toBe(true);
    }
    for (const group of Object.values(s.resources('aws_elasticache_replication_group'))) expect(group.auth_token).toBeUndefined();
    const secretEnv = new Set(['JWT_SECRET', 'DATABASE_PASSWORD', 'DATABASE_USER']);
    for (const task of Object.values(s.resources('aws_ecs_task_definition'))) {
      for (const container of JSON.parse(task.container_definitions)) {
        expect(container.environment.filter((e: { name: string }) => secretEnv.has(e.name))).toEqual([]);
        for (const secret of container.secrets) expect(secret.valueFrom).toMatch(/^\$\{aws_(secretsmanager_secret|rds_cluster)\./);
      }
    }
  });

  it('tiers security groups: Aurora and the cache admit only the services that need them', () => {
    const s = stacks[env];
    const serviceSg = (name: string) => s.ref('aws_security_group', (g) => g.name === `platform-${env}-${name}-service`, 'id');
    const ingressTo = (groupName: string) => {
      const group = s.ref('aws_security_group', (g) => g.name === groupName, 'id');
      return Object.values(s.resources('aws_vpc_security_group_ingress_rule')).filter((r) => r.security_group_id === group);
    };
    const needing = (need: 'postgres' | 'cache') => catalog.services.filter((svc) => svc.needs[need]).map((svc) => serviceSg(svc.name)).sort();
    const aurora = ingressTo(`platform-${env}-aurora`);
    expect(aurora.map((r) => r.referenced_security_group_id).sort()).toEqual(needing('postgres'));
    expect(aurora.every((r) => r.from_port === 5432 && r.to_port === 5432 && !r.cidr_ipv4)).toBe(true);
    const cache = Object.values(s.resources('aws_vpc_security_group_ingress_rule')).filter((r) => r.from_port === 6379);
    expect(cache.map((r) => r.referenced_security_group_id).sort()).toEqual(needing('cache'));
    // Services that do not need a store have no egress towards it either.
    const egress = Object.values(s.resources('aws_vpc_security_group_egress_rule'));
    expect(egress.filter((r) => r.security_group_id === serviceSg('payment') && [5432, 6379].includes(r.from_port))).toEqual([]);
    // Each service admits only the ALB, on its own port.
    for (const svc of catalog.services) {
      const rules = Object.values(s.resources('aws_vpc_security_group_ingress_rule')).filter((r) => r.security_group_id === serviceSg(svc.name));
      expect(rules.map((r) => [r.referenced_security_group_id, r.from_port])).toEqual([[s.ref('aws_security_group', (g) => g.name === `platform-${env}-alb`, 'id'), svc.containerPort]]);
    }
  });

  it('takes each image tag from a validated Terraform variable defaulting to the config', () => {
    for (const svc of catalog.services) {
      const variable = stacks[env].parsed.variable[imageTagVariable(svc.name)];
      expect(variable).toMatchObject({ type: 'string', default: 'bootstrap' });
      expect(variable.validation).toHaveLength(1);
    }
  });
});

describe('least privilege (prod)', () => {
  let prod: SynthesizedPlatform;
  let auroraSecret: string;
  beforeAll(() => {
    prod = stacks.prod;
    auroraSecret = Object.keys(prod.resources('aws_rds_cluster'))[0]!;
  });

  it('the payment task role reaches its own tables and the events queue, not Aurora or the notifications table', () => {
    const statements = prod.roleStatements('platform-prod-payment-task');
    const resources = resourcesOf(statements).join(' ');
    expect(resources).not.toMatch(new RegExp(auroraSecret));
    const notificationsTable = prod.ref('aws_dynamodb_table', (t) => t.name === 'platform-prod-notifications', 'arn');
    expect(resources).not.toContain(notificationsTable);
    for (const table of ['payments', 'idempotency-keys', 'payment-outbox']) {
      expect(resources).toContain(prod.ref('aws_dynamodb_table', (t) => t.name === `platform-prod-${table}`, 'arn'));
    }
    const sqs = statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => s.Action)).toEqual(['sqs:SendMessage']);
    // Nor can its execution role read the database secret.
    expect(resourcesOf(prod.roleStatements('platform-prod-payment-execution')).join(' ')).not.toMatch(new RegExp(auroraSecret));
  });

  it('the notification task role may only consume its queue', () => {
    const statements = prod.roleStatements('platform-prod-notification-task');
    const sqs = statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => s.Action).sort()).toEqual([...QUEUE_CONSUME_ACTIONS].sort());
    expect(sqs.flatMap((s) => s.Action)).not.toContain('sqs:SendMessage');
    const queue = prod.ref('aws_sqs_queue', (q) => q.name === 'platform-prod-events', 'arn');
    expect(resourcesOf(sqs)).toEqual([queue]);
    const ses = statements.filter((s) => s.Action.includes('ses:SendEmail'));
    expect(resourcesOf(ses)).toEqual(['arn:aws:ses:eu-west-1:333333333333:identity/example.com']);
  });

  it('only the user service reads the database secret, through its execution role', () => {
    const readers = catalog.services.filter((svc) =>
      [`platform-prod-${svc.name}-task`, `platform-prod-${svc.name}-execution`].some((role) =>
        resourcesOf(prod.roleStatements(role)).some((r) => r.includes(auroraSecret)),
      ),
    );
    expect(readers.map((svc) => svc.name)).toEqual(['user']);
    expect(resourcesOf(prod.roleStatements('platform-prod-user-task')).join(' ')).not.toMatch(new RegExp(auroraSecret));
  });
});

describe('prod vs dev', () => {
  const count = (s: SynthesizedPlatform, type: string) => Object.keys(s.resources(type)).length;
  const only = (s: SynthesizedPlatform, type: string) => Object.values(s.resources(type))[0]!;

  it('prod spreads NAT per AZ and uses interface endpoints; dev has one NAT and none', () => {
    expect(count(stacks.prod, 'aws_nat_gateway')).toBe(3);
    expect(count(stacks.dev, 'aws_nat_gateway')).toBe(1);
    const interfaces = (s: SynthesizedPlatform) => Object.values(s.resources('aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Interface').length;
    expect(interfaces(stacks.prod)).toBe(6);
    expect(interfaces(stacks.dev)).toBe(0);
  });

  it('prod protects what holds data and logs ALB access; dev can be torn down', () => {
    expect(only(stacks.prod, 'aws_lb').enable_deletion_protection).toBe(true);
    expect(only(stacks.dev, 'aws_lb').enable_deletion_protection).toBe(false);
    expect(only(stacks.prod, 'aws_rds_cluster').deletion_protection).toBe(true);
    expect(only(stacks.dev, 'aws_rds_cluster').deletion_protection).toBe(false);
    expect(Object.values(stacks.prod.resources('aws_dynamodb_table')).every((t) => t.deletion_protection_enabled === true)).toBe(true);
    expect(Object.values(stacks.dev.resources('aws_dynamodb_table')).every((t) => t.deletion_protection_enabled === false)).toBe(true);
    expect(only(stacks.prod, 'aws_lb').access_logs.enabled).toBe(true);
    expect(count(stacks.dev, 'aws_s3_bucket')).toBe(0);
  });

  it('prod runs a reader in another AZ, a Multi-AZ cache, and no more than half on Spot', () => {
    const azs = Object.values(stacks.prod.resources('aws_rds_cluster_instance')).map((i) => i.availability_zone);
    expect(azs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(azs).size).toBe(azs.length);
    expect(only(stacks.prod, 'aws_elasticache_replication_group')).toMatchObject({ multi_az_enabled: true, automatic_failover_enabled: true });
    for (const service of Object.values(stacks.prod.resources('aws_ecs_service'))) {
      expect(service.capacity_provider_strategy.map((c: { capacity_provider: string }) => c.capacity_provider)).toEqual(['FARGATE']);
      expect(service.desired_count).toBeGreaterThanOrEqual(2);
    }
    for (const service of Object.values(stacks.dev.resources('aws_ecs_service'))) {
      expect(service.capacity_provider_strategy).toEqual([{ capacity_provider: 'FARGATE_SPOT', weight: 1 }]);
    }
  });
});

describe('real mode vs validation mode', () => {
  it('real mode: S3 backend with lockfile and encryption, allowed account, default tags', () => {
    const { terraform, provider } = stacks.prod.parsed;
    expect(terraform.backend.s3).toMatchObject({ key: 'prod/platform.tfstate', encrypt: true, use_lockfile: true });
    expect(terraform.required_providers.aws.version).toBe('5.100.0');
    // Write-only secret values need Terraform >= 1.11 (docs/decisions/0006).
    expect(terraform.required_version).toBe('>= 1.11.0');
    expect(provider.aws[0].allowed_account_ids).toEqual(['333333333333']);
    expect(provider.aws[0].default_tags[0].tags).toEqual({ Environment: 'prod', Service: 'platform', ManagedBy: 'cdktf', CostCenter: 'platform-prod' });
  });

  it('validation mode: local backend and an offline provider, every resource identical', () => {
    const validation = synthPlatform('dev', true);
    const { terraform, provider } = validation.parsed;
    expect(terraform.backend).toEqual({ local: { path: 'dev-platform.tfstate' } });
    expect(provider.aws[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
      skip_region_validation: true,
    });
    expect(validation.parsed.resource).toEqual(stacks.dev.parsed.resource);
  });
});
