/**
 * What the stacks of one environment build, counted from (environment config, catalog).
 *
 * The per-resource counts below (alarms per table, WAF rules, …) mirror modules/*;
 * __tests__/infra/cost.test.ts compares every count with the synthesized stacks, so a
 * module change that adds or removes a billed resource fails that test until this file follows.
 */
import type { EnvironmentConfig } from '../../envs';
import { INTERFACE_ENDPOINT_SERVICES } from '../../modules/network/network';
import { emittedMetrics } from '../../modules/observability/emitted-metrics';
import { sloAlarmCounts } from '../../modules/observability/slo-alarms';
import type { Catalog, ServiceSpec } from '../../services/catalog';

/** Alarms each construct creates (modules/load-balancer, edge, dynamodb, microservice, queue, cache, aurora); the SLO alarms are counted from the metric catalog. */
export const ALARMS = {
  loadBalancer: 3,
  edge: 3,
  perTable: 2,
  perService: 3,
  perRoutedService: 1,
  perQueue: 2,
  perCacheNode: 2,
  aurora: 2,
} as const;

/** Rules of the edge web ACL (modules/edge: three AWS managed rule groups + the per-IP rate limit). */
export const WAF_RULES = 4;
/** CloudFront's additional distribution metrics (origin latency, error rates by status…), billed as custom metrics. */
export const CLOUDFRONT_ADDITIONAL_METRICS = 8;

export interface LogGroupCount {
  readonly name: string;
  readonly kind: 'service' | 'flow-logs' | 'data-store' | 'edge';
  /** The service writing to it (kind `service`). */
  readonly service?: string;
  readonly retentionDays: number;
}

export interface Inventory {
  readonly availabilityZones: number;
  readonly natGateways: number;
  /** Interface endpoints (one per AWS service) and endpoint × AZ pairs (each billed per hour). */
  readonly interfaceEndpoints: number;
  readonly interfaceEndpointAzs: number;
  readonly services: readonly ServiceSpec[];
  /** Writer + readers, 0 when no service needs PostgreSQL. */
  readonly auroraInstances: number;
  /** Primary + replicas, 0 when no service needs the cache. */
  readonly cacheNodes: number;
  readonly tables: number;
  /** Queues consumed by at least one service, with their receive wait (long polling). */
  readonly consumedQueues: readonly { readonly name: string; readonly receiveWaitSeconds: number; readonly consumers: readonly ServiceSpec[] }[];
  /** SQS queues including dead-letter queues. */
  readonly sqsQueues: number;
  readonly ecrRepositories: number;
  readonly logGroups: readonly LogGroupCount[];
  readonly kmsKeys: number;
  /** The RDS-managed master secret (billed by Secrets Manager); the platform generates no other secret. */
  readonly secrets: number;
  /** Metric alarms (resources), and the alarm metrics they bill (a metric-math alarm bills each metric it reads). */
  readonly alarms: number;
  readonly alarmMetrics: number;
  /** One per service with SLO alarms (modules/observability/slo-alarms.ts). */
  readonly compositeAlarms: number;
  readonly dashboards: number;
  readonly wafWebAcls: number;
  readonly wafRules: number;
  readonly cloudfrontAdditionalMetrics: number;
  readonly hostedZones: number;
}

export function inventoryOf(config: EnvironmentConfig, catalog: Catalog): Inventory {
  const azs = config.network.availabilityZones.length;
  const services = catalog.services;
  const hasAurora = services.some((s) => s.needs.postgres);
  const hasCache = services.some((s) => s.needs.cache);
  const tables = services.reduce((n, s) => n + (s.needs.tables?.length ?? 0), 0);
  const auroraInstances = hasAurora ? 1 + config.aurora.readers : 0;
  const cacheNodes = hasCache ? 1 + config.cache.replicas : 0;
  const retention = config.observability.logRetentionDays;
  const endpoints = config.network.interfaceEndpoints ? INTERFACE_ENDPOINT_SERVICES.length : 0;

  const logGroups: LogGroupCount[] = [
    ...services.map((s) => ({ name: `/ecs/${s.name}`, kind: 'service' as const, service: s.name, retentionDays: retention })),
    { name: 'VPC flow logs', kind: 'flow-logs', retentionDays: config.network.flowLogRetentionDays },
    ...(hasAurora ? [{ name: 'Aurora postgresql log', kind: 'data-store' as const, retentionDays: retention }] : []),
    ...(hasCache ? [{ name: 'cache slow log', kind: 'data-store' as const, retentionDays: retention }] : []),
    { name: 'WAF log (us-east-1)', kind: 'edge', retentionDays: retention },
    { name: 'CloudFront access log (us-east-1)', kind: 'edge', retentionDays: retention },
  ];

  const alarms =
    ALARMS.loadBalancer +
    ALARMS.edge +
    tables * ALARMS.perTable +
    services.reduce((n, s) => n + ALARMS.perService + (s.routes.length > 0 ? ALARMS.perRoutedService : 0), 0) +
    catalog.queues.length * ALARMS.perQueue +
    cacheNodes * ALARMS.perCacheNode +
    (hasAurora ? ALARMS.aurora : 0);
  const slo = services.map((s) => sloAlarmCounts(emittedMetrics(s)));
  const sum = (key: keyof (typeof slo)[number]) => slo.reduce((n, c) => n + c[key], 0);

  return {
    availabilityZones: azs,
    natGateways: config.network.natGateways === 'single' ? 1 : azs,
    interfaceEndpoints: endpoints,
    interfaceEndpointAzs: endpoints * azs,
    services,
    auroraInstances,
    cacheNodes,
    tables,
    consumedQueues: catalog.queues
      .map((q) => ({
        name: q.name,
        receiveWaitSeconds: q.receiveWaitSeconds,
        consumers: services.filter((s) => s.needs.consumes?.includes(q.name)),
      }))
      .filter((q) => q.consumers.length > 0),
    sqsQueues: catalog.queues.length * 2,
    ecrRepositories: services.length,
    logGroups,
    // The environment CMK, one asymmetric access-token key per configured key name, one
    // service-token key per calling service.
    // + the static-assets bucket's key and the us-east-1 key of the edge's logs and alarm topic.
    kmsKeys: 1 + config.tokens.keys.length + services.filter((s) => s.needs.calls?.length).length + 2,
    secrets: hasAurora ? 1 : 0,
    alarms: alarms + sum('alarms'),
    alarmMetrics: alarms + sum('alarmMetrics'),
    compositeAlarms: sum('compositeAlarms'),
    // The environment dashboard and one per service.
    dashboards: 1 + services.length,
    wafWebAcls: 1,
    wafRules: WAF_RULES,
    cloudfrontAdditionalMetrics: CLOUDFRONT_ADDITIONAL_METRICS,
    hostedZones: 1,
  };
}
