import { Construct } from 'constructs';
import {
  AppautoscalingPolicy,
  type AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
} from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { ServiceSpec, TaskSizing } from '../../services/catalog';
import type { Cluster } from '../cluster/cluster';
import { ServiceRole } from '../iam/service-role';
import type { LoadBalancer } from '../load-balancer/load-balancer';
import { LogGroup } from '../observability/log-group';
import { metricAlarm } from '../observability/metric-alarm';
import type { ServiceRepository } from '../registry/service-repository';
import type { KmsKey } from '../security/kms-key';
import type { ContainerSecret } from './runtime-contract';

/** Numeric uid:gid of `nonroot` in the distroless Node images the services ship (services/<name>/Dockerfile): never root. */
export const CONTAINER_USER = '65532:65532';
/** The services' hard shutdown deadline is 25 s; ECS sends SIGKILL after this. */
const STOP_TIMEOUT_SECONDS = 30;

export interface MicroserviceProps {
  readonly spec: ServiceSpec;
  readonly sizing: TaskSizing;
  /** Name prefix, e.g. `platform-prod`. */
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly cluster: Cluster;
  readonly vpcId: string;
  /** Private-app subnets (egress through NAT, no public IPs). */
  readonly subnetIds: readonly string[];
  /** Required when the service has routes. */
  readonly loadBalancer?: LoadBalancer;
  readonly repository: ServiceRepository;
  readonly imageTag: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly ContainerSecret[];
  /** Encrypts the service's log group. */
  readonly kmsKey: KmsKey;
  readonly logRetentionDays: number;
  /** Percentage of tasks on FARGATE_SPOT. */
  readonly spotSharePercent: number;
  readonly healthCheckGraceSeconds: number;
  readonly alarmTopicArn: string;
  /** Consumers: the queue whose backlog per task drives scaling. */
  readonly backlogQueueName?: string;
}

/**
 * One catalog service on Fargate: ARM64 task (non-root, read-only root filesystem, /tmp volume),
 * separate execution role (pull, logs, injected secrets) and task role (the app's own grants),
 * service in private subnets reachable only from the ALB, circuit breaker with rollback,
 * target-tracking autoscaling, and alarms.
 */
export class Microservice extends Construct {
  readonly serviceName: string;
  readonly securityGroupId: string;
  /** What the application may do: grant catalog needs here. */
  readonly taskRole: ServiceRole;
  /** What ECS does before the app starts: image pull, logs, secret injection. */
  readonly executionRole: ServiceRole;
  readonly logGroupName: string;
  readonly targetGroupArnSuffix?: string;
  private readonly props: MicroserviceProps;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    this.props = props;
    const { spec, sizing } = props;
    const fullName = `${props.namePrefix}-${spec.name}`;
    this.serviceName = spec.name;

    const group = new SecurityGroup(this, 'sg', {
      name: `${fullName}-service`,
      description: `${spec.name} tasks: ingress from the ALB on the container port only`,
      vpcId: props.vpcId,
      tags: { Name: `${fullName}-service` },
    });
    this.securityGroupId = group.id;
    // AWS APIs (through NAT or interface endpoints) are HTTPS; data stores are added by allowEgressTo.
    new VpcSecurityGroupEgressRule(this, 'egress-https', {
      securityGroupId: group.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to AWS APIs',
    });

    const logs = new LogGroup(this, 'logs', { name: `/ecs/${fullName}`, retentionDays: props.logRetentionDays, kmsKey: props.kmsKey });
    this.logGroupName = logs.name;

