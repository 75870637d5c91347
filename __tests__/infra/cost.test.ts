import { loadEnvironments } from '../../envs';
import { loadEnvironment, type EnvironmentConfig, type EnvironmentInput } from '../../envs/schema';
import { costReport, UsageError } from '../../scripts/cost';
import { DEFAULT_ASSUMPTIONS, type UsageAssumptions } from '../../scripts/cost/assumptions';
import { CATEGORIES, estimate, tasksByProvider, type Estimate } from '../../scripts/cost/estimate';
import { inventoryOf } from '../../scripts/cost/inventory';
import { PRICE_TABLES, pricesFor, type PriceTable, type UnitPrice } from '../../scripts/cost/prices';
import { capacityProviderStrategy } from '../../modules/microservice/microservice';
import { catalog, ENVIRONMENT_NAMES, type Catalog } from '../../services/catalog';
import { synthEnvironment } from './support/stacks';

const environments = loadEnvironments();
const defaultEstimate = (env: (typeof ENVIRONMENT_NAMES)[number]) => estimate(environments[env], catalog, DEFAULT_ASSUMPTIONS[env]);
const subtotal = (e: Estimate, category: string) =>
  e.lineItems.filter((l) => l.category === category).reduce((sum, l) => sum + l.monthlyUsd, 0);

