/**
 * `<env>-<service>`: everything that belongs to one catalog service alone — task definition, ECS
 * service, target group and listener rules, its network paths to the ALB and the data stores, its
 * roles and grants, scaling, alarms, a one-off migration task when it owns a database, and its
 * SLO alarms and dashboard — composed as create (Microservice) → bind (needs binders) → observe
 * (SLO alarms and the dashboard of infrastructure and application metrics).
 * It reads the platform through the typed contract (platform-contract.ts) and has exactly one
 * variable, `image_tag`, so deploying it touches nothing else and can run beside another deploy.
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { findService, JWT_AUDIENCE, serviceConnectUrl, type Catalog, type ServiceSpec } from '../../services/catalog';
import { AuroraPostgres } from '../aurora/aurora-postgres';
import { Cache } from '../cache/cache';
import { DynamoTable } from '../dynamodb/dynamo-table';
import { LoadBalancer } from '../load-balancer/load-balancer';
import { Microservice } from '../microservice/microservice';
import { bindCallers, bindNeeds, type BindContext, type PlatformResources } from '../microservice/needs';
import { FargateTask } from '../microservice/task-definition';
import { applicationWidgets } from '../observability/application-dashboard';
import { Dashboard } from '../observability/dashboard';
import { emittedMetrics } from '../observability/emitted-metrics';
import { withStatistic } from '../observability/metric';
import { SloAlarms } from '../observability/slo-alarms';
import { Queue } from '../queue/queue';
import { ServiceRepository } from '../registry/service-repository';
import { Connections } from '../security/connections';
import { KmsKey, type IKey } from '../security/kms-key';
import { SigningKey } from '../security/signing-key';
import { environmentTags, namePrefix, type EnvironmentSettings } from './environment';
import { IMAGE_TAG_VARIABLE, serviceStateKey } from './naming';
import { readPlatformContract, type PlatformContract } from './platform-contract';
import { configureStack } from './stack-setup';

export interface ServiceStackProps {
  readonly config: EnvironmentSettings;
  readonly catalog: Catalog;
  readonly spec: ServiceSpec;
  readonly validationMode: boolean;
}

/** An image tag is what ECR accepts and the pipeline writes (the commit SHA). */
export const IMAGE_TAG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

export class ServiceStack extends TerraformStack {
  readonly service: Microservice;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id);
    const { config, catalog, spec } = props;
    const prefix = namePrefix(config);
    configureStack(this, {
      validationMode: props.validationMode,
      accountId: config.accountId,
      region: config.region,
      tags: environmentTags(config, spec.name),
      state: { bucket: config.state.bucket, key: serviceStateKey(config.name, spec.name), region: config.state.region },
    });
    const contract = readPlatformContract(this, {
      catalog,
      environment: config,
      validationMode: props.validationMode,
      state: config.state,
    });
    const kmsKey = KmsKey.fromAttributes({
      arn: contract.kmsKeyArn,
      accountId: config.accountId,
      region: config.region,
      serviceUse: { logs: true, cloudwatchAlarmNamePattern: `${prefix}-*` },
    });
    const repository = contract.repositories[spec.name];
    if (!repository) throw new Error(`platform contract: no repository for service "${spec.name}"`);

    // No default: a deploy names the image it ships, so an omitted tag can never roll a service back.
    const imageTag = new TerraformVariable(this, IMAGE_TAG_VARIABLE, {
      type: 'string',
      description: `Image tag of the ${spec.name} service in ECR (the commit SHA; docs/decisions/0010)`,
      validation: [
        {
          condition: `\${can(regex("${IMAGE_TAG_PATTERN}", var.${IMAGE_TAG_VARIABLE}))}`,
          errorMessage: 'An image tag is 1-128 characters of letters, digits, "_", "." and "-".',
        },
      ],
    });

    // create
    const service = new Microservice(this, 'service', {
      spec,
      sizing: spec.sizing[config.name],
      namePrefix: prefix,
      accountId: config.accountId,
      region: config.region,
      cluster: contract.cluster,
      serviceConnectNamespaceArn: contract.serviceConnect.namespaceArn,
      securityGroupId: serviceSecurityGroup(contract, spec.name),
      subnetIds: contract.network.privateSubnetIds,
      loadBalancer: LoadBalancer.fromAttributes({ ...contract.loadBalancer, vpcId: contract.network.vpcId }),
      repository: ServiceRepository.fromAttributes({ repositoryUrl: repository.url, arn: repository.arn }),
      imageTag: imageTag.stringValue,
      kmsKey,
      logRetentionDays: config.observability.logRetentionDays,
      spotSharePercent: config.compute.spotSharePercent,
      healthCheckGraceSeconds: config.compute.healthCheckGraceSeconds,
      alarmTopicArn: contract.alarmTopicArn,
      telemetry: {
        environment: config.name,
        project: config.project,
        samplePercent: config.observability.traceSamplePercent,
        metricsNamespace: applicationMetricsNamespace(config),
      },
    });
    this.service = service;
    for (const [name, value] of Object.entries(commonEnvironment(spec, config))) service.addEnvironment(name, value);

    // bind
    const oneOffTasks: Record<string, FargateTask> = {};
    const binding: BindContext = {
      scope: service,
      spec,
      service,
      platform: platformResources(contract, config, kmsKey, catalog),
      oneOffTask: (name, command) =>
        (oneOffTasks[name] = new FargateTask(service, `task-${name}`, {
          family: `${service.fullName}-${name}`,
          containerName: `${spec.name}-${name}`,
          cpu: 256,
          memory: 512,
          accountId: config.accountId,
          region: config.region,
          repository: ServiceRepository.fromAttributes({ repositoryUrl: repository.url, arn: repository.arn }),
          imageTag: imageTag.stringValue,
          logGroup: { name: service.logGroup.name, arn: service.logGroup.arn, streamPrefix: name },
          command,
        })),
    };
    bindNeeds(binding);
    bindCallers(binding, catalog);

    // observe
    const emitted = emittedMetrics(spec);
    new SloAlarms(this, 'slo', { namePrefix: service.fullName, metrics: service.applicationMetrics, emitted, alarmTopicArn: contract.alarmTopicArn });
    new Dashboard(this, 'dashboard', {
      name: service.fullName,
      region: config.region,
      widgets: [
        { title: 'CPU and memory %', metrics: [service.metricCpuUtilization(), service.metricMemoryUtilization()] },
        { title: 'Running tasks', metrics: [service.metricRunningTasks('Average')] },
        ...(service.targetGroup
          ? [
              {
                title: 'Requests and 5xx',
                metrics: ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_Target_4XX_Count'].map((m) => service.targetGroup!.metric(m)),
              },
              {
                title: 'Response time p50 / p99 (s)',
                metrics: ['p50', 'p99'].map((p) => withStatistic(service.targetGroup!.metric('TargetResponseTime'), p as 'p50', p)),
              },
            ]
          : []),
        ...applicationWidgets(service.applicationMetrics, emitted),
      ],
    });

    // The running image: pull-request plans pass it back as `image_tag` so they show no image change.
    new TerraformOutput(this, 'running-image-tag', { value: imageTag.stringValue }).overrideLogicalId(IMAGE_TAG_VARIABLE);
    // What the pipeline needs to run one-off tasks (migrations) on the service's network.
    new TerraformOutput(this, 'security_group_id', { value: service.connections.securityGroupId });
    new TerraformOutput(this, 'subnet_ids', { value: contract.network.privateSubnetIds });
    new TerraformOutput(this, 'cluster_arn', { value: contract.cluster.arn });
    for (const [name, task] of Object.entries(oneOffTasks)) {
      new TerraformOutput(this, `${name}_task_definition_arn`, { value: task.arn });
    }
  }
}

