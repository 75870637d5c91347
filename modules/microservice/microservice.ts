import { Construct } from 'constructs';
import {
  AppautoscalingPolicy,
  type AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
} from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import type { ServiceSpec, TaskSizing } from '../../services/catalog';
import type { ICluster } from '../cluster/cluster';
import type { ILoadBalancer } from '../load-balancer/load-balancer';
import { ServiceTargetGroup } from '../load-balancer/service-target-group';
import { ApplicationMetrics } from '../observability/application-metrics';
import { LogGroup } from '../observability/log-group';
import { metric, scalingMetricStat, type Metric } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';
import {
  appTelemetryEnvironment,
  collectorConfig,
  COLLECTOR_CPU_UNITS,
  COLLECTOR_IMAGE,
  COLLECTOR_MEMORY_MIB,
  COLLECTOR_USER,
  grantTelemetry,
} from '../observability/telemetry-collector';
import type { IQueue } from '../queue/queue';
import type { IRepository } from '../registry/service-repository';
import { Connections } from '../security/connections';
import type { IKey } from '../security/kms-key';
import { FargateTask, HTTP_PORT_NAME, type ContainerSecret } from './task-definition';

/** The services' hard shutdown deadline is 25 s; ECS sends SIGKILL after this. */
const STOP_TIMEOUT_SECONDS = 30;

/** Operational knobs with documented defaults (one per real decision). */
export interface MicroserviceTuning {
  /** Seconds after a scale-in before another; default 120 (scale in slowly). */
  readonly scaleInCooldownSeconds?: number;
  /** Seconds after a scale-out before another; default 30 (scale out fast). */
  readonly scaleOutCooldownSeconds?: number;
  /** CPU alarm threshold (%), sustained for `cpuAlarmMinutes`; defaults 90 % for 10 minutes. */
  readonly cpuAlarmPercent?: number;
  readonly cpuAlarmMinutes?: number;
  /** Memory alarm threshold (%), sustained for `memoryAlarmMinutes`; defaults 90 % for 10 minutes. */
  readonly memoryAlarmPercent?: number;
  readonly memoryAlarmMinutes?: number;
  /** Seconds the ALB keeps routing in-flight requests to a draining task; default 30. */
  readonly deregistrationDelaySeconds?: number;
  /**
   * Service Connect's own cap on one request to this service (callers' deadlines are shorter);
   * default 15 s. Its idle timeout stays below the services' 65 s keep-alive, so the proxy, not
   * the app, closes idle connections.
   */
  readonly serviceConnectRequestTimeoutSeconds?: number;
}

const DEFAULT_TUNING: Required<MicroserviceTuning> = {
  scaleInCooldownSeconds: 120,
  scaleOutCooldownSeconds: 30,
  cpuAlarmPercent: 90,
  cpuAlarmMinutes: 10,
  memoryAlarmPercent: 90,
  memoryAlarmMinutes: 10,
  deregistrationDelaySeconds: 30,
  serviceConnectRequestTimeoutSeconds: 15,
};

/** Below the services' 65 s keep-alive (services/kit/server.ts), like the ALB's 60 s. */
const SERVICE_CONNECT_IDLE_TIMEOUT_SECONDS = 60;

export interface MicroserviceProps {
  readonly spec: ServiceSpec;
  readonly sizing: TaskSizing;
  /** Name prefix, e.g. `platform-prod`. */
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly cluster: ICluster;
  /** The Cloud Map HTTP namespace of ECS Service Connect (every service is server and client). */
  readonly serviceConnectNamespaceArn: string;
  /** The service's security group (created empty by the platform stack; rules are added here). */
  readonly securityGroupId: string;
  /** Private-app subnets (egress through NAT, no public IPs). */
  readonly subnetIds: readonly string[];
  /** Required when the service has routes: its target group and listener rules attach here. */
  readonly loadBalancer?: ILoadBalancer;
  readonly repository: IRepository;
  readonly imageTag: string;
  /** Encrypts the service's log group. */
  readonly kmsKey: IKey;
  readonly logRetentionDays: number;
  /** Percentage of tasks on FARGATE_SPOT. */
  readonly spotSharePercent: number;
  readonly healthCheckGraceSeconds: number;
  readonly alarmTopicArn: string;
  /** Traces and application metrics through the collector sidecar. */
  readonly telemetry: {
    /** Environment name and project, as resource attributes of every span and metric. */
    readonly environment: string;
    readonly project: string;
    /** Percentage of error-free traces kept (errors are always kept). */
    readonly samplePercent: number;
    readonly metricsNamespace: string;
  };
  readonly tuning?: MicroserviceTuning;
}

/**
 * One catalog service on Fargate (see FargateTask for the container hardening), in private subnets
 * behind the ALB when it has routes, reachable by its callers through ECS Service Connect at
 * `http://<name>:<port>`, with a circuit breaker that rolls back, target-tracking
 * scaling on CPU, memory, requests per target and (consumers) queue backlog per task, alarms, and
 * `metricX()` helpers used alike by alarms, scaling and the service dashboard. What the service
 * needs (data stores, queues, keys) is bound by the needs binders through `task`, `connections`
 * and the grant methods of the platform resources.
 */
