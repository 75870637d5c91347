/**
 * The stack topology of every environment: what the platform owns, the stack boundaries, the
 * platform → service contract, least privilege and secrets across stacks, prod vs dev, and real vs
 * validation mode.
 */
import { contractOutputs, placeholderContract } from '../../modules/stacks/platform-contract';
import { OPERATOR_OUTPUTS } from '../../modules/stacks/platform-stack';
import { loadEnvironments } from '../../envs';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { containers, synthEnvironment, type IamStatement, type SynthesizedStack } from './support/stacks';

/** Actions AWS does not scope to resources: the only ones allowed on Resource "*". */
const RESOURCE_WILDCARD_ALLOWED = ['ecr:GetAuthorizationToken', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

const identityPolicies = (s: SynthesizedStack): IamStatement[] =>
  [...Object.values(s.resources('aws_iam_role_policy')), ...Object.values(s.resources('aws_iam_policy'))].flatMap(
    (p) => JSON.parse(p.policy).Statement,
  );

const isOperatorOutput = (name: string) => (OPERATOR_OUTPUTS as readonly string[]).includes(name);

/** Resource types that only the platform may own (shared by every service). */
const PLATFORM_ONLY = [
  'aws_vpc',
  'aws_kms_key',
  'aws_rds_cluster',
  'aws_elasticache_replication_group',
  'aws_dynamodb_table',
  'aws_sqs_queue',
  'aws_lb',
  'aws_lb_listener',
  'aws_cloudfront_distribution',
  'aws_wafv2_web_acl',
  'aws_route53_record',
  'aws_ecs_cluster',
  'aws_ecr_repository',
  'aws_sns_topic',
];

describe.each(ENVIRONMENT_NAMES)('%s', (env) => {
  const stacks = synthEnvironment(env);

  it('has one platform stack and one stack per catalog service, each with its own state key', () => {
    expect(stacks.platform.name).toBe(`${env}-platform`);
    expect(Object.keys(stacks.services).sort()).toEqual(catalog.services.map((s) => s.name).sort());
    const keys = stacks.all.map((s) => s.parsed.terraform.backend.s3.key);
    expect(keys).toEqual([`${env}/platform.tfstate`, ...catalog.services.map((s) => `${env}/services/${s.name}.tfstate`)]);
    for (const s of stacks.all) expect(s.parsed.terraform.backend.s3).toMatchObject({ encrypt: true, use_lockfile: true });
  });

  it('calls no data source that reaches AWS (the only data source is the platform remote state)', () => {
    expect(stacks.platform.parsed.data).toBeUndefined();
    for (const s of Object.values(stacks.services)) expect(Object.keys(s.parsed.data)).toEqual(['terraform_remote_state']);
  });

  it('no resource is owned by two stacks, and shared resources live in the platform only', () => {
    const names = (s: SynthesizedStack) =>
      Object.entries(s.parsed.resource ?? {})
        // An inline role policy's name is unique per role, not per account.
        .filter(([type]) => type !== 'aws_iam_role_policy')
        .flatMap(([type, byId]) =>
        Object.values(byId as Record<string, Record<string, unknown>>).flatMap((r) => {
          // A for_each resource names each instance itself (e.g. certificate validation records).
          if (r.for_each) return [];
          const name = r.name ?? r.family ?? r.alarm_name ?? r.dashboard_name;
          // DNS records are unique per name and type (A and AAAA share the name).
          const key = type === 'aws_route53_record' ? `${name}/${r.type}` : name;
          return typeof name === 'string' ? [`${type}:${key}`] : [];
        }),
      );
    const all = stacks.all.flatMap(names);
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
    for (const s of Object.values(stacks.services)) {
      for (const type of PLATFORM_ONLY) expect(Object.keys(s.resources(type))).toEqual([]);
    }
  });

  it("no service stack contains another service's resources", () => {
    for (const [name, stack] of Object.entries(stacks.services)) {
      const others = catalog.services.map((s) => s.name).filter((n) => n !== name);
      const named = JSON.stringify(stack.parsed.resource);
      for (const other of others) expect(named).not.toMatch(new RegExp(`platform-${env}-${other}\\b`));
    }
  });

  it("the contract's keys are exactly the platform's contract outputs, and the services read only those", () => {
    const config = loadEnvironments()[env];
    const expected = Object.keys(contractOutputs(placeholderContract(catalog, config))).sort();
    const published = Object.keys(stacks.platform.parsed.output).filter((o) => !isOperatorOutput(o)).sort();
    expect(published).toEqual(expected);
    for (const s of Object.values(stacks.services)) {
      const read = [...s.json.matchAll(/data\.terraform_remote_state\.platform\.outputs\.(\w+)/g)].map((m) => m[1]!);
      for (const output of read) expect(expected).toContain(output);
    }
  });

  it('grants no wildcard action, and Resource "*" only to actions without resource-level permissions', () => {
    for (const s of stacks.all) {
      for (const statement of identityPolicies(s)) {
        for (const action of statement.Action) expect(action === '*' || action.endsWith(':*')).toBe(false);
        if (statement.Resource.includes('*')) expect(statement.Action.every((a) => RESOURCE_WILDCARD_ALLOWED.includes(a))).toBe(true);
      }
    }
  });

  it('contains no secret value: no password argument, no secret in any container environment', () => {
    for (const s of stacks.all) {
      expect(s.json).not.toMatch(/"(master_password|auth_token|secret_string|password)"\s*:/);
      for (const container of Object.values(containers(s))) {
        const names = container.environment.map((e: { name: string }) => e.name);
        expect(names.filter((n: string) => /PASSWORD|SECRET|PRIVATE/.test(n))).toEqual([]);
        for (const secret of container.secrets) expect(secret.valueFrom).toMatch(/^\$\{data\.terraform_remote_state\.platform\.outputs\.postgres_master_secret_arn\}:/);
      }
    }
    for (const cluster of Object.values(stacks.platform.resources('aws_rds_cluster'))) expect(cluster.manage_master_user_password).toBe(true);
  });

  it('publishes per catalog service an ECR repository and an empty security group; signing keys per token key and per caller', () => {
    const repositories = Object.values(stacks.platform.resources('aws_ecr_repository'));
    expect(repositories.map((r) => r.name).sort()).toEqual(catalog.services.map((s) => `platform/${s.name}`).sort());
    const groups = Object.values(stacks.platform.resources('aws_security_group')).filter((g) => /-service$/.test(g.name));
    expect(groups.map((g) => g.name).sort()).toEqual(catalog.services.map((s) => `platform-${env}-${s.name}-service`).sort());
    for (const group of groups) expect([group.ingress, group.egress]).toEqual([undefined, undefined]);
    const aliases = Object.values(stacks.platform.resources('aws_kms_alias')).map((a) => a.name);
    const tokenKeys = loadEnvironments()[env].tokens.keys.map((k) => `alias/platform-${env}-access-tokens-${k}`);
    const callerKeys = catalog.services.filter((s) => s.needs.calls?.length).map((s) => `alias/platform-${env}-service-tokens-${s.name}`);
    expect(aliases.filter((a) => a.includes('tokens')).sort()).toEqual([...tokenKeys, ...callerKeys].sort());
    expect(Object.values(stacks.platform.resources('aws_kms_key')).filter((k) => k.key_usage === 'SIGN_VERIFY')).toHaveLength(tokenKeys.length + callerKeys.length);
  });

  it('joins every service to one Cloud Map HTTP namespace with Service Connect, server and client', () => {
    const namespace = stacks.platform.only('aws_service_discovery_http_namespace');
    expect(namespace.name).toBe(`platform-${env}`);
    expect(stacks.platform.parsed.output.service_connect_namespace_arn.value).toMatch(/aws_service_discovery_http_namespace\./);
    for (const spec of catalog.services) {
      const config = synthEnvironment(env).services[spec.name]!.only('aws_ecs_service').service_connect_configuration;
      expect(config).toMatchObject({
        enabled: true,
        namespace: '${data.terraform_remote_state.platform.outputs.service_connect_namespace_arn}',
        log_configuration: { log_driver: 'awslogs', options: { 'awslogs-stream-prefix': 'service-connect' } },
        service: [
          {
            port_name: 'http',
            discovery_name: spec.name,
            client_alias: { dns_name: spec.name, port: spec.containerPort },
            timeout: { per_request_timeout_seconds: 15, idle_timeout_seconds: 60 },
          },
        ],
      });
    }
  });
});

describe('prod vs dev', () => {
  const prod = synthEnvironment('prod').platform;
  const dev = synthEnvironment('dev').platform;
  const count = (s: SynthesizedStack, type: string) => Object.keys(s.resources(type)).length;

  it('prod spreads NAT per AZ and uses interface endpoints; dev has one NAT and none', () => {
    expect(count(prod, 'aws_nat_gateway')).toBe(3);
    expect(count(dev, 'aws_nat_gateway')).toBe(1);
    const interfaces = (s: SynthesizedStack) => Object.values(s.resources('aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Interface').length;
    expect(interfaces(prod)).toBe(6);
    expect(interfaces(dev)).toBe(0);
  });

  it('prod protects what holds data, keeps logs a year, monitors Aurora; dev can be torn down', () => {
    expect(prod.only('aws_lb').enable_deletion_protection).toBe(true);
    expect(dev.only('aws_lb').enable_deletion_protection).toBe(false);
    expect(prod.only('aws_rds_cluster').deletion_protection).toBe(true);
    expect(dev.only('aws_rds_cluster').deletion_protection).toBe(false);
    expect(Object.values(prod.resources('aws_dynamodb_table')).every((t) => t.deletion_protection_enabled === true)).toBe(true);
    expect(Object.values(dev.resources('aws_dynamodb_table')).every((t) => t.deletion_protection_enabled === false)).toBe(true);
    expect(Object.values(prod.resources('aws_cloudwatch_log_group')).every((g) => g.retention_in_days >= 365)).toBe(true);
    for (const service of Object.values(synthEnvironment('prod').services)) {
      for (const group of Object.values(service.resources('aws_cloudwatch_log_group'))) expect(group.retention_in_days).toBeGreaterThanOrEqual(365);
    }
    for (const instance of Object.values(prod.resources('aws_rds_cluster_instance'))) {
      expect(instance.monitoring_interval).toBeLessThanOrEqual(60);
      expect(instance.monitoring_interval).toBeGreaterThan(0);
      expect(instance.performance_insights_kms_key_id).toMatch(/aws_kms_key/);
    }
    expect(prod.only('aws_elasticache_replication_group')).toMatchObject({ final_snapshot_identifier: 'platform-prod-final' });
    expect(prod.only('aws_lb').access_logs.enabled).toBe(true);
  });

  it('prod runs a reader in another AZ, a Multi-AZ cache, and no more than half on Spot', () => {
    const azs = Object.values(prod.resources('aws_rds_cluster_instance')).map((i) => i.availability_zone);
    expect(azs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(azs).size).toBe(azs.length);
    expect(prod.only('aws_elasticache_replication_group')).toMatchObject({ multi_az_enabled: true, automatic_failover_enabled: true });
    for (const service of Object.values(synthEnvironment('prod').services)) {
      const ecs = service.only('aws_ecs_service');
      expect(ecs.capacity_provider_strategy.map((c: { capacity_provider: string }) => c.capacity_provider)).toEqual(['FARGATE']);
      expect(ecs.desired_count).toBeGreaterThanOrEqual(2);
    }
    for (const service of Object.values(synthEnvironment('dev').services)) {
      expect(service.only('aws_ecs_service').capacity_provider_strategy).toEqual([{ capacity_provider: 'FARGATE_SPOT', weight: 1 }]);
    }
  });
});

describe('real mode vs validation mode', () => {
  const real = synthEnvironment('dev');
  const validation = synthEnvironment('dev', { validationMode: true });

  it('real mode: S3 backend with lockfile and encryption, allowed account, default tags, Terraform >= 1.11', () => {
    const { terraform, provider } = synthEnvironment('prod').platform.parsed;
    expect(terraform.backend.s3).toMatchObject({ key: 'prod/platform.tfstate', encrypt: true, use_lockfile: true });
    expect(terraform.required_providers.aws.version).toBe('5.100.0');
    expect(terraform.required_version).toBe('>= 1.11.0');
    expect(provider.aws[0].allowed_account_ids).toEqual(['333333333333']);
    expect(provider.aws[0].default_tags[0].tags).toEqual({ Environment: 'prod', Service: 'platform', ManagedBy: 'cdktf', CostCenter: 'platform-prod' });
    expect(synthEnvironment('prod').services.user!.parsed.provider.aws[0].default_tags[0].tags.Service).toBe('user');
  });

  it('validation mode: local backends, offline providers, the platform read from a local state with defaults; every resource identical', () => {
    // One backend configuration for every stack (the validate harness shares one initialized directory).
    expect(validation.platform.parsed.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    const user = validation.services.user!;
    expect(user.parsed.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    for (const s of validation.all) {
      expect(s.parsed.provider.aws[0]).toMatchObject({
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: 'true',
        skip_region_validation: true,
      });
    }
    const state = user.parsed.data.terraform_remote_state.platform;
    expect(state.backend).toBe('local');
    expect(state.config).toEqual({ path: '../dev-platform/terraform.tfstate' });
    expect(Object.keys(state.defaults).sort()).toEqual(Object.keys(real.platform.parsed.output).filter((o) => !isOperatorOutput(o)).sort());
    for (const [i, s] of validation.all.entries()) expect(s.parsed.resource).toEqual(real.all[i]!.parsed.resource);
  });

  it('the modes differ only in provider credentials and the backend, for every provider of every stack', () => {
    const credentials = ['access_key', 'secret_key', 'skip_credentials_validation', 'skip_requesting_account_id', 'skip_metadata_api_check', 'skip_region_validation', 'allowed_account_ids'];
    const withoutModeSpecifics = (parsed: Record<string, any>) => ({
      ...parsed,
      terraform: { ...parsed.terraform, backend: undefined },
      provider: { aws: parsed.provider.aws.map((p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => !credentials.includes(k)))) },
      // Service stacks read the platform's state where each mode keeps it (its backend); nothing else differs.
      data: parsed.data && {
        ...parsed.data,
        terraform_remote_state: Object.fromEntries(
          Object.entries(parsed.data.terraform_remote_state).map(([id, state]) => [
            id,
            Object.fromEntries(Object.entries(state as object).filter(([k]) => !['backend', 'config', 'defaults'].includes(k))),
          ]),
        ),
      },
    });
    for (const [i, s] of validation.all.entries()) {
      expect(withoutModeSpecifics(s.parsed)).toEqual(withoutModeSpecifics(real.all[i]!.parsed));
      for (const provider of s.parsed.provider.aws) expect(provider).toMatchObject({ access_key: 'validation-mode', skip_credentials_validation: true });
      for (const provider of real.all[i]!.parsed.provider.aws) {
        expect(provider.allowed_account_ids).toEqual(['111111111111']);
        expect(provider.access_key).toBeUndefined();
      }
    }
    // The platform has the edge's us-east-1 alias in both modes.
    const regions = (parsed: Record<string, any>) => parsed.provider.aws.map((p: { alias?: string; region: string }) => [p.alias ?? 'default', p.region]);
    expect(regions(validation.platform.parsed)).toEqual([['default', 'eu-west-1'], ['edge', 'us-east-1']]);
    expect(regions(real.platform.parsed)).toEqual(regions(validation.platform.parsed));
  });
});
