import { Cluster } from '../../modules/cluster/cluster';
import { LoadBalancer } from '../../modules/load-balancer/load-balancer';
import { capacityProviderStrategy, CONTAINER_USER, Microservice } from '../../modules/microservice/microservice';
import { serviceEnvironment, serviceSecrets, type RuntimeBindings } from '../../modules/microservice/runtime-contract';
import { ServiceRepository } from '../../modules/registry/service-repository';
import { catalog, findService, type ServiceSpec } from '../../services/catalog';
import { ACCOUNT_ID, ALARM_TOPIC_ARN, REGION, synthDataPlane, type Synthesized } from './support/data-plane';

const JWT_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:test/jwt-signing-key`;
const DB_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:rds!cluster-1`;
const bindings: RuntimeBindings = {
  logLevel: 'info',
  region: REGION,
  domain: 'api.example.com',
  sesFromAddress: 'no-reply@example.com',
  database: { host: 'db.cluster.local', port: 5432 },
  cache: { primaryEndpoint: 'cache.local', port: 6379, iamUserId: 'test-app', replicationGroupId: 'test' },
  tables: Object.fromEntries(catalog.services.flatMap((s) => (s.needs.tables ?? []).map((t) => [t.name, `test-${t.name}`]))),
  queues: { events: { url: 'https://sqs/events', dlqUrl: 'https://sqs/events-dlq' } },
};

function synthService(spec: ServiceSpec, spotSharePercent = 0): Synthesized {
  return synthDataPlane(({ scope, kmsKey }) => {
    const alb = new LoadBalancer(scope, 'alb', {
      name: 'test', accountId: ACCOUNT_ID, region: REGION, vpcId: 'vpc-1', publicSubnetIds: ['subnet-p1', 'subnet-p2'],
      certificateArn: `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/abc`, deletionProtection: false, idleTimeoutSeconds: 60,
      wafRateLimitPer5Minutes: 1000, alarmTopicArn: ALARM_TOPIC_ARN,
    });
    new Microservice(scope, 'svc', {
      spec,
      sizing: spec.sizing.prod,
      namePrefix: 'test',
      accountId: ACCOUNT_ID,
      region: REGION,
      cluster: new Cluster(scope, 'cluster', { name: 'test' }),
      vpcId: 'vpc-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      loadBalancer: alb,
      repository: new ServiceRepository(scope, 'ecr', { name: `platform/${spec.name}`, kmsKey }),
      imageTag: 'v1.2.3',
      environment: serviceEnvironment(spec, bindings),
      secrets: serviceSecrets(spec, { platformSecretArns: { 'jwt-signing-key': JWT_ARN }, databaseSecretArn: DB_SECRET_ARN }),
      kmsKey,
      logRetentionDays: 30,
      spotSharePercent,
      healthCheckGraceSeconds: 60,
      alarmTopicArn: ALARM_TOPIC_ARN,
      backlogQueueName: spec.needs.consumes?.[0] && `test-${spec.needs.consumes[0]}`,
    });
  });
}

const containerOf = (s: Synthesized) => JSON.parse(s.only('aws_ecs_task_definition').container_definitions)[0];

