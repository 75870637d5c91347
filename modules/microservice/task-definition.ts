import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { serviceRoleBoundaryArn } from '../bootstrap/service-role-boundary';
import { ServiceRole } from '../iam/service-role';
import type { IRepository } from '../registry/service-repository';

/** Numeric uid:gid of `nonroot` in the distroless Node images the services ship (services/<name>/Dockerfile): never root. */
export const CONTAINER_USER = '65532:65532';

/** Name of the container's port mapping: Service Connect and the ALB target it by name. */
export const HTTP_PORT_NAME = 'http';

/** An environment variable injected by ECS from Secrets Manager (`valueFrom`), never as a plain value. */
export interface ContainerSecret {
  readonly name: string;
  readonly valueFrom: string;
}

/** A non-essential helper container in the task (e.g. the telemetry collector), hardened like the app's. */
export interface SidecarContainer {
  readonly name: string;
  readonly image: string;
  /** Fixed CPU units and hard memory limit (MiB) carved out of the task's size. */
  readonly cpu: number;
  readonly memory: number;
  /** Numeric uid:gid of the image's own non-root user. */
  readonly user: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Container health check command (`CMD` form, without the leading "CMD"). */
  readonly healthCheck: readonly string[];
}

export interface FargateTaskProps {
  /** Task definition family, role name prefix and container name base, e.g. `platform-prod-user`. */
  readonly family: string;
  readonly containerName: string;
  readonly cpu: number;
  readonly memory: number;
  readonly accountId: string;
  readonly region: string;
  readonly repository: IRepository;
  readonly imageTag: string;
  /** Log group (and stream prefix) the awslogs driver writes to; the execution role gets write access. */
  readonly logGroup: { readonly name: string; readonly arn: string; readonly streamPrefix: string };
  /** Container command (the image's default when absent), e.g. `['main.js', 'migrate']`. */
  readonly command?: readonly string[];
  readonly containerPort?: number;
  readonly livenessPath?: string;
  readonly stopTimeoutSeconds?: number;
}

/**
 * One Fargate task definition with the platform's container hardening: ARM64, the image's nonroot
 * user, a read-only root filesystem with a /tmp volume, every Linux capability dropped, an init
 * process, non-blocking awslogs, and separate roles — `executionRole` for what ECS does before the
 * app starts (image pull, logs, secret injection), `taskRole` for what the application may do.
 * Environment and secrets are added by the needs binders and rendered at synthesis.
 */
export class FargateTask extends Construct {
  readonly arn: string;
  readonly family: string;
  readonly taskRole: ServiceRole;
  readonly executionRole: ServiceRole;
  private readonly environment = new Map<string, string>();
  private readonly secrets = new Map<string, string>();
  private readonly sidecars: SidecarContainer[] = [];

  constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    this.family = props.family;
    const role = (kind: string) =>
      new ServiceRole(this, `${kind}-role`, {
        name: `${props.family}-${kind}`,
        servicePrincipal: 'ecs-tasks.amazonaws.com',
        accountId: props.accountId,
        // Service deploy roles may only create roles that carry it (docs/decisions/0012).
        permissionsBoundary: serviceRoleBoundaryArn(props.accountId),
      });
    this.executionRole = role('execution');
    this.taskRole = role('task');
    props.repository.grantPull(this.executionRole);
    this.executionRole.addToPolicy({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${props.logGroup.arn}:*`],
    });

    const logConfiguration = (streamPrefix: string) => ({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': props.logGroup.name,
        'awslogs-region': props.region,
        'awslogs-stream-prefix': streamPrefix,
        // Never block a container on a slow log pipeline; drop instead (bounded buffer).
        mode: 'non-blocking',
        'max-buffer-size': '25m',
      },
    });
    const hardening = {
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ['ALL'] } },
    };
    const sidecar = (s: SidecarContainer) => ({
      name: s.name,
      image: s.image,
      essential: false,
      cpu: s.cpu,
      memory: s.memory,
      user: s.user,
      ...hardening,
      environment: Object.entries(s.environment).map(([name, value]) => ({ name, value })),
      healthCheck: { command: ['CMD', ...s.healthCheck], interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
      logConfiguration: logConfiguration(s.name),
    });
    const container = () => ({
      name: props.containerName,
      image: `${props.repository.repositoryUrl}:${props.imageTag}`,
      essential: true,
      user: CONTAINER_USER,
      ...hardening,
      ...(props.command ? { command: [...props.command] } : {}),
      portMappings: props.containerPort
        ? [{ containerPort: props.containerPort, protocol: 'tcp', name: HTTP_PORT_NAME, appProtocol: 'http' }]
        : [],
      environment: [...this.environment].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
      secrets: [...this.secrets].map(([name, valueFrom]) => ({ name, valueFrom })),
      ...(props.stopTimeoutSeconds ? { stopTimeout: props.stopTimeoutSeconds } : {}),
      ...(props.containerPort && props.livenessPath
        ? {
            healthCheck: {
              // The image has node but no curl; a liveness probe must not depend on dependencies.
              command: [
                'CMD',
                'node',
                '-e',
                `fetch('http://127.0.0.1:${props.containerPort}${props.livenessPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
              ],
              interval: 15,
              timeout: 5,
              retries: 3,
              startPeriod: 20,
            },
          }
        : {}),
      logConfiguration: logConfiguration(props.logGroup.streamPrefix),
    });

    const task = new EcsTaskDefinition(this, 'task', {
      family: props.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memory),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      volume: [{ name: 'tmp' }],
      containerDefinitions: Lazy.stringValue({ produce: () => JSON.stringify([container(), ...this.sidecars.map(sidecar)]) }),
    });
    this.arn = task.arn;
  }

  /** Adds a non-essential sidecar container (it shares the task's network namespace and size). */
  addSidecar(container: SidecarContainer): void {
    this.sidecars.push(container);
  }

  /** A plain (non-secret) variable. Fails when the name is already a variable or a secret. */
  addEnvironment(name: string, value: string): void {
    this.assertFree(name);
    this.environment.set(name, value);
  }

  /** A variable ECS reads from Secrets Manager at start-up (the execution role must be granted the read). */
  addSecret(secret: ContainerSecret): void {
    this.assertFree(secret.name);
    this.secrets.set(secret.name, secret.valueFrom);
  }

  private assertFree(name: string): void {
    if (this.environment.has(name) || this.secrets.has(name)) {
      throw new Error(`${this.family}: ${name} is set twice (variables and secrets share one namespace)`);
    }
  }
}