describe('hand-computed example (made-up catalog, config, prices and usage)', () => {
  // One service "api" (1 vCPU / 2 GB, 2..4 tasks) with a route, PostgreSQL, the cache, one table
  // and a queue it publishes to and consumes.
  const madeUpCatalog: Catalog = {
    queues: [{ name: 'q', visibilityTimeoutSeconds: 30, maxReceiveCount: 5, retentionSeconds: 3600, dlqRetentionSeconds: 7200, receiveWaitSeconds: 20 }],
    services: [
      {
        name: 'api',
        description: 'test',
        containerPort: 3000,
        healthPath: '/health/ready',
        livenessPath: '/health/live',
        routes: [{ pathPatterns: ['/api/*'], priority: 100 }],
        sizing: {
          dev: { cpu: 1024, memory: 2048, minTasks: 2, maxTasks: 4 },
          staging: { cpu: 1024, memory: 2048, minTasks: 2, maxTasks: 4 },
          prod: { cpu: 1024, memory: 2048, minTasks: 2, maxTasks: 4 },
        },
        scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75 },
        needs: {
          postgres: { database: 'api' },
          cache: true,
          tables: [{ name: 'items', partitionKey: { name: 'id', type: 'S' } }],
          publishes: ['q'],
          consumes: ['q'],
        },
      },
    ],
  };
  const input: EnvironmentInput = {
    name: 'dev',
    accountId: '111111111111',
    region: 'eu-west-1',
    costCenter: 'test',
    domain: 'api.test.example.com',
    hostedZoneId: 'Z0TEST1111111111',
    certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-1111-4111-8111-111111111111',
    sesIdentityArn: 'arn:aws:ses:eu-west-1:111111111111:identity/test.example.com',
    state: { bucket: 'test-state-bucket' },
    edge: { originFacingPrefixListId: 'pl-4fa04526' },
    network: {
      vpcCidr: '10.0.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      publicSubnetCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
      privateSubnetCidrs: ['10.0.16.0/20', '10.0.32.0/20'],
      isolatedSubnetCidrs: ['10.0.64.0/24', '10.0.65.0/24'],
      natGateways: 'single',
      interfaceEndpoints: true,
      flowLogRetentionDays: 60,
    },
    loadBalancer: {},
    aurora: { minCapacityAcu: 0.5, maxCapacityAcu: 2.5, readers: 1, backupRetentionDays: 10 },
    dynamodb: {},
    cache: { engine: 'valkey', nodeType: 'cache.t4g.micro', replicas: 1, multiAz: true, snapshotRetentionDays: 3 },
    compute: { spotSharePercent: 50 },
    observability: { logRetentionDays: 30 },
  };
  const config = loadEnvironment('dev', input, madeUpCatalog);

  const p = (usd: number, unit = 'unit'): UnitPrice => ({ usd, unit, source: 'https://example.com/test', asOf: '2026-01-01', basis: 'aws' });
  const prices: PriceTable = {
    region: 'eu-west-1',
    checked: '2026-01-01',
    fargate: { armVcpuHour: p(0.04), armGbHour: p(0.004), spotDiscount: p(0.5) },
    network: { natGatewayHour: p(0.05), natGatewayGb: p(0.05), publicIpv4Hour: p(0.005), interfaceEndpointAzHour: p(0.01), interfaceEndpointGb: p(0.01) },
    loadBalancer: { albHour: p(0.02), lcuHour: p(0.01) },
    aurora: { acuHour: p(0.1), storageGbMonth: p(0.1), ioPerMillion: p(0.2), backupGbMonth: p(0.02) },
    cache: { nodeHour: { valkey: { 'cache.t4g.micro': p(0.02) }, redis: { 'cache.t4g.micro': p(0.025) } }, backupGbMonth: p(0.1) },
    dynamodb: { writeRequestUnitsPerMillion: p(1), readRequestUnitsPerMillion: p(0.25), storageGbMonth: p(0.25), pitrGbMonth: p(0.2) },
    cloudfront: { dataOutGb: p(0.1), httpsRequestsPer10k: p(0.01) },
    waf: { webAclMonth: p(5), ruleMonth: p(1), requestsPerMillion: p(1) },
    route53: { hostedZoneMonth: p(0.5), queriesPerMillion: p(0.4) },
    cloudwatch: { logsIngestionGb: p(0.5), logsStorageGbMonth: p(0.03), customMetricMonth: p(0.3), alarmMonth: p(0.1), compositeAlarmMonth: p(0.5), dashboardMonth: p(3) },
    kms: { keyMonth: p(1), requestsPer10k: p(0.03) },
    secretsManager: { secretMonth: p(0.4), apiCallsPer10k: p(0.05) },
    sqs: { requestsPerMillion: p(0.4) },
    ecr: { storageGbMonth: p(0.1) },
  };
  // 94,371,840 requests × (6 + 2) KiB = 720 GiB through the ALB: 1 GB per hour over 720 hours.
  const requests = 94_371_840;
  const usage: UsageAssumptions = {
    hoursPerMonth: 720,
    scaleOutShare: 0.5,
    otelSidecar: { cpuUnits: 256, memoryMiB: 512 },
    traffic: { requestsPerMonth: requests, averageResponseKiB: 6, averageRequestKiB: 2, newConnectionsPerRequest: 0.1 },
    natProcessedGbPerMonth: 10,
    interfaceEndpointGbPerMonth: 20,
    aurora: { averageCapacityShare: 0.25, storageGb: 10, ioRequestsPerMonth: 3_000_000, dailyChangeShare: 0.01 },
    cache: { dataGb: 1 },
    dynamodb: { readRequestUnitsPerMonth: 4_000_000, writeRequestUnitsPerMonth: 2_000_000, storageGb: 2 },
    sqs: { messagesPerMonth: 10_000, requestsPerMessage: 3, pollersPerConsumerTask: 1 },
    logs: { appGbPerTaskMonth: 1, flowLogGbPerMonth: 2, dataStoreLogGbPerMonth: 0.5, edgeLogGbPerMonth: 0.5 },
    customMetricsPerService: 10,
    kmsRequestsPerMonth: 100_000,
    secretsManagerApiCallsPerMonth: 10_000,
    route53QueriesPerMonth: 1_000_000,
    ecrGbPerRepository: 2,
  };

  // Average tasks = 2 + 0.5 × (4 − 2) = 3. Strategy at 50 % Spot: base 1 on FARGATE, the other
  // 2 split 50/50 → 2 on-demand, 1 Spot. Spot prices: 0.04 × 0.5 = 0.02 and 0.004 × 0.5 = 0.002.
  const expected: [item: string, quantity: number, monthlyUsd: number][] = [
    ['Fargate ARM64 vCPU, app containers, on-demand', 2 * 1 * 720, 1440 * 0.04], // 57.60
    ['Fargate ARM64 memory, app containers, on-demand', 2 * 2 * 720, 2880 * 0.004], // 11.52
    ['Fargate ARM64 vCPU, app containers, Spot', 1 * 1 * 720, 720 * 0.02], // 14.40
    ['Fargate ARM64 memory, app containers, Spot', 1 * 2 * 720, 1440 * 0.002], // 2.88
    ['Fargate ARM64 vCPU, OpenTelemetry sidecar, on-demand', 2 * 0.25 * 720, 360 * 0.04], // 14.40
    ['Fargate ARM64 memory, OpenTelemetry sidecar, on-demand', 2 * 0.5 * 720, 720 * 0.004], // 2.88
    ['Fargate ARM64 vCPU, OpenTelemetry sidecar, Spot', 1 * 0.25 * 720, 180 * 0.02], // 3.60
    ['Fargate ARM64 memory, OpenTelemetry sidecar, Spot', 1 * 0.5 * 720, 360 * 0.002], // 0.72
    ['NAT gateway hours (1 × single)', 720, 720 * 0.05], // 36.00
    ['NAT gateway data processed', 10, 10 * 0.05], // 0.50
    ['Public IPv4 addresses of the NAT gateways', 720, 720 * 0.005], // 3.60
    ['VPC interface endpoints (6 × 2 AZs)', 6 * 2 * 720, 8640 * 0.01], // 86.40
    ['VPC interface endpoint data processed', 20, 20 * 0.01], // 0.20
    ['Application Load Balancer hours', 720, 720 * 0.02], // 14.40
    // LCU = max(new connections 36.4/s × 0.1 / 25 = 0.146, processed 1 GB/h / 1, rule evaluations 0) = 1
    ['ALB capacity units (1 LCU average)', 720, 720 * 0.01], // 7.20
    ['CloudFront HTTPS requests', requests / 10_000, 9437.184 * 0.01], // 94.37
    ['CloudFront data transfer out', 540, 540 * 0.1], // 94,371,840 × 6 KiB = 540 GiB → 54.00
    ['WAF web ACL', 1, 5],
    ['WAF rules (4 per web ACL)', 4, 4 * 1],
    ['WAF requests inspected', 94.37184, 94.37184 * 1],
    ['Route 53 hosted zone', 1, 0.5],
    ['Route 53 queries (non-alias)', 1, 0.4],
    // Average ACU = 0.5 + 0.25 × (2.5 − 0.5) = 1; writer + 1 reader.
    ['Aurora Serverless v2 capacity (2 instance(s) × 1 ACU)', 2 * 1 * 720, 1440 * 0.1], // 144.00
    ['Aurora storage (Standard)', 10, 10 * 0.1], // 1.00
    ['Aurora I/O requests', 3, 3 * 0.2], // 0.60
    ['Aurora backup storage beyond the free volume size', 10 * 0.01 * 10, 1 * 0.02], // 0.02
    ['ElastiCache valkey cache.t4g.micro nodes (2)', 2 * 720, 1440 * 0.02], // 28.80
    ['ElastiCache backup storage beyond one snapshot', 1 * (3 - 1), 2 * 0.1], // 0.20
    ['DynamoDB write request units', 2, 2 * 1],
    ['DynamoDB read request units', 4, 4 * 0.25],
    ['DynamoDB storage (1 tables)', 2, 2 * 0.25],
    ['DynamoDB point-in-time recovery', 2, 2 * 0.2],
    // 3 consumer tasks × (720 × 3600 / 20 s) = 388,800 receives + 10,000 messages × 3 = 418,800
    ['SQS requests', 0.4188, 0.4188 * 0.4],
    // Ingested: api 3 tasks × 1 GB + flow logs 2 + Aurora log 0.5 + cache slow log 0.5 = 6 GB.
    ['CloudWatch Logs ingestion (6 log groups)', 7, 7 * 0.5],
    // Stored (30-day month): 3 × 30/30 + 2 × 60/30 + 0.5 × 30/30 + 0.5 × 30/30 = 8 GB-month.
    ['CloudWatch Logs storage (retention from config)', 9, 9 * 0.03],
    // 10 per service + CloudFront's 8 additional metrics.
    ['CloudWatch custom metrics (incl. CloudFront additional metrics)', 18, 18 * 0.3],
    // ALB 3 + edge 3 + table 2 + service 3 + routed 1 + queue 2 + 2 cache nodes × 2 + Aurora 2
    // + the consumer-lag SLO alarm of queue q (the made-up service has no route-family SLOs) = 21
    ['CloudWatch alarms', 21, 21 * 0.1],
    // The service's SLO composite alarm.
    ['CloudWatch composite alarms', 1, 1 * 0.5],
    // The environment's and the service's.
    ['CloudWatch dashboards', 2, 2 * 3],
    // The environment CMK, one access-token signing key (tokens.keys defaults to one), the
    // static-assets key and the edge's us-east-1 key.
    ['KMS customer managed keys', 4, 4 * 1],
    ['KMS requests', 10, 10 * 0.03],
    ['Secrets Manager secrets (1, incl. the RDS-managed master secret)', 1, 1 * 0.4],
    ['Secrets Manager API calls', 1, 1 * 0.05],
    ['ECR storage (1 repositories)', 2, 2 * 0.1],
  ];

  const result = estimate(config, madeUpCatalog, usage, prices);

  it('produces exactly the expected line items, quantities and amounts', () => {
    expect(result.lineItems.map((l) => l.item)).toEqual(expected.map(([item]) => item));
    for (const [item, quantity, monthlyUsd] of expected) {
      const line = result.lineItems.find((l) => l.item === item)!;
      expect([item, line.quantity]).toEqual([item, expect.closeTo(quantity, 6)]);
      expect([item, line.monthlyUsd]).toEqual([item, expect.closeTo(monthlyUsd, 6)]);
    }
  });

  it('totals the line items', () => {
    // 108.00 compute + 126.70 network + 21.60 ALB + 252.64368 edge + 145.62 Aurora + 29.00 cache
    // + 3.90 DynamoDB + 0.16752 SQS + 17.77 observability + 4.75 security + 0.20 ECR
    expect(result.totalUsd).toBeCloseTo(expected.reduce((sum, [, , usd]) => sum + usd, 0), 6);
    expect(result.totalUsd).toBeCloseTo(710.3512, 4);
  });

  it('uses the Redis OSS price when the config says redis', () => {
    const redis = estimate({ ...config, cache: { ...config.cache, engine: 'redis' } }, madeUpCatalog, usage, prices);
    expect(redis.lineItems.find((l) => l.item.startsWith('ElastiCache redis'))!.monthlyUsd).toBeCloseTo(1440 * 0.025, 6);
  });
});