describe('Microservice', () => {
  let user: Synthesized;
  let notification: Synthesized;
  beforeAll(() => {
    user = synthService(findService('user'), 50);
    notification = synthService(findService('notification'));
  });

  it('runs an ARM64 Fargate task as a non-root user with a read-only root filesystem and a /tmp volume', () => {
    const task = user.only('aws_ecs_task_definition');
    expect(task).toMatchObject({
      requires_compatibilities: ['FARGATE'],
      network_mode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      runtime_platform: { cpu_architecture: 'ARM64', operating_system_family: 'LINUX' },
      volume: [{ name: 'tmp' }],
    });
    const container = containerOf(user);
    expect(container.user).toBe(CONTAINER_USER);
    expect(container.user).not.toMatch(/^(0|root)(:|$)/);
    expect(container.user.startsWith('0')).toBe(false);
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints).toEqual([{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }]);
    expect(container.linuxParameters.capabilities.drop).toEqual(['ALL']);
    expect(container.image).toMatch(/aws_ecr_repository\..*repository_url\}:v1\.2\.3$/);
  });

  it('logs through awslogs to its own KMS-encrypted log group with retention', () => {
    const container = containerOf(user);
    expect(container.logConfiguration.logDriver).toBe('awslogs');
    const group = Object.values(user.resources('aws_cloudwatch_log_group')).find((g) => g.name === '/ecs/test-user')!;
    expect(group).toMatchObject({ retention_in_days: 30 });
    expect(group.kms_key_id).toMatch(/aws_kms_key/);
    expect(container.logConfiguration.options['awslogs-group']).toMatch(/aws_cloudwatch_log_group\.svc_logs_group_\w+\.name/);
  });

  it('injects secrets with valueFrom and never as plain environment', () => {
    const container = containerOf(user);
    const plain = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(plain).not.toHaveProperty('JWT_SECRET');
    expect(plain).not.toHaveProperty('DATABASE_PASSWORD');
    expect(plain).not.toHaveProperty('DATABASE_USER');
    expect(container.secrets).toEqual([
      { name: 'JWT_SECRET', valueFrom: JWT_ARN },
      { name: 'DATABASE_USER', valueFrom: `${DB_SECRET_ARN}:username::` },
      { name: 'DATABASE_PASSWORD', valueFrom: `${DB_SECRET_ARN}:password::` },
    ]);
    expect(plain).toMatchObject({ SERVICE_NAME: 'user', PORT: '3001', NODE_ENV: 'production', DATABASE_SSL: 'require', REDIS_URL: 'rediss://cache.local:6379' });
  });

  it('gives consumers their queue and DLQ URLs and the e-mail sender', () => {
    const plain = Object.fromEntries(containerOf(notification).environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(plain).toMatchObject({
      QUEUE_EVENTS_URL: 'https://sqs/events',
      QUEUE_EVENTS_DLQ_URL: 'https://sqs/events-dlq',
      TABLE_NOTIFICATIONS: 'test-notifications',
      NOTIFICATION_SENDER: 'ses',
    });
    expect(plain).not.toHaveProperty('DATABASE_HOST');
    expect(containerOf(notification).secrets).toEqual([{ name: 'JWT_SECRET', valueFrom: JWT_ARN }]);
  });

  it('runs in private subnets without a public IP, reachable from the ALB on the container port only', () => {
    const service = user.only('aws_ecs_service');
    expect(service.network_configuration).toEqual({
      subnets: ['subnet-a', 'subnet-b'],
      assign_public_ip: false,
      security_groups: [expect.stringMatching(/aws_security_group\.svc_sg/)],
    });
    const ingress = Object.values(user.resources('aws_vpc_security_group_ingress_rule')).filter((r) => /svc_sg/.test(r.security_group_id));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ from_port: 3001, to_port: 3001, ip_protocol: 'tcp' });
    expect(ingress[0]!.referenced_security_group_id).toMatch(/aws_security_group\.alb_sg/);
    expect(ingress[0]!.cidr_ipv4).toBeUndefined();
  });

  it('deploys with a circuit breaker and rollback, health-check grace, and ignores desired_count drift', () => {
    expect(user.only('aws_ecs_service')).toMatchObject({
      deployment_circuit_breaker: { enable: true, rollback: true },
      health_check_grace_period_seconds: 60,
      desired_count: 3,
      lifecycle: { ignore_changes: ['desired_count'] },
      load_balancer: [{ container_name: 'user', container_port: 3001 }],
    });
  });

  it('splits capacity between FARGATE and FARGATE_SPOT from the Spot share', () => {
    expect(user.only('aws_ecs_service').capacity_provider_strategy).toEqual([
      { capacity_provider: 'FARGATE', base: 1, weight: 50 },
      { capacity_provider: 'FARGATE_SPOT', weight: 50 },
    ]);
    expect(capacityProviderStrategy(0)).toEqual([{ capacityProvider: 'FARGATE', base: 1, weight: 1 }]);
    expect(capacityProviderStrategy(100)).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  });

  it('scales on CPU and ALB requests, and consumers also on backlog per task', () => {
    const policies = (s: Synthesized) => Object.values(s.resources('aws_appautoscaling_policy'));
    expect(policies(user).map((p) => p.name).sort()).toEqual(['test-user-cpu', 'test-user-requests']);
    expect(user.only('aws_appautoscaling_target')).toMatchObject({ min_capacity: 3, max_capacity: 12, scalable_dimension: 'ecs:service:DesiredCount' });
    const backlog = policies(notification).find((p) => p.name === 'test-notification-backlog')!;
    const spec = backlog.target_tracking_scaling_policy_configuration;
    expect(spec.target_value).toBe(100);
    const metrics = spec.customized_metric_specification.metrics;
    expect(metrics.map((m: { id: string }) => m.id)).toEqual(['visible', 'tasks', 'backlog_per_task']);
    expect(metrics[0].metric_stat.metric).toMatchObject({ metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: 'test-events' }] });
    expect(metrics[2]).toMatchObject({ return_data: true });
  });

  it('uses separate execution and task roles; the execution role pulls, logs and reads only its secrets', () => {
    const roles = Object.values(user.resources('aws_iam_role')).map((r) => r.name).sort();
    expect(roles).toEqual(['test-user-execution', 'test-user-task']);
    expect(user.only('aws_ecs_task_definition').execution_role_arn).not.toEqual(user.only('aws_ecs_task_definition').task_role_arn);
  });

  it('alarms when fewer tasks run than the minimum', () => {
    const alarm = Object.values(user.resources('aws_cloudwatch_metric_alarm')).find((a) => a.alarm_name === 'test-user-running-below-min')!;
    expect(alarm).toMatchObject({ metric_name: 'RunningTaskCount', threshold: 3, comparison_operator: 'LessThanThreshold', alarm_actions: [ALARM_TOPIC_ARN] });
  });
});

describe('runtime contract', () => {
  it('fails clearly when the stack does not provide a dependency the catalog needs', () => {
    expect(() => serviceEnvironment(findService('user'), { ...bindings, database: undefined })).toThrow(
      'service "user": its catalog needs postgres, but the stack provided none',
    );
  });
});
