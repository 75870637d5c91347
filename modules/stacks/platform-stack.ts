/**
 * `<env>-platform`: what every service of an environment shares — network, KMS, data stores,
 * queues, the edge (Route 53, CloudFront, WAF, certificates, static assets; modules/edge), the
 * internal ALB and its listener, cluster, ECR repositories, access-token keys, alarm topics and the
 * environment dashboard — and the typed contract the service stacks read (platform-contract.ts).
 * Nothing here belongs to one service alone: task definitions, target groups, listener rules,
 * roles, grants and network paths live in each `<env>-<service>` stack (service-stack.ts).
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { ServiceDiscoveryHttpNamespace } from '@cdktf/provider-aws/lib/service-discovery-http-namespace';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { allTables, type Catalog } from '../../services/catalog';
import { AuroraPostgres } from '../aurora/aurora-postgres';
import { Cache } from '../cache/cache';
import { Cluster } from '../cluster/cluster';
import { serviceRepositoryName } from '../delivery/names';
import { DynamoTable } from '../dynamodb/dynamo-table';
import { DnsValidatedCertificate } from '../edge/dns-validated-certificate';
import { EDGE_REGION } from '../edge/edge-contract';
import { Edge, originDomainName } from '../edge/edge';
import { LoadBalancer } from '../load-balancer/load-balancer';
import { Network } from '../network/network';
import { AlarmTopic } from '../observability/alarm-topic';
import { Dashboard, type GraphWidget } from '../observability/dashboard';
import { metric } from '../observability/metric';
import { Queue } from '../queue/queue';
import { ServiceRepository } from '../registry/service-repository';
import { KmsKey } from '../security/kms-key';
import { SigningKey } from '../security/signing-key';
import { environmentTags, namePrefix, type EnvironmentSettings } from './environment';
import { platformStateKey } from './naming';
import { publishPlatformContract, type PlatformContract } from './platform-contract';
import { configureStack } from './stack-setup';

export interface PlatformStackProps {
  readonly config: EnvironmentSettings;
  readonly catalog: Catalog;
  /**
   * Offline validation (docs/decisions/0002): local state and a provider that never calls AWS.
   * Every resource is identical to real mode.
   */
  readonly validationMode: boolean;
}

export class PlatformStack extends TerraformStack {
  /** What the service stacks read, as published (tests compare it with the outputs). */
  readonly contract: PlatformContract;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { config, catalog } = props;
    const prefix = namePrefix(config);
    const providerAlias = configureStack(this, {
      validationMode: props.validationMode,
      accountId: config.accountId,
      region: config.region,
      tags: environmentTags(config, config.project),
      state: { bucket: config.state.bucket, key: platformStateKey(config.name), region: config.state.region },
    });

    const kmsKey = new KmsKey(this, 'kms', {
      name: prefix,
      description: `${prefix}: logs, queues, tables, cache, database, alarms`,
      accountId: config.accountId,
      region: config.region,
      serviceUse: { logs: true, cloudwatchAlarmNamePattern: `${prefix}-*` },
    });
    const alarmTopic = new AlarmTopic(this, 'alarms', { name: `${prefix}-alarms`, kmsKey, alarmNamePattern: `${prefix}-*` });
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

    const queues = Object.fromEntries(
      catalog.queues.map((spec) => [
        spec.name,
        new Queue(this, `queue-${spec.name}`, { spec, physicalName: `${prefix}-${spec.name}`, kmsKey, alarmTopicArn: alarmTopic.arn }),
      ]),
    );
    const tables = Object.fromEntries(
      allTables(catalog).map(({ table }) => [
        table.name,
        new DynamoTable(this, `table-${table.name}`, {
          spec: table,
          physicalName: `${prefix}-${table.name}`,
          kmsKey,
          deletionProtection: config.dynamodb.deletionProtection,
          alarmTopicArn: alarmTopic.arn,
        }),
      ]),
    );

    const databases = [...new Set(catalog.services.flatMap((s) => (s.needs.postgres ? [s.needs.postgres.database] : [])))];
    if (databases.length > 1) {
      // Aurora creates one initial database; more would need a migration step the platform lacks.
      throw new Error(`catalog: services need databases ${databases.join(', ')}; the platform creates exactly one`);
    }
    const aurora =
      databases.length === 1
        ? new AuroraPostgres(this, 'aurora', {
            name: prefix,
            accountId: config.accountId,
            region: config.region,
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
            monitoringIntervalSeconds: config.aurora.monitoringIntervalSeconds,
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
          ...config.cache,
          logRetentionDays: config.observability.logRetentionDays,
          alarmTopicArn: alarmTopic.arn,
        })
      : undefined;

