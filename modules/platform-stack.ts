/**
 * One environment of the platform, composed from (environment config, catalog). The stack is the
 * only place that knows both: modules get plain values and construct references.
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { Catalog, EnvironmentName, PlatformSecretName } from '../services/catalog';
import { AuroraPostgres } from './aurora/aurora-postgres';
import { Cache, type CacheProps } from './cache/cache';
import { Cluster } from './cluster/cluster';
import { DynamoTable } from './dynamodb/dynamo-table';
import { LoadBalancer } from './load-balancer/load-balancer';
import { Microservice } from './microservice/microservice';
import { serviceEnvironment, serviceSecrets } from './microservice/runtime-contract';
import { Network, type NetworkProps } from './network/network';
import { AlarmTopic } from './observability/alarm-topic';
import { PlatformDashboard } from './observability/dashboard';
import { Queue } from './queue/queue';
import { ServiceRepository } from './registry/service-repository';
import { KmsKey } from './security/kms-key';
import { platformStateKey } from './stacks/naming';
import { configureStack } from './stacks/stack-setup';
import { PlatformSecret } from './security/platform-secret';

/**
 * What the stack needs from an environment. Structurally the output of envs/schema.ts, declared
 * here so modules never import envs/ (the composition root, main.ts, passes it in).
 */
export interface PlatformConfig {
  readonly name: EnvironmentName;
  readonly accountId: string;
  readonly region: string;
  readonly costCenter: string;
  readonly project: string;
  readonly domain: string;
  readonly certificateArn: string;
  readonly sesIdentityArn: string;
  readonly state: { readonly bucket: string; readonly region?: string };
  readonly logLevel: string;
  readonly network: { readonly vpcCidr: string } & Pick<
    NetworkProps,
    | 'availabilityZones'
    | 'publicSubnetCidrs'
    | 'privateSubnetCidrs'
    | 'isolatedSubnetCidrs'
    | 'natGateways'
    | 'interfaceEndpoints'
    | 'flowLogRetentionDays'
  >;
  readonly loadBalancer: {
    readonly deletionProtection: boolean;
    readonly accessLogs: boolean;
    readonly accessLogExpirationDays: number;
    readonly idleTimeoutSeconds: number;
    readonly wafRateLimitPer5Minutes: number;
  };
  readonly aurora: {
    readonly engineVersion: string;
    readonly minCapacityAcu: number;
    readonly maxCapacityAcu: number;
    readonly readers: number;
    readonly deletionProtection: boolean;
    readonly backupRetentionDays: number;
  };
  readonly dynamodb: { readonly deletionProtection: boolean };
  readonly cache: Pick<CacheProps, 'engine' | 'engineVersion' | 'nodeType' | 'replicas' | 'multiAz' | 'snapshotRetentionDays'>;
  readonly compute: { readonly spotSharePercent: number; readonly imageTag: string; readonly healthCheckGraceSeconds: number };
  readonly observability: { readonly logRetentionDays: number; readonly alarmEmail?: string };
}

export interface PlatformStackProps {
  readonly config: PlatformConfig;
  readonly catalog: Catalog;
  /**
   * Offline validation (docs/decisions/0002): local state and a provider that never calls AWS.
   * Every resource is identical to real mode.
   */
  readonly validationMode: boolean;
}

/** Terraform variable name carrying a service's image tag, e.g. `image_tag_user`. */
export const imageTagVariable = (service: string): string => `image_tag_${service.replace(/-/g, '_')}`;

export class PlatformStack extends TerraformStack {
  readonly services: Readonly<Record<string, Microservice>>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { config, catalog } = props;
    const prefix = `${config.project}-${config.name}`;
    this.configureProviderAndBackend(props);

    const kmsKey = new KmsKey(this, 'kms', {
      name: prefix,
      description: `${prefix}: logs, secrets, queues, tables, cache, database, alarms`,
      accountId: config.accountId,
      region: config.region,
      servicePrincipals: [`logs.${config.region}.amazonaws.com`, 'cloudwatch.amazonaws.com'],
    });
    const alarmTopic = new AlarmTopic(this, 'alarms', { name: `${prefix}-alarms`, kmsKey });
    if (config.observability.alarmEmail) {
      new SnsTopicSubscription(this, 'alarm-email', { topicArn: alarmTopic.arn, protocol: 'email', endpoint: config.observability.alarmEmail });
    }