describe('estimates of the real environments', () => {
  const estimates = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, defaultEstimate(env)]));

  it.each(ENVIRONMENT_NAMES)('%s has a line in every category and prints its assumptions', (env) => {
    expect(new Set(estimates[env]!.lineItems.map((l) => l.category))).toEqual(new Set(CATEGORIES));
    expect(estimates[env]!.assumptions.length).toBeGreaterThan(10);
    for (const l of estimates[env]!.lineItems) expect(l.monthlyUsd).toBeCloseTo(l.quantity * l.unitPriceUsd, 9);
  });

  it('costs more in prod than in staging, and more in staging than in dev', () => {
    expect(estimates.prod!.totalUsd).toBeGreaterThan(estimates.staging!.totalUsd);
    expect(estimates.staging!.totalUsd).toBeGreaterThan(estimates.dev!.totalUsd);
  });

  it('lowers the Fargate cost as the Spot share grows', () => {
    const prod = environments.prod;
    const withSpot = (spotSharePercent: number) =>
      subtotal(estimate({ ...prod, compute: { ...prod.compute, spotSharePercent } }, catalog, DEFAULT_ASSUMPTIONS.prod), 'compute');
    expect(withSpot(50)).toBeLessThan(withSpot(0));
    expect(withSpot(100)).toBeLessThan(withSpot(50));
  });

  it('prices interface endpoints only where the config turns them on', () => {
    const endpointLine = (e: Estimate) => e.lineItems.find((l) => l.item.startsWith('VPC interface endpoints'));
    expect(endpointLine(estimates.dev!)).toBeUndefined();
    expect(endpointLine(estimates.prod!)!.quantity).toBe(6 * 3 * 730);
  });

  it('fails loudly for a region without a price table instead of using eu-west-1 prices', () => {
    const elsewhere: EnvironmentConfig = { ...environments.dev, region: 'us-east-1' };
    expect(() => estimate(elsewhere, catalog, DEFAULT_ASSUMPTIONS.dev)).toThrow('cost: no price table for region "us-east-1"');
    expect(() => estimate(environments.dev, catalog, DEFAULT_ASSUMPTIONS.dev, { ...pricesFor('eu-west-1'), region: 'eu-central-1' })).toThrow(
      'cost: dev runs in eu-west-1 but the price table is for eu-central-1',
    );
  });

  it('fails for a cache node type without a price', () => {
    const config = { ...environments.dev, cache: { ...environments.dev.cache, nodeType: 'cache.x9.huge' } };
    expect(() => estimate(config, catalog, DEFAULT_ASSUMPTIONS.dev)).toThrow('cost: no valkey price for cache node type "cache.x9.huge" in eu-west-1');
  });
});