    // The ALB's certificate covers the name CloudFront reaches it by (modules/edge).
    const originCertificateArn =
      config.certificateArn ??
      new DnsValidatedCertificate(this, 'origin-certificate', { domainName: originDomainName(config.domain), hostedZoneId: config.hostedZoneId }).arn;
    const loadBalancer = new LoadBalancer(this, 'alb', {
      name: prefix,
      accountId: config.accountId,
      region: config.region,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
      certificateArn: originCertificateArn,
      originFacingPrefixListId: config.edge.originFacingPrefixListId,
      deletionProtection: config.loadBalancer.deletionProtection,
      idleTimeoutSeconds: config.loadBalancer.idleTimeoutSeconds,
      accessLogs: config.loadBalancer.accessLogs ? { expirationDays: config.loadBalancer.accessLogExpirationDays } : undefined,
      alarmTopicArn: alarmTopic.arn,
    });
    const edge = new Edge(this, 'edge', {
      name: prefix,
      accountId: config.accountId,
      region: config.region,
      edgeProvider: providerAlias(this, 'aws-edge', EDGE_PROVIDER_ALIAS, EDGE_REGION),
      domain: config.domain,
      hostedZoneId: config.hostedZoneId,
      priceClass: config.edge.priceClass,
      staticPathPattern: config.edge.staticPathPattern,
      wafRateLimitPer5Minutes: config.edge.wafRateLimitPer5Minutes,
      viewerCertificateArn: config.edge.viewerCertificateArn,
      loadBalancer: { arn: loadBalancer.arn, dnsName: loadBalancer.dnsName, zoneId: loadBalancer.zoneId },
      logRetentionDays: config.observability.logRetentionDays,
      alarmEmail: config.observability.alarmEmail,
    });
    const cluster = new Cluster(this, 'cluster', { name: prefix });
    const serviceConnect = new ServiceDiscoveryHttpNamespace(this, 'service-connect', {
      name: prefix,
      description: `${prefix}: ECS Service Connect (services reach each other at http://<name>:<port>)`,
    });
    // One empty group per service: the ALB, the data stores and callers name it; rules live in the service stacks.
    const serviceGroups = Object.fromEntries(
      catalog.services.map((s) => [
        s.name,
        new SecurityGroup(this, `sg-${s.name}`, {
          name: `${prefix}-${s.name}-service`,
          description: `${s.name} tasks: ingress only from the ALB and declared callers, on the container port`,
          vpcId: network.vpcId,
          tags: { Name: `${prefix}-${s.name}-service` },
        }),
      ]),
    );
    // Each calling service signs its short-lived service tokens with its own key (docs/decisions/0014).
    const callerKeys = Object.fromEntries(
      catalog.services
        .filter((s) => s.needs.calls?.length)
        .map((s) => [
          s.name,
          new SigningKey(this, `caller-key-${s.name}`, {
            name: `${prefix}-service-tokens-${s.name}`,
            description: `${prefix}: signs the ${s.name} service's tokens for the services it calls`,
            accountId: config.accountId,
          }),
        ]),
    );
    const repositories = Object.fromEntries(
      catalog.services.map((s) => [s.name, new ServiceRepository(this, `ecr-${s.name}`, { name: serviceRepositoryName(config.project, s.name), kmsKey })]),
    );
    const tokenKeys = Object.fromEntries(
      config.tokens.keys.map((name) => [
        name,
        new SigningKey(this, `token-key-${name}`, {
          name: `${prefix}-access-tokens-${name}`,
          description: `${prefix}: signs access tokens (ES256), key "${name}"`,
          accountId: config.accountId,
        }),
      ]),
    );

    this.contract = {
      network: { vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds },
      loadBalancer: { arnSuffix: loadBalancer.arnSuffix, httpsListenerArn: loadBalancer.httpsListenerArn, securityGroupId: loadBalancer.securityGroupId },
      cluster: { arn: cluster.arn, name: cluster.name },
      serviceConnect: { namespaceArn: serviceConnect.arn },
      services: mapValues(serviceGroups, (g) => ({ securityGroupId: g.id })),
      callerKeys: mapValues(callerKeys, (k) => k.arn),
      kmsKeyArn: kmsKey.arn,
      alarmTopicArn: alarmTopic.arn,
      repositories: mapValues(repositories, (r) => ({ url: r.repositoryUrl, arn: r.arn })),
      tables: mapValues(tables, (t) => ({ name: t.name, arn: t.arn })),
      queues: mapValues(queues, (q) => ({ url: q.url, arn: q.arn, name: q.name, dlqUrl: q.dlqUrl, dlqName: q.dlqName })),
      ...(aurora
        ? {
            postgres: {
              endpoint: aurora.endpoint,
              securityGroupId: aurora.securityGroupId,
              clusterResourceId: aurora.clusterResourceId,
              masterSecretArn: aurora.masterSecretArn,
            },
          }
        : {}),
      ...(cache
        ? {
            cache: {
              primaryEndpoint: cache.primaryEndpoint,
              securityGroupId: cache.securityGroupId,
              replicationGroupId: cache.replicationGroupId,
              arn: cache.arn,
              iamUserId: cache.iamUserId,
              iamUserArn: cache.iamUserArn,
            },
          }
        : {}),
      tokenKeys: {
        signingKeyArn: tokenKeys[config.tokens.signWith]!.arn,
        verifyKeyArns: mapValues(tokenKeys, (key) => key.arn),
      },
    };
    publishPlatformContract(this, this.contract);