    const network = new Network(this, 'network', {
      name: prefix,
      accountId: config.accountId,
      region: config.region,
      cidr: config.network.vpcCidr,
      availabilityZones: config.network.availabilityZones,
      publicSubnetCidrs: config.network.publicSubnetCidrs,
      privateSubnetCidrs: config.network.privateSubnetCidrs,
      isolatedSubnetCidrs: config.network.isolatedSubnetCidrs,
      natGateways: config.network.natGateways,
      interfaceEndpoints: config.network.interfaceEndpoints,
      flowLogRetentionDays: config.network.flowLogRetentionDays,
      kmsKey,
    });

    const secrets = Object.fromEntries(
      catalog.secrets.map((s) => [
        s.name,
        new PlatformSecret(this, `secret-${s.name}`, { name: `${prefix}/${s.name}`, description: s.description, kmsKey }),
      ]),
    ) as Record<PlatformSecretName, PlatformSecret>;

    const queues = Object.fromEntries(
      catalog.queues.map((spec) => [
        spec.name,
        new Queue(this, `queue-${spec.name}`, { spec, physicalName: `${prefix}-${spec.name}`, kmsKey, alarmTopicArn: alarmTopic.arn }),
      ]),
    );

    const tables = Object.fromEntries(
      catalog.services.flatMap((s) =>
        (s.needs.tables ?? []).map((spec) => [
          spec.name,
          new DynamoTable(this, `table-${spec.name}`, {
            spec,
            physicalName: `${prefix}-${spec.name}`,
            kmsKey,
            deletionProtection: config.dynamodb.deletionProtection,
            alarmTopicArn: alarmTopic.arn,
          }),
        ]),
      ),
    );

    const postgresUsers = catalog.services.filter((s) => s.needs.postgres);
    const databases = [...new Set(postgresUsers.map((s) => s.needs.postgres!.database))];
    if (databases.length > 1) {
      // Aurora creates one initial database; more would need a migration step the platform lacks.
      throw new Error(`catalog: services need databases ${databases.join(', ')}; the platform creates exactly one`);
    }
    const aurora =
      databases.length === 1
        ? new AuroraPostgres(this, 'aurora', {
            name: prefix,
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            availabilityZones: config.network.availabilityZones,
            kmsKey,
            engineVersion: config.aurora.engineVersion,
            minCapacityAcu: config.aurora.minCapacityAcu,
            maxCapacityAcu: config.aurora.maxCapacityAcu,
            readerCount: config.aurora.readers,
            deletionProtection: config.aurora.deletionProtection,
            backupRetentionDays: config.aurora.backupRetentionDays,
            databaseName: databases[0]!,
            logRetentionDays: config.observability.logRetentionDays,
            alarmTopicArn: alarmTopic.arn,
          })
        : undefined;

    const cache = catalog.services.some((s) => s.needs.cache)
      ? new Cache(this, 'cache', {
          name: prefix,
          vpcId: network.vpcId,
          subnetIds: network.isolatedSubnetIds,
          kmsKey,
          engine: config.cache.engine,
          engineVersion: config.cache.engineVersion,
          nodeType: config.cache.nodeType,
          replicas: config.cache.replicas,
          multiAz: config.cache.multiAz,
          snapshotRetentionDays: config.cache.snapshotRetentionDays,
          logRetentionDays: config.observability.logRetentionDays,
          alarmTopicArn: alarmTopic.arn,
        })
      : undefined;

    const loadBalancer = new LoadBalancer(this, 'alb', {
      name: prefix,
      accountId: config.accountId,
      region: config.region,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      certificateArn: config.certificateArn,
      deletionProtection: config.loadBalancer.deletionProtection,
      idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      wafRateLimitPer5Minutes: config.loadBalancer.wafRateLimitPer5Minutes,
      accessLogs: config.loadBalancer.accessLogs ? { expirationDays: config.loadBalancer.accessLogExpirationDays } : undefined,
      alarmTopicArn: alarmTopic.arn,
    });
    const cluster = new Cluster(this, 'cluster', { name: prefix });

