/**
 * One stack per catalog service: what a service owns, how its needs are bound (grant + network
 * path + environment together), its task hardening, scaling and alarms.
 */
import { CONTAINER_USER } from '../../modules/microservice/task-definition';
import { capacityProviderStrategy } from '../../modules/microservice/microservice';
import { QUEUE_CONSUME_ACTIONS } from '../../modules/queue/queue';
import { catalog, findService, postgresRoles, type Catalog, type ServiceSpec } from '../../services/catalog';
import { containers, plainEnvironment, synthEnvironment, type SynthesizedStack } from './support/stacks';

const remote = (output: string) => `\${data.terraform_remote_state.platform.outputs.${output}}`;

describe('service stacks (prod)', () => {
  const prod = synthEnvironment('prod');
  const user = prod.services.user!;
  const payment = prod.services.payment!;
  const notification = prod.services.notification!;
  const container = (s: SynthesizedStack, family: string) => containers(s)[family]!;

  it('reads the platform from its remote state and declares exactly one variable, image_tag, without a default', () => {
    for (const stack of Object.values(prod.services)) {
      expect(stack.parsed.data.terraform_remote_state.platform).toEqual({
        backend: 's3',
        config: { bucket: 'example-platform-tfstate-333333333333', key: 'prod/platform.tfstate', region: 'eu-west-1' },
      });
      expect(Object.keys(stack.parsed.variable)).toEqual(['image_tag']);
      expect(stack.parsed.variable.image_tag.default).toBeUndefined();
      expect(stack.parsed.variable.image_tag.validation).toHaveLength(1);
    }
    expect(user.parsed.terraform.backend.s3).toMatchObject({ key: 'prod/services/user.tfstate', encrypt: true, use_lockfile: true });
  });

  it('runs an OpenTelemetry collector sidecar: not essential, health-checked, a small fixed share, non-root', () => {
    const [app, collector] = JSON.parse(
      Object.values(user.resources('aws_ecs_task_definition')).find((t) => t.family === 'platform-prod-user')!.container_definitions,
    );
    expect(collector).toMatchObject({
      name: 'otel-collector',
      essential: false,
      cpu: 64,
      memory: 128,
      user: '10001:10001',
      readonlyRootFilesystem: true,
      healthCheck: { command: ['CMD', '/healthcheck'] },
    });
    expect(collector.image).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
    const config = JSON.parse(collector.environment.find((e: { name: string }) => e.name === 'AOT_CONFIG_CONTENT').value);
    expect(config.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'tail_sampling', 'batch'], exporters: ['awsxray'] });
    expect(config.processors.tail_sampling.policies).toEqual([
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
      { name: 'ratio', type: 'probabilistic', probabilistic: { sampling_percentage: 5 } },
    ]);
    expect(config.exporters.awsemf).toMatchObject({ namespace: 'platform/prod', log_group_name: expect.stringMatching(/aws_cloudwatch_log_group/) });
    expect(plainEnvironment(app)).toMatchObject({ OTEL_SERVICE_NAME: 'user', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    // Least privilege: traces to X-Ray, EMF into its own log group; no cloudwatch:PutMetricData at all.
    const telemetry = user.roleStatements('platform-prod-user-task').filter((s) => s.Action.some((a) => /^(xray|logs|cloudwatch):/.test(a)));
    expect(telemetry.flatMap((s) => s.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    // dev keeps every trace: no tail sampling.
    const devCollector = JSON.parse(Object.values(synthEnvironment('dev').services.user!.resources('aws_ecs_task_definition')).find((t) => t.family === 'platform-dev-user')!.container_definitions)[1];
    const devConfig = JSON.parse(devCollector.environment[0].value);
    expect(devConfig.service.pipelines.traces.processors).toEqual(['memory_limiter', 'batch']);
  });

  it('runs an ARM64 Fargate task as a non-root user with a read-only root filesystem and a /tmp volume', () => {
    const task = Object.values(user.resources('aws_ecs_task_definition')).find((t) => t.family === 'platform-prod-user')!;
    expect(task).toMatchObject({
      requires_compatibilities: ['FARGATE'],
      network_mode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      runtime_platform: { cpu_architecture: 'ARM64', operating_system_family: 'LINUX' },
      volume: [{ name: 'tmp' }],
    });
    for (const c of Object.values(containers(user))) {
      expect(c.user).toBe(CONTAINER_USER);
      expect(c.user).not.toMatch(/^(0|root)(:|$)/);
      expect(c.readonlyRootFilesystem).toBe(true);
      expect(c.mountPoints).toEqual([{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }]);
      expect(c.linuxParameters.capabilities.drop).toEqual(['ALL']);
      expect(c.image).toBe(`${remote('repositories_user_url')}:\${var.image_tag}`);
      expect(c.logConfiguration.logDriver).toBe('awslogs');
    }
  });

  it('binds postgres with IAM authentication as its own role: no password, no master secret in the service', () => {
    const env = plainEnvironment(container(user, 'platform-prod-user'));
    expect(env).toMatchObject({
      DATABASE_HOST: remote('postgres_endpoint'),
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'users',
      DATABASE_USER: postgresRoles('user').app,
      DATABASE_AUTH: 'iam',
      DATABASE_SSL: 'verify-full',
    });
    expect(env).not.toHaveProperty('DATABASE_PASSWORD');
    expect(container(user, 'platform-prod-user').secrets).toEqual([]);
    const connect = user.roleStatements('platform-prod-user-task').filter((s) => s.Action.includes('rds-db:connect'));
    expect(connect).toEqual([
      {
        Effect: 'Allow',
        Action: ['rds-db:connect'],
        Resource: [`arn:aws:rds-db:eu-west-1:333333333333:dbuser:${remote('postgres_cluster_resource_id')}/user_app`],
      },
    ]);
    // Neither service role may read the master secret.
    for (const role of ['platform-prod-user-task', 'platform-prod-user-execution']) {
      expect(JSON.stringify(user.roleStatements(role))).not.toContain('postgres_master_secret_arn');
    }
  });

  it('runs migrations as a one-off task that alone reads the master secret', () => {
    const migrate = container(user, 'platform-prod-user-migrate');
    expect(migrate.command).toEqual(['main.js', 'migrate']);
    expect(migrate.secrets).toEqual([
      { name: 'DATABASE_ADMIN_USER', valueFrom: `${remote('postgres_master_secret_arn')}:username::` },
      { name: 'DATABASE_ADMIN_PASSWORD', valueFrom: `${remote('postgres_master_secret_arn')}:password::` },
    ]);
    expect(plainEnvironment(migrate)).toMatchObject({ DATABASE_APP_ROLE: 'user_app', DATABASE_MIGRATOR_ROLE: 'user_migrator' });
    const read = user.roleStatements('platform-prod-user-migrate-execution').filter((s) => s.Action.includes('secretsmanager:GetSecretValue'));
    expect(read.flatMap((s) => s.Resource)).toEqual([remote('postgres_master_secret_arn')]);
    expect(user.roleStatements('platform-prod-user-migrate-task')).toEqual([]);
    expect(user.parsed.output.migrate_task_definition_arn.value).toMatch(/aws_ecs_task_definition\./);
  });

  it('only the token issuer may sign access tokens; every service may read their public keys', () => {
    const signs = (spec: ServiceSpec) =>
      prod.services[spec.name]!.roleStatements(`platform-prod-${spec.name}-task`).filter((st) => st.Action.includes('kms:Sign')).flatMap((st) => st.Resource);
    const signers = catalog.services.filter((s) => signs(s).includes(remote('token_keys_signing_key_arn')));
    expect(signers.map((s) => s.name)).toEqual(catalog.services.filter((s) => s.needs.tokens === 'sign').map((s) => s.name));
    for (const spec of catalog.services) {
      const statements = prod.services[spec.name]!.roleStatements(`platform-prod-${spec.name}-task`);
      const publicKeys = statements.filter((s) => s.Action.includes('kms:GetPublicKey')).flatMap((s) => s.Resource);
      expect(publicKeys).toContain(remote('token_keys_verify_key_arns_k1'));
      expect(plainEnvironment(container(prod.services[spec.name]!, `platform-prod-${spec.name}`)).TOKEN_VERIFY_KMS_KEYS).toBe(
        remote('token_keys_verify_key_arns_k1'),
      );
    }
    expect(plainEnvironment(container(user, 'platform-prod-user')).TOKEN_SIGNING_KMS_KEY).toBe(remote('token_keys_signing_key_arn'));
    expect(plainEnvironment(container(payment, 'platform-prod-payment'))).not.toHaveProperty('TOKEN_SIGNING_KMS_KEY');
  });

  it('the payment task role reaches its own tables and the events queue only', () => {
    const statements = payment.roleStatements('platform-prod-payment-task');
    const resources = statements.flatMap((s) => s.Resource).join(' ');
    expect(resources).not.toContain('notifications');
    expect(resources).not.toContain('rds-db');
    for (const table of ['payments', 'idempotency_keys', 'payment_outbox']) expect(resources).toContain(remote(`tables_${table}_arn`));
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:'))).flatMap((s) => s.Action)).toEqual(['sqs:SendMessage']);
    expect(payment.resources('aws_vpc_security_group_egress_rule')).not.toEqual({});
    const egressPorts = Object.values(payment.resources('aws_vpc_security_group_egress_rule')).map((r) => r.from_port);
    expect(egressPorts).not.toContain(5432);
    expect(egressPorts).not.toContain(6379);
  });

  it('the notification service consumes its queue (and scales on its backlog) and sends e-mail from the identity', () => {
    const statements = notification.roleStatements('platform-prod-notification-task');
    const sqs = statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => s.Action).sort()).toEqual([...QUEUE_CONSUME_ACTIONS].sort());
    expect(sqs.flatMap((s) => s.Resource)).toEqual([remote('queues_events_arn')]);
    expect(statements.find((s) => s.Action.includes('ses:SendEmail'))!.Resource).toEqual(['arn:aws:ses:eu-west-1:333333333333:identity/example.com']);
    expect(plainEnvironment(container(notification, 'platform-prod-notification'))).toMatchObject({
      QUEUE_EVENTS_URL: remote('queues_events_url'),
      QUEUE_EVENTS_DLQ_URL: remote('queues_events_dlq_url'),
      TABLE_NOTIFICATIONS: remote('tables_notifications_name'),
      NOTIFICATION_SENDER: 'ses',
      SES_FROM_ADDRESS: 'no-reply@example.com',
    });
    const backlog = Object.values(notification.resources('aws_appautoscaling_policy')).find((p) => p.name === 'platform-prod-notification-backlog')!;
    const metrics = backlog.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics;
    expect(metrics.map((m: { id: string }) => m.id)).toEqual(['visible', 'tasks', 'backlog_per_task']);
    expect(metrics[0].metric_stat.metric.dimensions).toEqual([{ name: 'QueueName', value: remote('queues_events_name') }]);
  });

  it('each stack owns its paths: ALB to itself, and itself to its data stores and the services it calls', () => {
    const group = (name: string) => remote(`services_${name}_security_group_id`);
    for (const spec of catalog.services) {
      const stack = prod.services[spec.name]!;
      const sg = group(spec.name);
      const ingress = Object.values(stack.resources('aws_vpc_security_group_ingress_rule'));
      expect(ingress.filter((r) => r.security_group_id === sg).map((r) => [r.referenced_security_group_id, r.from_port])).toEqual([
        [remote('load_balancer_security_group_id'), spec.containerPort],
      ]);
      const outward = ingress.filter((r) => r.security_group_id !== sg);
      const expected = [
        ...(spec.needs.postgres ? [[remote('postgres_security_group_id'), 5432]] : []),
        ...(spec.needs.cache ? [[remote('cache_security_group_id'), 6379]] : []),
        ...(spec.needs.calls ?? []).map((callee) => [group(callee), findService(callee).containerPort]),
      ];
      expect(outward.map((r) => [r.security_group_id, r.from_port]).sort()).toEqual(expected.sort());
      for (const rule of outward) expect(rule.referenced_security_group_id).toBe(sg);
      const egress = Object.values(stack.resources('aws_vpc_security_group_egress_rule')).filter((r) => r.security_group_id === sg);
      expect(egress.filter((r) => r.cidr_ipv4).map((r) => [r.cidr_ipv4, r.from_port])).toEqual([['0.0.0.0/0', 443]]);
    }
  });

  it('only the services that declare a call reach the callee, and each call is authenticated with the caller\'s own key', () => {
    const group = (name: string) => remote(`services_${name}_security_group_id`);
    for (const callee of catalog.services) {
      const reaching = catalog.services.filter((caller) =>
        Object.values(prod.services[caller.name]!.resources('aws_vpc_security_group_ingress_rule')).some(
          (r) => r.security_group_id === group(callee.name) && r.referenced_security_group_id === group(caller.name),
        ),
      );
      expect(reaching.map((s) => s.name).sort()).toEqual(catalog.services.filter((s) => s.needs.calls?.includes(callee.name)).map((s) => s.name).sort());
    }
    // Callers: their own key signs; the callee's URL is the Service Connect alias.
    for (const caller of catalog.services.filter((s) => s.needs.calls?.length)) {
      const stack = prod.services[caller.name]!;
      const signs = stack.roleStatements(`platform-prod-${caller.name}-task`).filter((s) => s.Action.includes('kms:Sign')).flatMap((s) => s.Resource);
      expect(signs).toEqual([remote(`caller_keys_${caller.name}`)]);
      const env = plainEnvironment(container(stack, `platform-prod-${caller.name}`));
      expect(env.SERVICE_TOKEN_KMS_KEY).toBe(remote(`caller_keys_${caller.name}`));
      for (const callee of caller.needs.calls!) expect(env[`SERVICE_${callee.toUpperCase()}_URL`]).toBe(`http://${callee}:${findService(callee).containerPort}`);
    }
    // Callees: the public keys of exactly their declared callers.
    const callers = catalog.services.filter((s) => s.needs.calls?.includes('user')).map((s) => s.name);
    const userEnv = plainEnvironment(container(user, 'platform-prod-user'));
    expect(userEnv.SERVICE_CALLER_KMS_KEYS).toBe(callers.map((c) => `${c}=${remote(`caller_keys_${c}`)}`).join(','));
    const userKeys = user.roleStatements('platform-prod-user-task').filter((s) => s.Action.includes('kms:GetPublicKey')).flatMap((s) => s.Resource);
    for (const c of callers) expect(userKeys).toContain(remote(`caller_keys_${c}`));
    expect(plainEnvironment(container(payment, 'platform-prod-payment'))).not.toHaveProperty('SERVICE_CALLER_KMS_KEYS');
  });

  it('deploys with a circuit breaker and rollback, health-check grace, and ignores desired_count drift', () => {
    expect(user.only('aws_ecs_service')).toMatchObject({
      cluster: remote('cluster_arn'),
      deployment_circuit_breaker: { enable: true, rollback: true },
      health_check_grace_period_seconds: 60,
      desired_count: 3,
      lifecycle: { ignore_changes: ['desired_count'] },
      load_balancer: [{ container_name: 'user', container_port: 3001 }],
      network_configuration: { assign_public_ip: false, subnets: remote('network_private_subnet_ids') },
    });
  });

  it('routes its catalog paths through listener rules on the platform listener', () => {
    for (const spec of catalog.services) {
      const rules = Object.values(prod.services[spec.name]!.resources('aws_lb_listener_rule'));
      expect(rules.map((r) => [r.priority, r.condition[0].path_pattern.values]).sort()).toEqual(
        spec.routes.map((r) => [r.priority, [...r.pathPatterns]]).sort(),
      );
      for (const rule of rules) expect(rule.listener_arn).toBe(remote('load_balancer_https_listener_arn'));
    }
  });

  it('scales on CPU, memory and requests per target; consumers also on backlog per task', () => {
    const names = (s: SynthesizedStack) => Object.values(s.resources('aws_appautoscaling_policy')).map((p) => p.name).sort();
    expect(names(user)).toEqual(['platform-prod-user-cpu', 'platform-prod-user-memory', 'platform-prod-user-requests']);
    expect(names(notification)).toContain('platform-prod-notification-backlog');
    const memory = Object.values(user.resources('aws_appautoscaling_policy')).find((p) => p.name === 'platform-prod-user-memory')!;
    expect(memory.target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: findService('user').scaling.memoryTargetPercent,
      predefined_metric_specification: { predefined_metric_type: 'ECSServiceAverageMemoryUtilization' },
      scale_in_cooldown: 120,
      scale_out_cooldown: 30,
    });
    expect(user.only('aws_appautoscaling_target')).toMatchObject({ min_capacity: 3, max_capacity: 12 });
  });

  it('alarms on tasks below minimum, CPU, memory and unhealthy targets, and draws its own dashboard', () => {
    // The SLO alarms on application metrics are the subject of slo-alarms.test.ts.
    const alarms = Object.values(user.resources('aws_cloudwatch_metric_alarm'))
      .map((a) => a.alarm_name)
      .filter((name) => !name.includes('-slo-'))
      .sort();
    expect(alarms).toEqual([
      'platform-prod-user-cpu-high',
      'platform-prod-user-memory-high',
      'platform-prod-user-running-below-min',
      'platform-prod-user-unhealthy-targets',
    ]);
    const dashboard = user.only('aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('platform-prod-user');
    const titles = JSON.parse(dashboard.dashboard_body).widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles.slice(0, 4)).toEqual(['CPU and memory %', 'Running tasks', 'Requests and 5xx', 'Response time p50 / p99 (s)']);
  });

  it('splits capacity between FARGATE and FARGATE_SPOT from the Spot share', () => {
    expect(capacityProviderStrategy(0)).toEqual([{ capacityProvider: 'FARGATE', base: 1, weight: 1 }]);
    expect(capacityProviderStrategy(50)).toEqual([
      { capacityProvider: 'FARGATE', base: 1, weight: 50 },
      { capacityProvider: 'FARGATE_SPOT', weight: 50 },
    ]);
    expect(capacityProviderStrategy(100)).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  });
});

describe('a service with no needs', () => {
  const bare: ServiceSpec = {
    ...findService('payment'),
    name: 'echo',
    containerPort: 3099,
    routes: [{ pathPatterns: ['/echo'], priority: 900 }],
    needs: {},
  };
  const withEcho: Catalog = { ...catalog, services: [...catalog.services, bare] };

  it('synthesizes: its task role holds only what the telemetry collector needs', () => {
    const env = synthEnvironment('dev', { catalog: withEcho });
    const echo = env.services.echo!;
    expect(echo.roleStatements('platform-dev-echo-task').flatMap((s) => s.Action).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(env.platform.parsed.output.repositories_echo_url).toBeDefined();
  });
});

describe('a role granted nothing', () => {
  it('has no inline policy at all (the migration task role of a service that owns a database)', () => {
    const user = synthEnvironment('dev').services.user!;
    const roles = Object.values(user.resources('aws_iam_role_policy')).map((p) => p.role);
    expect(roles).not.toContain(user.ref('aws_iam_role', (r) => r.name === 'platform-dev-user-migrate-task', 'name'));
  });
});