export class Microservice extends Construct {
  readonly serviceName: string;
  readonly fullName: string;
  readonly task: FargateTask;
  /** The service's security group: `store.connections.allowFrom(scope, service.connections)`. */
  readonly connections: Connections;
  readonly logGroup: LogGroup;
  readonly targetGroup?: ServiceTargetGroup;
  /** The service's own metrics (services/telemetry.ts) as CloudWatch has them, for alarms and graphs. */
  readonly applicationMetrics: ApplicationMetrics;
  private readonly props: MicroserviceProps;
  private readonly tuning: Required<MicroserviceTuning>;
  private readonly scalingResourceId: string;
  private scaling?: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    this.props = props;
    this.tuning = { ...DEFAULT_TUNING, ...props.tuning };
    const { spec, sizing } = props;
    this.fullName = `${props.namePrefix}-${spec.name}`;
    this.serviceName = spec.name;
    this.applicationMetrics = new ApplicationMetrics(props.telemetry.metricsNamespace, spec.name);

    this.connections = new Connections(spec.name, props.securityGroupId, spec.containerPort);
    // AWS APIs (through NAT or interface endpoints) are HTTPS; data stores are added by their connections.
    new VpcSecurityGroupEgressRule(this, 'egress-https', {
      securityGroupId: props.securityGroupId,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to AWS APIs',
    });

    this.logGroup = new LogGroup(this, 'logs', { name: `/ecs/${this.fullName}`, retentionDays: props.logRetentionDays, kmsKey: props.kmsKey });
    this.task = new FargateTask(this, 'task', {
      family: this.fullName,
      containerName: spec.name,
      cpu: sizing.cpu,
      memory: sizing.memory,
      accountId: props.accountId,
      region: props.region,
      repository: props.repository,
      imageTag: props.imageTag,
      logGroup: { name: this.logGroup.name, arn: this.logGroup.arn, streamPrefix: spec.name },
      containerPort: spec.containerPort,
      livenessPath: spec.livenessPath,
      stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
    });
    this.addTelemetry();

    if (spec.routes.length > 0) {
      const alb = props.loadBalancer;
      if (!alb) throw new Error(`service "${spec.name}" has routes but no load balancer was given`);
      this.connections.allowFrom(this, alb.connections);
      this.targetGroup = new ServiceTargetGroup(this, 'target', {
        loadBalancer: alb,
        name: this.fullName,
        port: spec.containerPort,
        healthPath: spec.healthPath,
        routes: spec.routes,
        deregistrationDelaySeconds: this.tuning.deregistrationDelaySeconds,
      });
    }

