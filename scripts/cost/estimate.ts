/**
 * Monthly cost of one environment: a pure function from (environment config, catalog, usage
 * assumptions, price table) to line items. Quantities come from the config and the catalog
 * (inventory.ts) and from the named assumptions (assumptions.ts); unit prices from prices.ts.
 */
import type { EnvironmentConfig } from '../../envs';
import { capacityProviderStrategy } from '../../modules/microservice/microservice';
import type { Catalog, ServiceSpec } from '../../services/catalog';
import type { UsageAssumptions } from './assumptions';
import { inventoryOf } from './inventory';
import { pricesFor, type PriceBasis, type PriceTable, type UnitPrice } from './prices';

export const CATEGORIES = [
  'compute',
  'network',
  'load balancer',
  'edge',
  'database',
  'cache',
  'dynamodb',
  'messaging',
  'observability',
  'security',
  'registry',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface LineItem {
  readonly category: Category;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
  readonly priceBasis: PriceBasis;
}

export interface Estimate {
  readonly environment: string;
  readonly region: string;
  readonly pricesChecked: string;
  readonly lineItems: readonly LineItem[];
  readonly totalUsd: number;
  /** Every assumption behind the quantities, in words. */
  readonly assumptions: readonly string[];
}

/** Each LCU covers 25 new connections/s, 1 GB processed/hour, 1,000 rule evaluations/s (ALB pricing page). */
const LCU = { newConnectionsPerSecond: 25, processedGbPerHour: 1, ruleEvaluationsPerSecond: 1000 } as const;
/** The first 10 rules a request is evaluated against are free. */
const FREE_RULE_EVALUATIONS = 10;
const KIB_PER_GB = 1024 * 1024;

type Strategy = readonly { readonly capacityProvider: string; readonly base?: number; readonly weight: number }[];

/** Expected tasks on FARGATE and FARGATE_SPOT when `tasks` run under `strategy`: bases first, the rest by weight. */
export function tasksByProvider(strategy: Strategy, tasks: number): { onDemand: number; spot: number } {
  const placed: Record<string, number> = { FARGATE: 0, FARGATE_SPOT: 0 };
  let remaining = tasks;
  for (const s of strategy) {
    const base = Math.min(s.base ?? 0, remaining);
    placed[s.capacityProvider] = (placed[s.capacityProvider] ?? 0) + base;
    remaining -= base;
  }
  const totalWeight = strategy.reduce((sum, s) => sum + s.weight, 0);
  for (const s of strategy) placed[s.capacityProvider] = (placed[s.capacityProvider] ?? 0) + (remaining * s.weight) / totalWeight;
  return { onDemand: placed.FARGATE!, spot: placed.FARGATE_SPOT! };
}

const weaker = (a: PriceBasis, b: PriceBasis): PriceBasis =>
  a === 'estimate' || b === 'estimate' ? 'estimate' : a === 'secondary' || b === 'secondary' ? 'secondary' : 'aws';

/** `price` after the Spot discount. */
const spotPrice = (price: UnitPrice, discount: UnitPrice): UnitPrice => ({
  ...price,
  usd: price.usd * (1 - discount.usd),
  basis: weaker(price.basis, discount.basis),
});

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
const pct = (share: number): string => `${fmt(share * 100)} %`;

export function estimate(
  config: EnvironmentConfig,
  catalog: Catalog,
  a: UsageAssumptions,
  prices: PriceTable = pricesFor(config.region),
): Estimate {
  if (prices.region !== config.region) {
    throw new Error(`cost: ${config.name} runs in ${config.region} but the price table is for ${prices.region}`);
  }
  const inv = inventoryOf(config, catalog);
  const hours = a.hoursPerMonth;
  const lines: LineItem[] = [];
  const notes: string[] = [];
  const add = (category: Category, item: string, quantity: number, price: UnitPrice) => {
    if (quantity <= 0) return;
    lines.push({
      category,
      item,
      quantity,
      unit: price.unit,
      unitPriceUsd: price.usd,
      monthlyUsd: quantity * price.usd,
      priceBasis: price.basis,
    });
  };

  notes.push(`${fmt(hours)} hours per month; free tiers are not applied (an upper bound).`);

  // Compute: Fargate ARM64, split between FARGATE and FARGATE_SPOT as the services' strategy places tasks.
  const averageTasks = (s: ServiceSpec) => {
    const sizing = s.sizing[config.name];
    return sizing.minTasks + a.scaleOutShare * (sizing.maxTasks - sizing.minTasks);
  };
  const strategy = capacityProviderStrategy(config.compute.spotSharePercent);
  const hoursOf = () => ({ onDemand: { vcpu: 0, gb: 0 }, spot: { vcpu: 0, gb: 0 } });
  const usage = { app: hoursOf(), sidecar: hoursOf() };
  for (const s of inv.services) {
    const sizing = s.sizing[config.name];
    const split = tasksByProvider(strategy, averageTasks(s));
    for (const [provider, tasks] of [['onDemand', split.onDemand], ['spot', split.spot]] as const) {
      usage.app[provider].vcpu += (tasks * sizing.cpu * hours) / 1024;
      usage.app[provider].gb += (tasks * sizing.memory * hours) / 1024;
      usage.sidecar[provider].vcpu += (tasks * a.otelSidecar.cpuUnits * hours) / 1024;
      usage.sidecar[provider].gb += (tasks * a.otelSidecar.memoryMiB * hours) / 1024;
    }
  }
  const spotVcpu = spotPrice(prices.fargate.armVcpuHour, prices.fargate.spotDiscount);
  const spotGb = spotPrice(prices.fargate.armGbHour, prices.fargate.spotDiscount);
  for (const [part, label] of [['app', 'app containers'], ['sidecar', 'OpenTelemetry sidecar']] as const) {
    add('compute', `Fargate ARM64 vCPU, ${label}, on-demand`, usage[part].onDemand.vcpu, prices.fargate.armVcpuHour);
    add('compute', `Fargate ARM64 memory, ${label}, on-demand`, usage[part].onDemand.gb, prices.fargate.armGbHour);
    add('compute', `Fargate ARM64 vCPU, ${label}, Spot`, usage[part].spot.vcpu, spotVcpu);
    add('compute', `Fargate ARM64 memory, ${label}, Spot`, usage[part].spot.gb, spotGb);
  }
  notes.push(
    `Tasks: average per service = minTasks + ${pct(a.scaleOutShare)} of (maxTasks − minTasks) (${inv.services
      .map((s) => `${s.name} ${fmt(averageTasks(s))}`)
      .join(', ')}); ${config.compute.spotSharePercent} % Spot by weight, the first task on-demand unless all are Spot; Spot ${pct(prices.fargate.spotDiscount.usd)} below on-demand.`,
    `OpenTelemetry collector sidecar: ${a.otelSidecar.cpuUnits} CPU units + ${a.otelSidecar.memoryMiB} MiB per task on top of the catalog sizing (to align with the task definition).`,
  );

  // Network.
  add('network', `NAT gateway hours (${inv.natGateways} × ${config.network.natGateways})`, inv.natGateways * hours, prices.network.natGatewayHour);
  add('network', 'NAT gateway data processed', a.natProcessedGbPerMonth, prices.network.natGatewayGb);
  add('network', 'Public IPv4 addresses of the NAT gateways', inv.natGateways * hours, prices.network.publicIpv4Hour);
  add('network', `VPC interface endpoints (${inv.interfaceEndpoints} × ${inv.availabilityZones} AZs)`, inv.interfaceEndpointAzs * hours, prices.network.interfaceEndpointAzHour);
  add('network', 'VPC interface endpoint data processed', inv.interfaceEndpointAzs > 0 ? a.interfaceEndpointGbPerMonth : 0, prices.network.interfaceEndpointGb);
  notes.push(
    `Network: ${fmt(a.natProcessedGbPerMonth)} GB/month through NAT` +
      (inv.interfaceEndpointAzs > 0 ? `, ${fmt(a.interfaceEndpointGbPerMonth)} GB/month through interface endpoints.` : '; no interface endpoints (AWS API traffic goes through NAT).'),
  );

  // Traffic: CloudFront → WAF → ALB.
  const t = a.traffic;
  const requestsPerSecond = t.requestsPerMonth / (hours * 3600);
  const listenerRules = inv.services.reduce((n, s) => n + s.routes.length, 0);
  const processedGbPerHour = (t.requestsPerMonth * (t.averageRequestKiB + t.averageResponseKiB)) / KIB_PER_GB / hours;
  const lcu = Math.max(
    (requestsPerSecond * t.newConnectionsPerRequest) / LCU.newConnectionsPerSecond,
    processedGbPerHour / LCU.processedGbPerHour,
    (requestsPerSecond * Math.max(0, listenerRules - FREE_RULE_EVALUATIONS)) / LCU.ruleEvaluationsPerSecond,
  );
  add('load balancer', 'Application Load Balancer hours', hours, prices.loadBalancer.albHour);
  add('load balancer', `ALB capacity units (${fmt(lcu)} LCU average)`, lcu * hours, prices.loadBalancer.lcuHour);
  add('edge', 'CloudFront HTTPS requests', t.requestsPerMonth / 10_000, prices.cloudfront.httpsRequestsPer10k);
  add('edge', 'CloudFront data transfer out', (t.requestsPerMonth * t.averageResponseKiB) / KIB_PER_GB, prices.cloudfront.dataOutGb);
  add('edge', 'WAF web ACL', inv.wafWebAcls, prices.waf.webAclMonth);
  add('edge', `WAF rules (${inv.wafRules} per web ACL)`, inv.wafWebAcls * inv.wafRules, prices.waf.ruleMonth);
  add('edge', 'WAF requests inspected', t.requestsPerMonth / 1e6, prices.waf.requestsPerMillion);
  add('edge', 'Route 53 hosted zone', inv.hostedZones, prices.route53.hostedZoneMonth);
  add('edge', 'Route 53 queries (non-alias)', a.route53QueriesPerMonth / 1e6, prices.route53.queriesPerMillion);
  notes.push(
    `Traffic: ${fmt(t.requestsPerMonth)} requests/month (${fmt(requestsPerSecond)}/s average hour; peaks cost more LCUs), ${fmt(t.averageResponseKiB)} KiB response + ${fmt(t.averageRequestKiB)} KiB request, ` +
      `${pct(t.newConnectionsPerRequest)} of requests open a new ALB connection; viewers in Europe (CloudFront price class 100); every request inspected by WAF; ${listenerRules} listener rules (first ${FREE_RULE_EVALUATIONS} free).`,
    `Route 53: alias records to CloudFront are free; ${fmt(a.route53QueriesPerMonth)} other queries/month.`,
  );

  // Aurora PostgreSQL Serverless v2 (Aurora Standard: the cluster sets no storage_type, so I/O is billed per request).
  if (inv.auroraInstances > 0) {
    const { minCapacityAcu: min, maxCapacityAcu: max, backupRetentionDays } = config.aurora;
    const averageAcu = min + a.aurora.averageCapacityShare * (max - min);
    add('database', `Aurora Serverless v2 capacity (${inv.auroraInstances} instance(s) × ${fmt(averageAcu)} ACU)`, inv.auroraInstances * averageAcu * hours, prices.aurora.acuHour);
    add('database', 'Aurora storage (Standard)', a.aurora.storageGb, prices.aurora.storageGbMonth);
    add('database', 'Aurora I/O requests', a.aurora.ioRequestsPerMonth / 1e6, prices.aurora.ioPerMillion);
    add('database', 'Aurora backup storage beyond the free volume size', a.aurora.storageGb * a.aurora.dailyChangeShare * backupRetentionDays, prices.aurora.backupGbMonth);
    notes.push(
      `Aurora: Aurora Standard storage (no storage_type set, I/O billed per request); writer + ${config.aurora.readers} reader(s) each at ${fmt(averageAcu)} ACU average = ${fmt(min)} + ${pct(a.aurora.averageCapacityShare)} of (${fmt(max)} − ${fmt(min)}); ` +
        `${fmt(a.aurora.storageGb)} GB stored, ${fmt(a.aurora.ioRequestsPerMonth)} I/Os/month; backups ${backupRetentionDays} day(s) × ${pct(a.aurora.dailyChangeShare)} of the data changed per day beyond the free 100 %.`,
    );
  }

  // ElastiCache.
  if (inv.cacheNodes > 0) {
    const { engine, nodeType, snapshotRetentionDays } = config.cache;
    const nodeHour = prices.cache.nodeHour[engine][nodeType];
    if (!nodeHour) {
      throw new Error(`cost: no ${engine} price for cache node type "${nodeType}" in ${prices.region} (add it to scripts/cost/prices.ts)`);
    }
    add('cache', `ElastiCache ${engine} ${nodeType} nodes (${inv.cacheNodes})`, inv.cacheNodes * hours, nodeHour);
    add('cache', 'ElastiCache backup storage beyond one snapshot', a.cache.dataGb * Math.max(0, snapshotRetentionDays - 1), prices.cache.backupGbMonth);
    notes.push(`Cache: ${engine} ${nodeType} × ${inv.cacheNodes} (primary + ${config.cache.replicas} replica(s)); ${fmt(a.cache.dataGb)} GB per snapshot, ${snapshotRetentionDays} kept.`);
  }

  // DynamoDB on-demand, PITR on every table (modules/dynamodb).
  if (inv.tables > 0) {
    const d = a.dynamodb;
    add('dynamodb', 'DynamoDB write request units', d.writeRequestUnitsPerMonth / 1e6, prices.dynamodb.writeRequestUnitsPerMillion);
    add('dynamodb', 'DynamoDB read request units', d.readRequestUnitsPerMonth / 1e6, prices.dynamodb.readRequestUnitsPerMillion);
    add('dynamodb', `DynamoDB storage (${inv.tables} tables)`, d.storageGb, prices.dynamodb.storageGbMonth);
    add('dynamodb', 'DynamoDB point-in-time recovery', d.storageGb, prices.dynamodb.pitrGbMonth);
    notes.push(`DynamoDB on-demand: ${fmt(d.writeRequestUnitsPerMonth)} WRU and ${fmt(d.readRequestUnitsPerMonth)} RRU/month, ${fmt(d.storageGb)} GB across ${inv.tables} tables (PITR on the same size).`);
  }

  // SQS: idle long polling by every consumer task, plus send/receive/delete per message.
  const pollingRequests = inv.consumedQueues.reduce(
    (sum, q) => sum + q.consumers.reduce((n, s) => n + averageTasks(s) * a.sqs.pollersPerConsumerTask, 0) * ((hours * 3600) / q.receiveWaitSeconds),
    0,
  );
  const messageRequests = a.sqs.messagesPerMonth * a.sqs.requestsPerMessage;
  add('messaging', 'SQS requests', (pollingRequests + messageRequests) / 1e6, prices.sqs.requestsPerMillion);
  notes.push(
    `SQS: ${fmt(a.sqs.messagesPerMonth)} messages/month × ${a.sqs.requestsPerMessage} requests, plus ${fmt(pollingRequests)} long-poll receives (${a.sqs.pollersPerConsumerTask} poller per consumer task, one receive per wait period when idle).`,
  );

  // Observability.
  const daysPerMonth = hours / 24;
  const logGb = (g: (typeof inv.logGroups)[number]): number => {
    if (g.kind === 'flow-logs') return a.logs.flowLogGbPerMonth;
    if (g.kind === 'data-store') return a.logs.dataStoreLogGbPerMonth;
    if (g.kind === 'edge') return a.logs.edgeLogGbPerMonth;
    return averageTasks(inv.services.find((s) => s.name === g.service)!) * a.logs.appGbPerTaskMonth;
  };
  const ingestedGb = inv.logGroups.reduce((sum, g) => sum + logGb(g), 0);
  const storedGb = inv.logGroups.reduce((sum, g) => sum + (logGb(g) * g.retentionDays) / daysPerMonth, 0);
  add('observability', `CloudWatch Logs ingestion (${inv.logGroups.length} log groups)`, ingestedGb, prices.cloudwatch.logsIngestionGb);
  add('observability', 'CloudWatch Logs storage (retention from config)', storedGb, prices.cloudwatch.logsStorageGbMonth);
  add(
    'observability',
    'CloudWatch custom metrics (incl. CloudFront additional metrics)',
    a.customMetricsPerService * inv.services.length + inv.cloudfrontAdditionalMetrics,
    prices.cloudwatch.customMetricMonth,
  );
  add('observability', 'CloudWatch alarms', inv.alarmMetrics, prices.cloudwatch.alarmMonth);
  add('observability', 'CloudWatch composite alarms', inv.compositeAlarms, prices.cloudwatch.compositeAlarmMonth);
  add('observability', 'CloudWatch dashboards', inv.dashboards, prices.cloudwatch.dashboardMonth);
  notes.push(
    `Logs: ${fmt(a.logs.appGbPerTaskMonth)} GB per task-month per service, ${fmt(a.logs.flowLogGbPerMonth)} GB flow logs (kept ${config.network.flowLogRetentionDays} d), ` +
      `${fmt(a.logs.dataStoreLogGbPerMonth)} GB per data-store log group, ${fmt(a.logs.edgeLogGbPerMonth)} GB per edge log group; stored = monthly volume × retention days / ${fmt(daysPerMonth)} (service logs kept ${config.observability.logRetentionDays} d), uncompressed.`,
    `Metrics: ${a.customMetricsPerService} custom metrics per service (application + Container Insights) and ${inv.cloudfrontAdditionalMetrics} CloudFront additional metrics; ${inv.alarms} alarms (${inv.alarmMetrics} alarm metrics), ${inv.compositeAlarms} composite alarm(s) and ${inv.dashboards} dashboard(s) as the stacks define them.`,
  );

  // Security.
  add('security', 'KMS customer managed keys', inv.kmsKeys, prices.kms.keyMonth);
  add('security', 'KMS requests', a.kmsRequestsPerMonth / 10_000, prices.kms.requestsPer10k);
  add('security', `Secrets Manager secrets (${inv.secrets}, incl. the RDS-managed master secret)`, inv.secrets, prices.secretsManager.secretMonth);
  add('security', 'Secrets Manager API calls', a.secretsManagerApiCallsPerMonth / 10_000, prices.secretsManager.apiCallsPer10k);
  notes.push(`KMS: ${fmt(a.kmsRequestsPerMonth)} requests/month; Secrets Manager: ${fmt(a.secretsManagerApiCallsPerMonth)} API calls/month (ECS reads secrets at task start).`);

  // Registry.
  add('registry', `ECR storage (${inv.ecrRepositories} repositories)`, inv.ecrRepositories * a.ecrGbPerRepository, prices.ecr.storageGbMonth);
  notes.push(`ECR: ${fmt(a.ecrGbPerRepository)} GB of unique layers per repository (30 tagged images kept).`);

  return {
    environment: config.name,
    region: config.region,
    pricesChecked: prices.checked,
    lineItems: lines,
    totalUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
    assumptions: notes,
  };
}