    const sesDomain = config.sesIdentityArn.split('/').pop()!;
    const services: Record<string, Microservice> = {};
    for (const spec of catalog.services) {
      const repository = new ServiceRepository(this, `ecr-${spec.name}`, { name: `${config.project}/${spec.name}`, kmsKey });
      const imageTag = new TerraformVariable(this, imageTagVariable(spec.name), {
        type: 'string',
        default: config.compute.imageTag,
        description: `Image tag of the ${spec.name} service (the pipeline sets it per deploy; docs/decisions/0004)`,
        validation: [
          {
            condition: `\${can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.${imageTagVariable(spec.name)}))}`,
            errorMessage: 'An image tag is 1-128 characters of letters, digits, "_", "." and "-".',
          },
        ],
      });
      const needs = spec.needs;
      const service = new Microservice(this, `svc-${spec.name}`, {
        spec,
        sizing: spec.sizing[config.name],
        namePrefix: prefix,
        accountId: config.accountId,
        region: config.region,
        cluster,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        loadBalancer,
        repository,
        imageTag: imageTag.stringValue,
        environment: serviceEnvironment(spec, {
          logLevel: config.logLevel,
          region: config.region,
          domain: config.domain,
          sesFromAddress: `no-reply@${sesDomain}`,
          database: aurora && { host: aurora.endpoint, port: aurora.port },
          cache: cache && {
            primaryEndpoint: cache.primaryEndpoint,
            port: cache.port,
            iamUserId: cache.iamUserId,
            replicationGroupId: cache.replicationGroupId,
          },
          tables: Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, t.name])),
          queues: Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, { url: q.url, dlqUrl: q.dlqUrl }])),
        }),
        secrets: serviceSecrets(spec, {
          platformSecretArns: Object.fromEntries(Object.entries(secrets).map(([name, s]) => [name, s.arn])) as Record<PlatformSecretName, string>,
          databaseSecretArn: aurora?.masterSecretArn,
        }),
        kmsKey,
        logRetentionDays: config.observability.logRetentionDays,
        spotSharePercent: config.compute.spotSharePercent,
        healthCheckGraceSeconds: config.compute.healthCheckGraceSeconds,
        alarmTopicArn: alarmTopic.arn,
        backlogQueueName: needs.consumes?.[0] && queues[needs.consumes[0]]!.name,
      });
      services[spec.name] = service;

      // Injected secrets are read by ECS (execution role), never by the application.
      for (const ref of spec.secrets) secrets[ref.secret].grantRead(service.executionRole);
      // Least privilege from the catalog: the task role gets exactly what `needs` lists.
      for (const table of needs.tables ?? []) tables[table.name]!.grantReadWrite(service.taskRole);
      for (const name of needs.publishes ?? []) queues[name]!.grantSend(service.taskRole);
      for (const name of needs.consumes ?? []) queues[name]!.grantConsume(service.taskRole);
      if (needs.postgres && aurora) {
        aurora.grantMasterSecretRead(service.executionRole);
        aurora.allowFrom(service.securityGroupId, `${spec.name} service`);
        service.allowEgressTo(aurora.securityGroupId, aurora.port, 'To Aurora PostgreSQL');
      }
      if (needs.cache && cache) {
        cache.grantConnect(service.taskRole);
        cache.allowFrom(service.securityGroupId, `${spec.name} service`);
        service.allowEgressTo(cache.securityGroupId, cache.port, 'To ElastiCache');
      }
      if (needs.email) service.taskRole.addToPolicy({ actions: ['ses:SendEmail'], resources: [config.sesIdentityArn] });
    }
    this.services = services;

    new PlatformDashboard(this, 'dashboard', {
      name: prefix,
      region: config.region,
      loadBalancer: {
        arnSuffix: loadBalancer.arnSuffix,
        targetGroups: Object.values(services).flatMap((s) =>
          s.targetGroupArnSuffix ? [{ service: s.serviceName, arnSuffix: s.targetGroupArnSuffix }] : [],
        ),
      },
      ecs: { clusterName: cluster.name, serviceNames: Object.keys(services) },
      aurora,
      cache,
      tables: Object.values(tables),
      queues: Object.values(queues),
    });

    new TerraformOutput(this, 'alb_dns_name', { value: loadBalancer.dnsName });
    new TerraformOutput(this, 'alb_zone_id', { value: loadBalancer.zoneId });
  }

  private configureProviderAndBackend(props: PlatformStackProps): void {
    const { config } = props;
    configureStack(this, {
      validationMode: props.validationMode,
      accountId: config.accountId,
      region: config.region,
      tags: { Environment: config.name, Service: config.project, ManagedBy: 'cdktf', CostCenter: config.costCenter },
      state: { bucket: config.state.bucket, key: platformStateKey(config.name), region: config.state.region },
    });
  }
}