/** CloudWatch namespace of the services' own metrics (EMF through the collector), per environment. */
export const applicationMetricsNamespace = (config: Pick<EnvironmentSettings, 'project' | 'name'>): string => `${config.project}/${config.name}`;

/** Variables every service gets, whatever it needs. */
function commonEnvironment(spec: ServiceSpec, config: EnvironmentSettings): Record<string, string> {
  return {
    ...spec.environment,
    SERVICE_NAME: spec.name,
    PORT: String(spec.containerPort),
    NODE_ENV: 'production',
    LOG_LEVEL: config.logLevel,
    AWS_REGION: config.region,
    JWT_ISSUER: `https://${config.domain}`,
    JWT_AUDIENCE,
  };
}


const serviceSecurityGroup = (contract: PlatformContract, name: string): string => {
  const group = contract.services[name];
  if (!group) throw new Error(`platform contract: no security group for service "${name}"`);
  return group.securityGroupId;
};

/** The platform's resources as imported references, for the binders. */
function platformResources(contract: PlatformContract, config: EnvironmentSettings, kmsKey: IKey, catalog: Catalog): PlatformResources {
  const context = { kmsKey, accountId: config.accountId, region: config.region };
  const sesDomain = config.sesIdentityArn.split('/').pop()!;
  return {
    tables: Object.fromEntries(Object.entries(contract.tables).map(([name, t]) => [name, DynamoTable.fromAttributes({ ...t, kmsKey })])),
    queues: Object.fromEntries(Object.entries(contract.queues).map(([name, q]) => [name, Queue.fromAttributes(q, kmsKey)])),
    postgres: contract.postgres && AuroraPostgres.fromAttributes(contract.postgres, context),
    cache: contract.cache && Cache.fromAttributes(contract.cache),
    tokenKeys: {
      signing: SigningKey.fromArn(contract.tokenKeys.signingKeyArn),
      verify: Object.values(contract.tokenKeys.verifyKeyArns).map((arn) => SigningKey.fromArn(arn)),
    },
    email: { identityArn: config.sesIdentityArn, fromAddress: `no-reply@${sesDomain}` },
    services: Object.fromEntries(
      Object.entries(contract.services).map(([name, s]) => [
        name,
        {
          connections: new Connections(name, s.securityGroupId, findService(name, catalog).containerPort),
          url: serviceConnectUrl(findService(name, catalog)),
        },
      ]),
    ),
    callerKeys: Object.fromEntries(Object.entries(contract.callerKeys).map(([name, arn]) => [name, SigningKey.fromArn(arn)])),
  };
}