    this.executionRole = new ServiceRole(this, 'execution-role', {
      name: `${fullName}-execution`,
      servicePrincipal: 'ecs-tasks.amazonaws.com',
      accountId: props.accountId,
    });
    this.taskRole = new ServiceRole(this, 'task-role', {
      name: `${fullName}-task`,
      servicePrincipal: 'ecs-tasks.amazonaws.com',
      accountId: props.accountId,
    });
    props.repository.grantPull(this.executionRole);
    this.executionRole.addToPolicy({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logs.arn}:*`] });

    const plainNames = Object.keys(props.environment);
    const leaked = props.secrets.find((s) => plainNames.includes(s.name));
    if (leaked) throw new Error(`service "${spec.name}": ${leaked.name} is both a plain variable and a secret`);

    const container = {
      name: spec.name,
      image: `${props.repository.repositoryUrl}:${props.imageTag}`,
      essential: true,
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
      portMappings: [{ containerPort: spec.containerPort, protocol: 'tcp', name: 'http' }],
      environment: Object.entries(props.environment)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      secrets: props.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ['ALL'] } },
      stopTimeout: STOP_TIMEOUT_SECONDS,
      healthCheck: {
        // The image has node but no curl; a liveness probe must not depend on dependencies.
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${spec.containerPort}${spec.livenessPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
        ],
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 20,
      },
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': logs.name,
          'awslogs-region': props.region,
          'awslogs-stream-prefix': spec.name,
          // Never block the app on a slow log pipeline; drop instead (bounded buffer).
          mode: 'non-blocking',
          'max-buffer-size': '25m',
        },
      },
    };

    const taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: fullName,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(sizing.cpu),
      memory: String(sizing.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      volume: [{ name: 'tmp' }],
      containerDefinitions: JSON.stringify([container]),
    });

    let targetGroupArn: string | undefined;
    if (spec.routes.length > 0) {
      if (!props.loadBalancer) throw new Error(`service "${spec.name}" has routes but no load balancer was given`);
      new VpcSecurityGroupIngressRule(this, 'ingress-alb', {
        securityGroupId: group.id,
        referencedSecurityGroupId: props.loadBalancer.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: spec.containerPort,
        toPort: spec.containerPort,
        description: 'From the ALB',
      });
      const target = props.loadBalancer.addService({
        name: spec.name,
        port: spec.containerPort,
        healthPath: spec.healthPath,
        routes: spec.routes,
        securityGroupId: group.id,
      });
      targetGroupArn = target.arn;
      this.targetGroupArnSuffix = target.arnSuffix;
    }

    const service = new EcsService(this, 'service', {
      name: spec.name,
      cluster: props.cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: sizing.minTasks,
      capacityProviderStrategy: capacityProviderStrategy(props.spotSharePercent),
      networkConfiguration: { subnets: [...props.subnetIds], securityGroups: [group.id], assignPublicIp: false },
      ...(targetGroupArn
        ? {
            loadBalancer: [{ targetGroupArn, containerName: spec.name, containerPort: spec.containerPort }],
            healthCheckGracePeriodSeconds: props.healthCheckGraceSeconds,
          }
        : {}),
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      // Autoscaling owns the running count after creation.
      lifecycle: { ignoreChanges: ['desired_count'] },
    });
    // Cluster name comes from the capacity-provider resource: the service waits for the providers.
    const resourceId = `service/${props.cluster.name}/${service.name}`;
    this.addAutoscaling(resourceId);
    this.addAlarms(fullName);
  }

  /** Lets the tasks open connections to a data store's security group on its port. */
  allowEgressTo(securityGroupId: string, port: number, description: string): void {
    new VpcSecurityGroupEgressRule(this, `egress-${port}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description,
    });
  }

  private addAutoscaling(resourceId: string): void {
    const { spec, sizing } = this.props;
    const target = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId,
      minCapacity: sizing.minTasks,
      maxCapacity: sizing.maxTasks,
    });
    const policy = (name: string, configuration: AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration) =>
      new AppautoscalingPolicy(this, `scale-${name}`, {
        name: `${this.props.namePrefix}-${spec.name}-${name}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: { scaleInCooldown: 120, scaleOutCooldown: 30, ...configuration },
      });

    policy('cpu', {
      targetValue: spec.scaling.cpuTargetPercent,
      predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
    });
    if (this.targetGroupArnSuffix && spec.scaling.requestsPerTarget) {
      policy('requests', {
        targetValue: spec.scaling.requestsPerTarget,
        predefinedMetricSpecification: {
          predefinedMetricType: 'ALBRequestCountPerTarget',
          resourceLabel: `${this.props.loadBalancer!.arnSuffix}/${this.targetGroupArnSuffix}`,
        },
      });
    }
    if (this.props.backlogQueueName && spec.scaling.backlogPerTask) {
      // Backlog per task = visible messages / running tasks (AWS's SQS scaling guidance, metric math).
      policy('backlog', {
        targetValue: spec.scaling.backlogPerTask,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              returnData: false,
              metricStat: {
                stat: 'Sum',
                metric: {
                  namespace: 'AWS/SQS',
                  metricName: 'ApproximateNumberOfMessagesVisible',
                  dimensions: [{ name: 'QueueName', value: this.props.backlogQueueName }],
                },
              },
            },
            {
              id: 'tasks',
              returnData: false,
              metricStat: {
                stat: 'Average',
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: this.props.cluster.name },
                    { name: 'ServiceName', value: spec.name },
                  ],
                },
              },
            },
            { id: 'backlog_per_task', expression: 'visible / IF(tasks > 0, tasks, 1)', label: 'Backlog per task', returnData: true },
          ],
        },
      });
    }
  }

  private addAlarms(fullName: string): void {
    const { spec, sizing, alarmTopicArn, cluster } = this.props;
    const serviceDimensions = { ClusterName: cluster.name, ServiceName: spec.name };
    metricAlarm(this, 'alarm-running-tasks', {
      alarmName: `${fullName}-running-below-min`,
      description: `${spec.name}: fewer running tasks than the minimum (${sizing.minTasks})`,
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensions: serviceDimensions,
      statistic: 'Minimum',
      comparison: 'LessThanThreshold',
      threshold: sizing.minTasks,
      treatMissingData: 'breaching',
      alarmTopicArn,
    });
    metricAlarm(this, 'alarm-cpu', {
      alarmName: `${fullName}-cpu-high`,
      description: `${spec.name}: CPU above 90 % (scaling is not keeping up or maxTasks reached)`,
      namespace: 'AWS/ECS',
      metricName: 'CPUUtilization',
      dimensions: serviceDimensions,
      threshold: 90,
      evaluationPeriods: 10,
      alarmTopicArn,
    });
    if (this.targetGroupArnSuffix) {
      metricAlarm(this, 'alarm-unhealthy-targets', {
        alarmName: `${fullName}-unhealthy-targets`,
        description: `${spec.name}: targets failing the ${spec.healthPath} health check`,
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        dimensions: { LoadBalancer: this.props.loadBalancer!.arnSuffix, TargetGroup: this.targetGroupArnSuffix },
        statistic: 'Maximum',
        threshold: 0,
        alarmTopicArn,
      });
    }
  }
}

/**
 * FARGATE / FARGATE_SPOT weights from the Spot percentage. Unless everything is Spot, the first
 * task (base 1) is always on-demand so a Spot reclaim never takes the service to zero.
 */
export function capacityProviderStrategy(spotSharePercent: number) {
  if (spotSharePercent <= 0) return [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }];
  if (spotSharePercent >= 100) return [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
  return [
    { capacityProvider: 'FARGATE', base: 1, weight: 100 - spotSharePercent },
    { capacityProvider: 'FARGATE_SPOT', weight: spotSharePercent },
  ];
}