    const service = new EcsService(this, 'service', {
      name: spec.name,
      cluster: props.cluster.arn,
      taskDefinition: this.task.arn,
      desiredCount: sizing.minTasks,
      capacityProviderStrategy: capacityProviderStrategy(props.spotSharePercent),
      networkConfiguration: { subnets: [...props.subnetIds], securityGroups: [props.securityGroupId], assignPublicIp: false },
      serviceConnectConfiguration: {
        enabled: true,
        namespace: props.serviceConnectNamespaceArn,
        // The proxy's access log goes to the service's own (encrypted, retained) log group.
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': this.logGroup.name, 'awslogs-region': props.region, 'awslogs-stream-prefix': 'service-connect' },
        },
        service: [
          {
            portName: HTTP_PORT_NAME,
            discoveryName: spec.name,
            clientAlias: { dnsName: spec.name, port: spec.containerPort },
            timeout: {
              perRequestTimeoutSeconds: this.tuning.serviceConnectRequestTimeoutSeconds,
              idleTimeoutSeconds: SERVICE_CONNECT_IDLE_TIMEOUT_SECONDS,
            },
          },
        ],
      },
      ...(this.targetGroup
        ? {
            loadBalancer: [{ targetGroupArn: this.targetGroup.arn, containerName: spec.name, containerPort: spec.containerPort }],
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
    this.scalingResourceId = `service/${props.cluster.name}/${service.name}`;
    this.addAutoscaling();
    this.addAlarms();
  }

  private addTelemetry(): void {
    const { spec, region, telemetry } = this.props;
    this.task.addSidecar({
      name: 'otel-collector',
      image: COLLECTOR_IMAGE,
      cpu: COLLECTOR_CPU_UNITS,
      memory: COLLECTOR_MEMORY_MIB,
      user: COLLECTOR_USER,
      environment: {
        AOT_CONFIG_CONTENT: collectorConfig({
          region,
          samplePercent: telemetry.samplePercent,
          logGroupName: this.logGroup.name,
          metricsNamespace: telemetry.metricsNamespace,
        }),
      },
      // The ADOT image ships this probe of its health_check extension.
      healthCheck: ['/healthcheck'],
    });
    grantTelemetry(this.task.taskRole, this.logGroup.arn);
    for (const [name, value] of Object.entries(appTelemetryEnvironment(spec.name, telemetry.environment, telemetry.project))) {
      this.addEnvironment(name, value);
    }
  }

  /** A plain environment variable of the service's container. */
  addEnvironment(name: string, value: string): void {
    this.task.addEnvironment(name, value);
  }

  /** A secret the container gets from Secrets Manager through ECS (grant the read to `task.executionRole`). */
  addSecret(secret: ContainerSecret): void {
    this.task.addSecret(secret);
  }

  /** Target tracking on visible messages per running task (AWS's SQS scaling guidance, metric math). */
  scaleOnQueueBacklog(queue: IQueue, backlogPerTask: number): void {
    this.policy('backlog', {
      targetValue: backlogPerTask,
      customizedMetricSpecification: {
        metrics: [
          { id: 'visible', returnData: false, metricStat: scalingMetricStat(queue.metric('ApproximateNumberOfMessagesVisible', 'Sum')) },
          { id: 'tasks', returnData: false, metricStat: scalingMetricStat(this.metricRunningTasks('Average')) },
          { id: 'backlog_per_task', expression: 'visible / IF(tasks > 0, tasks, 1)', label: 'Backlog per task', returnData: true },
        ],
      },
    });
  }

  metricCpuUtilization(): Metric {
    return this.ecsMetric('AWS/ECS', 'CPUUtilization', 'Average');
  }

  metricMemoryUtilization(): Metric {
    return this.ecsMetric('AWS/ECS', 'MemoryUtilization', 'Average');
  }

  metricRunningTasks(statistic: Metric['statistic'] = 'Minimum'): Metric {
    return this.ecsMetric('ECS/ContainerInsights', 'RunningTaskCount', statistic);
  }

  private ecsMetric(namespace: string, metricName: string, statistic: Metric['statistic']): Metric {
    const dimensions = { ClusterName: this.props.cluster.name, ServiceName: this.serviceName };
    return metric(namespace, metricName, dimensions, statistic, { label: `${this.serviceName} ${metricName}` });
  }

  private policy(name: string, configuration: AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration): void {
    const target = this.scaling!;
    new AppautoscalingPolicy(this, `scale-${name}`, {
      name: `${this.fullName}-${name}`,
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        scaleInCooldown: this.tuning.scaleInCooldownSeconds,
        scaleOutCooldown: this.tuning.scaleOutCooldownSeconds,
        ...configuration,
      },
    });
  }

  private addAutoscaling(): void {
    const { spec, sizing } = this.props;
    this.scaling = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: this.scalingResourceId,
      minCapacity: sizing.minTasks,
      maxCapacity: sizing.maxTasks,
    });
    this.policy('cpu', {
      targetValue: spec.scaling.cpuTargetPercent,
      predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
    });
    this.policy('memory', {
      targetValue: spec.scaling.memoryTargetPercent,
      predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
    });
    if (this.targetGroup && spec.scaling.requestsPerTarget) {
      this.policy('requests', {
        targetValue: spec.scaling.requestsPerTarget,
        predefinedMetricSpecification: {
          predefinedMetricType: 'ALBRequestCountPerTarget',
          resourceLabel: this.targetGroup.requestCountResourceLabel,
        },
      });
    }
  }

  private addAlarms(): void {
    const { spec, sizing, alarmTopicArn } = this.props;
    const { tuning } = this;
    metricAlarm(this, 'alarm-running-tasks', {
      alarmName: `${this.fullName}-running-below-min`,
      description: `${spec.name}: fewer running tasks than the minimum (${sizing.minTasks})`,
      metric: this.metricRunningTasks(),
      comparison: 'LessThanThreshold',
      threshold: sizing.minTasks,
      treatMissingData: 'breaching',
      alarmTopicArn,
    });
    metricAlarm(this, 'alarm-cpu', {
      alarmName: `${this.fullName}-cpu-high`,
      description: `${spec.name}: CPU above ${tuning.cpuAlarmPercent} % for ${tuning.cpuAlarmMinutes} min (scaling is not keeping up or maxTasks reached)`,
      metric: this.metricCpuUtilization(),
      threshold: tuning.cpuAlarmPercent,
      evaluationPeriods: tuning.cpuAlarmMinutes,
      alarmTopicArn,
    });
    metricAlarm(this, 'alarm-memory', {
      alarmName: `${this.fullName}-memory-high`,
      description: `${spec.name}: memory above ${tuning.memoryAlarmPercent} % for ${tuning.memoryAlarmMinutes} min (a leak, or maxTasks reached)`,
      metric: this.metricMemoryUtilization(),
      threshold: tuning.memoryAlarmPercent,
      evaluationPeriods: tuning.memoryAlarmMinutes,
      alarmTopicArn,
    });
    if (this.targetGroup) {
      metricAlarm(this, 'alarm-unhealthy-targets', {
        alarmName: `${this.fullName}-unhealthy-targets`,
        description: `${spec.name}: targets failing the ${spec.healthPath} health check`,
        metric: this.targetGroup.metric('UnHealthyHostCount', 'Maximum'),
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