describe('price tables', () => {
  const allPrices = (table: PriceTable): [string, UnitPrice][] => {
    const out: [string, UnitPrice][] = [];
    const walk = (node: unknown, path: string) => {
      if (node && typeof node === 'object' && 'usd' in node) out.push([path, node as UnitPrice]);
      else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
    };
    walk(table, table.region);
    return out;
  };

  it.each(Object.keys(PRICE_TABLES))('%s: every price is positive, dated, sourced and says how sure it is', (region) => {
    const prices = allPrices(PRICE_TABLES[region]!);
    expect(prices.length).toBeGreaterThan(30);
    for (const [path, price] of prices) {
      expect([path, price.usd > 0]).toEqual([path, true]);
      expect([path, price.source]).toEqual([path, expect.stringMatching(/^https:\/\//)]);
      expect([path, price.asOf]).toEqual([path, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
      expect(['aws', 'secondary', 'estimate']).toContain(price.basis);
      if (price.basis === 'estimate') expect([path, price.note]).toEqual([path, expect.any(String)]);
    }
  });

  it('has a price for every cache node type and engine the environments use', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { region, cache } = environments[env];
      expect(pricesFor(region).cache.nodeHour[cache.engine][cache.nodeType]).toBeDefined();
    }
  });
});

describe('capacity-provider split', () => {
  it('places the base on FARGATE, then the rest by weight', () => {
    expect(tasksByProvider(capacityProviderStrategy(50), 3)).toEqual({ onDemand: 2, spot: 1 });
    expect(tasksByProvider(capacityProviderStrategy(100), 3)).toEqual({ onDemand: 0, spot: 3 });
    expect(tasksByProvider(capacityProviderStrategy(0), 3)).toEqual({ onDemand: 3, spot: 0 });
    expect(tasksByProvider(capacityProviderStrategy(25), 5)).toEqual({ onDemand: 4, spot: 1 });
  });
});

describe.each(ENVIRONMENT_NAMES)('%s: the inventory counts what the stacks of the environment build', (env) => {
  const all = (type: string) => synthEnvironment(env).all.flatMap((stack) => Object.values(stack.resources(type)));
  const count = (type: string) => all(type).length;
  const inv = inventoryOf(environments[env], catalog);

  it('network: NAT gateways, their addresses and interface endpoints per AZ', () => {
    expect(count('aws_nat_gateway')).toBe(inv.natGateways);
    expect(count('aws_eip')).toBe(inv.natGateways);
    const interfaces = all('aws_vpc_endpoint').filter((e) => e.vpc_endpoint_type === 'Interface');
    expect(interfaces.length).toBe(inv.interfaceEndpoints);
    expect(interfaces.reduce((n, e) => n + e.subnet_ids.length, 0)).toBe(inv.interfaceEndpointAzs);
  });

  it('compute: one ARM64 service per catalog entry (and its one-off tasks)', () => {
    expect(count('aws_ecs_service')).toBe(inv.services.length);
    for (const task of all('aws_ecs_task_definition')) expect(task.runtime_platform.cpu_architecture).toBe('ARM64');
  });

  it('data stores: Aurora instances, cache nodes, tables, queues, repositories', () => {
    expect(count('aws_rds_cluster_instance')).toBe(inv.auroraInstances);
    expect(all('aws_elasticache_replication_group').reduce((n, g) => n + g.num_cache_clusters, 0)).toBe(inv.cacheNodes);
    expect(all('aws_elasticache_replication_group').map((g) => g.engine)).toEqual([environments[env].cache.engine]);
    expect(all('aws_rds_cluster').map((c) => c.storage_type)).toEqual([undefined]); // Aurora Standard, as priced
    expect(count('aws_dynamodb_table')).toBe(inv.tables);
    for (const table of all('aws_dynamodb_table')) {
      expect(table.billing_mode).toBe('PAY_PER_REQUEST');
      expect(table.point_in_time_recovery.enabled).toBe(true);
    }
    expect(count('aws_sqs_queue')).toBe(inv.sqsQueues);
    expect(count('aws_ecr_repository')).toBe(inv.ecrRepositories);
  });

  it('observability and security: log groups with their retention, alarms, dashboards, keys, secrets, WAF rules', () => {
    const retention = (days: number[]) => [...days].sort((a, b) => a - b);
    expect(retention(all('aws_cloudwatch_log_group').map((g) => g.retention_in_days))).toEqual(retention(inv.logGroups.map((g) => g.retentionDays)));
    expect(count('aws_cloudwatch_metric_alarm')).toBe(inv.alarms);
    const billedMetrics = all('aws_cloudwatch_metric_alarm').reduce((n, a) => n + (a.metric_query ? a.metric_query.filter((q: { metric?: unknown }) => q.metric).length : 1), 0);
    expect(billedMetrics).toBe(inv.alarmMetrics);
    expect(count('aws_cloudwatch_composite_alarm')).toBe(inv.compositeAlarms);
    expect(count('aws_cloudwatch_dashboard')).toBe(inv.dashboards);
    expect(count('aws_kms_key')).toBe(inv.kmsKeys);
    const managedMasterSecrets = all('aws_rds_cluster').filter((c) => c.manage_master_user_password).length;
    expect(count('aws_secretsmanager_secret') + managedMasterSecrets).toBe(inv.secrets);
    expect(count('aws_wafv2_web_acl')).toBe(inv.wafWebAcls);
    expect(all('aws_wafv2_web_acl').reduce((n, acl) => n + acl.rule.length, 0)).toBe(inv.wafWebAcls * inv.wafRules);
  });
});

describe('npm run cost', () => {
  it('prints one table per environment with the assumptions by default', () => {
    const out = costReport([]);
    for (const env of ENVIRONMENT_NAMES) expect(out).toContain(`${env} (eu-west-1), prices checked`);
    expect(out).toMatch(/Line item +Quantity +Unit price +Monthly USD/);
    expect(out.match(/^Assumptions:$/gm)).toHaveLength(3);
  });

  it('prints JSON for one environment with --json --env', () => {
    const parsed = JSON.parse(costReport(['--json', '--env', 'staging']));
    expect(parsed.environments.map((e: Estimate) => e.environment)).toEqual(['staging']);
    expect(parsed.environments[0].totalUsd).toBeCloseTo(defaultEstimate('staging').totalUsd, 9);
  });

  it('rejects an unknown environment or flag with the usage line', () => {
    expect(() => costReport(['--env', 'qa'])).toThrow(UsageError);
    expect(() => costReport(['--env', 'qa'])).toThrow(/unknown environment "qa".*\n.*usage: npm run cost/);
    expect(() => costReport(['--verbose'])).toThrow(/usage: npm run cost/);
  });
});