    new Dashboard(this, 'dashboard', {
      name: prefix,
      region: config.region,
      widgets: environmentWidgets({
        edge,
        loadBalancer,
        cluster: cluster.name,
        services: catalog.services.map((s) => s.name),
        aurora,
        cache,
        tables: Object.values(tables),
        queues: Object.values(queues),
      }),
    });
    const operatorOutputs: Record<OperatorOutput, { value: string; description: string }> = {
      alb_dns_name: { value: loadBalancer.dnsName, description: 'the internal ALB (operators; resolvable inside the VPC)' },
      distribution_id: { value: edge.distribution.id, description: 'the CloudFront distribution (invalidations)' },
      distribution_domain_name: { value: edge.distribution.domainName, description: 'CloudFront\'s own name, before DNS points at it' },
      static_assets_bucket: { value: edge.staticAssets.bucketName, description: 'where static assets are uploaded' },
    };
    for (const [name, output] of Object.entries(operatorOutputs)) new TerraformOutput(this, name, output);
  }
}

/** The us-east-1 provider alias of the platform stack (CloudFront, its certificate, WAF, logs). */
export const EDGE_PROVIDER_ALIAS = 'edge';

/** Outputs for operators and pipelines, besides the platform contract. */
export const OPERATOR_OUTPUTS = ['alb_dns_name', 'distribution_id', 'distribution_domain_name', 'static_assets_bucket'] as const;
type OperatorOutput = (typeof OPERATOR_OUTPUTS)[number];

const mapValues = <T, U>(record: Readonly<Record<string, T>>, f: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));

/** The environment dashboard: edge and ALB traffic, every service's CPU and memory, data stores and queues. */
function environmentWidgets(parts: {
  edge: Edge;
  loadBalancer: LoadBalancer;
  cluster: string;
  services: readonly string[];
  aurora?: AuroraPostgres;
  cache?: Cache;
  tables: readonly DynamoTable[];
  queues: readonly Queue[];
}): GraphWidget[] {
  const { loadBalancer: alb, aurora, cache, tables, queues } = parts;
  const byService = (metricName: string) =>
    parts.services.map((s) => metric('AWS/ECS', metricName, { ClusterName: parts.cluster, ServiceName: s }, 'Average', { label: s }));
  return [
    ...parts.edge.widgets(),
    { title: 'ALB requests and 5xx', metrics: ['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count'].map((m) => alb.metric(m)) },
    { title: 'ALB p99 target response time (s)', metrics: [alb.metric('TargetResponseTime', 'p99')] },
    { title: 'Service CPU %', metrics: byService('CPUUtilization') },
    { title: 'Service memory %', metrics: byService('MemoryUtilization') },
    ...(aurora
      ? [
          { title: 'Aurora CPU % and ACU', metrics: [aurora.metric('CPUUtilization'), aurora.metric('ServerlessDatabaseCapacity')] },
          { title: 'Aurora connections', metrics: [aurora.metric('DatabaseConnections', 'Maximum')] },
        ]
      : []),
    ...(cache
      ? [
          {
            title: 'Cache memory % and engine CPU %',
            metrics: cache.nodeIds.flatMap((n) => [cache.metric('DatabaseMemoryUsagePercentage', n), cache.metric('EngineCPUUtilization', n)]),
          },
          { title: 'Cache hits / misses', metrics: cache.nodeIds.flatMap((n) => [cache.metric('CacheHits', n, 'Sum'), cache.metric('CacheMisses', n, 'Sum')]) },
        ]
      : []),
    {
      title: 'DynamoDB consumed capacity',
      metrics: tables.flatMap((t) => [t.metric('ConsumedReadCapacityUnits'), t.metric('ConsumedWriteCapacityUnits')]),
    },
    { title: 'DynamoDB throttles', metrics: tables.flatMap((t) => [t.metric('ReadThrottleEvents'), t.metric('WriteThrottleEvents')]) },
    {
      title: 'Queue backlog and DLQ depth',
      metrics: queues.flatMap((q) => [q.metric('ApproximateNumberOfMessagesVisible'), q.metric('ApproximateNumberOfMessagesVisible', 'Maximum', true)]),
    },
    { title: 'Oldest message age (s)', metrics: queues.map((q) => q.metric('ApproximateAgeOfOldestMessage')) },
  ];
}
