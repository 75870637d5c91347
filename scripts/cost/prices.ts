/**
 * Unit prices for `npm run cost`: the ONE place prices live, as dated constants per region.
 *
 * Every price names its source and how sure we are of it (`basis`):
 * - `aws`       the figure as shown on an AWS page or in the AWS Price List for this region
 *               (or a global price that is the same everywhere);
 * - `secondary` the figure for this region as quoted by a public source that read the AWS Price List
 *               or pricing page (named in `source`/`note`);
 * - `estimate`  no figure for this region was found in the sources searched; the value and its
 *               derivation are stated in `note`. Verify these first (docs/cost.md, "Updating prices").
 *
 * A region without a table fails loudly (`pricesFor`): another region's prices are never reused.
 */

export type PriceBasis = 'aws' | 'secondary' | 'estimate';

export interface UnitPrice {
  readonly usd: number;
  /** What one unit is, e.g. `vCPU-hour`, `GB-month`, `1M requests`. Line quantities use the same unit. */
  readonly unit: string;
  readonly source: string;
  /** Date the figure was published or read, as the source states it (else the table's `checked`). */
  readonly asOf: string;
  readonly basis: PriceBasis;
  readonly note?: string;
}

/** ElastiCache on-demand node-hour prices by engine, for the node types the environments use. */
export type CacheNodePrices = Readonly<Record<'valkey' | 'redis', Readonly<Record<string, UnitPrice>>>>;

export interface PriceTable {
  readonly region: string;
  /** When these figures were last looked up (ISO date). */
  readonly checked: string;
  readonly fargate: { readonly armVcpuHour: UnitPrice; readonly armGbHour: UnitPrice; readonly spotDiscount: UnitPrice };
  readonly network: {
    readonly natGatewayHour: UnitPrice;
    readonly natGatewayGb: UnitPrice;
    readonly publicIpv4Hour: UnitPrice;
    readonly interfaceEndpointAzHour: UnitPrice;
    readonly interfaceEndpointGb: UnitPrice;
  };
  readonly loadBalancer: { readonly albHour: UnitPrice; readonly lcuHour: UnitPrice };
  readonly aurora: {
    readonly acuHour: UnitPrice;
    readonly storageGbMonth: UnitPrice;
    readonly ioPerMillion: UnitPrice;
    readonly backupGbMonth: UnitPrice;
  };
  readonly cache: { readonly nodeHour: CacheNodePrices; readonly backupGbMonth: UnitPrice };
  readonly dynamodb: {
    readonly writeRequestUnitsPerMillion: UnitPrice;
    readonly readRequestUnitsPerMillion: UnitPrice;
    readonly storageGbMonth: UnitPrice;
    readonly pitrGbMonth: UnitPrice;
  };
  readonly cloudfront: { readonly dataOutGb: UnitPrice; readonly httpsRequestsPer10k: UnitPrice };
  readonly waf: { readonly webAclMonth: UnitPrice; readonly ruleMonth: UnitPrice; readonly requestsPerMillion: UnitPrice };
  readonly route53: { readonly hostedZoneMonth: UnitPrice; readonly queriesPerMillion: UnitPrice };
  readonly cloudwatch: {
    readonly logsIngestionGb: UnitPrice;
    readonly logsStorageGbMonth: UnitPrice;
    readonly customMetricMonth: UnitPrice;
    readonly alarmMonth: UnitPrice;
    readonly compositeAlarmMonth: UnitPrice;
    readonly dashboardMonth: UnitPrice;
  };
  readonly kms: { readonly keyMonth: UnitPrice; readonly requestsPer10k: UnitPrice };
  readonly secretsManager: { readonly secretMonth: UnitPrice; readonly apiCallsPer10k: UnitPrice };
  readonly sqs: { readonly requestsPerMillion: UnitPrice };
  readonly ecr: { readonly storageGbMonth: UnitPrice };
}

const CHECKED = '2026-12-02';

const PAGES = {
  fargate: 'https://aws.amazon.com/fargate/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  ec2Offer: 'https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20260925174521/eu-west-1/index.json',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  aurora: 'https://aws.amazon.com/rds/aurora/pricing/',
  elasticache: 'https://aws.amazon.com/elasticache/pricing/',
  dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  cloudfront: 'https://aws.amazon.com/cloudfront/pricing/',
  waf: 'https://aws.amazon.com/waf/pricing/',
  route53: 'https://aws.amazon.com/route53/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  secretsManager: 'https://aws.amazon.com/secrets-manager/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  ecr: 'https://aws.amazon.com/ecr/pricing/',
} as const;

const price = (usd: number, unit: string, source: string, basis: PriceBasis, note?: string, asOf = CHECKED): UnitPrice => ({
  usd,
  unit,
  source,
  asOf,
  basis,
  ...(note ? { note } : {}),
});

/**
 * ElastiCache eu-west-1 node prices. Not found for eu-west-1 in the sources searched: us-east-1
 * Price List rates (Redis OSS, read 2026-10-02 by a public Price List client) × 1.10, the usual
 * eu-west-1 uplift for ElastiCache nodes; Valkey node-based pricing is 20 % below Redis OSS
 * (the same client's Valkey rows are 0.8 × the Redis rows).
 */
const EU_WEST_1_CACHE_UPLIFT = 1.1;
const VALKEY_SHARE_OF_REDIS = 0.8;
const US_EAST_1_REDIS_NODE_HOUR: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 0.016,
  'cache.t4g.small': 0.032,
  'cache.t4g.medium': 0.065,
  'cache.m7g.large': 0.158,
  'cache.r7g.large': 0.219,
  'cache.r7g.xlarge': 0.437,
};
const cacheNodePrices = (engineShare: number, engine: string): Record<string, UnitPrice> =>
  Object.fromEntries(
    Object.entries(US_EAST_1_REDIS_NODE_HOUR).map(([nodeType, usEast1]) => [
      nodeType,
      price(
        Number((usEast1 * EU_WEST_1_CACHE_UPLIFT * engineShare).toFixed(5)),
        'node-hour',
        PAGES.elasticache,
        'estimate',
        `${engine}: us-east-1 Redis OSS $${usEast1} × ${EU_WEST_1_CACHE_UPLIFT} (eu-west-1 uplift)${engineShare === 1 ? '' : ` × ${engineShare} (Valkey 20 % below Redis OSS)`}`,
      ),
    ]),
  );

export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = {
  'eu-west-1': {
    region: 'eu-west-1',
    checked: CHECKED,
    fargate: {
      armVcpuHour: price(0.03238, 'vCPU-hour', PAGES.fargate, 'secondary',
        'Linux/ARM, Price List usagetype EU-Fargate-ARM-vCPU-Hours:perCPU (SKU KXC9CEUQGJQPNZPY) as quoted publicly; = x86 $0.04048 less 20 %'),
      armGbHour: price(0.00356, 'GB-hour', PAGES.fargate, 'secondary',
        'Linux/ARM, Price List usagetype EU-Fargate-ARM-GB-Hours (SKU MGJ5EB5GSHR8QZDF) as quoted publicly; = x86 $0.004445 less 20 %'),
      spotDiscount: price(0.69, 'fraction', PAGES.fargate, 'estimate',
        'Spot rates float; observed eu-west-1 Linux/x86 Spot $0.01257825 vs on-demand $0.04048 per vCPU-hour (69 % off, github.com/theuves/fgcalc src/utils/data.js); AWS: "up to 70 %"; the same discount is assumed for ARM'),
    },
    network: {
      natGatewayHour: price(0.048, 'hour', PAGES.ec2Offer, 'aws', 'EU-NatGateway-Hours', '2026-09-25'),
      natGatewayGb: price(0.048, 'GB', PAGES.ec2Offer, 'aws', 'EU-NatGateway-Bytes', '2026-09-25'),
      publicIpv4Hour: price(0.005, 'hour', PAGES.vpc, 'secondary', 'every public IPv4 address (the NAT gateways\' Elastic IPs), in use or idle, since 2024-02-01'),
      interfaceEndpointAzHour: price(0.011, 'AZ-hour', PAGES.privatelink, 'estimate',
        'per endpoint per AZ; the regional table did not render in the stored copy of the page; us-east-1 is $0.01'),
      interfaceEndpointGb: price(0.01, 'GB', PAGES.privatelink, 'aws', 'first 1 PB per month in the region'),
    },
    loadBalancer: {
      albHour: price(0.0252, 'hour', PAGES.elb, 'secondary', 'Europe (Ireland) rate as listed by third-party ALB calculators; us-east-1 is $0.0225'),
      lcuHour: price(0.008, 'LCU-hour', PAGES.elb, 'secondary', 'eu-west-1 LCU rate as used in a public ALB cost script; same as us-east-1'),
    },
    aurora: {
      acuHour: price(0.14, 'ACU-hour', PAGES.aurora, 'secondary',
        'Aurora Standard, Serverless v2; Price List usagetype EU-Aurora:ServerlessV2Usage as quoted by two public Price List clients; us-east-1 is $0.12'),
      storageGbMonth: price(0.11, 'GB-month', PAGES.aurora, 'estimate', 'Aurora Standard storage; us-east-1 is $0.10'),
      ioPerMillion: price(0.22, '1M I/O requests', PAGES.aurora, 'estimate', 'Aurora Standard I/O; us-east-1 is $0.20'),
      backupGbMonth: price(0.021, 'GB-month', PAGES.aurora, 'estimate', 'backup storage beyond 100 % of the cluster volume (free)'),
    },
    cache: {
      nodeHour: { valkey: cacheNodePrices(VALKEY_SHARE_OF_REDIS, 'Valkey'), redis: cacheNodePrices(1, 'Redis OSS') },
      backupGbMonth: price(0.085, 'GB-month', PAGES.elasticache, 'estimate', 'backup storage beyond the one free snapshot per cluster'),
    },
    dynamodb: {
      writeRequestUnitsPerMillion: price(0.7068, '1M WRU', PAGES.dynamodb, 'estimate',
        'on-demand after the November 2024 50 % cut: pre-cut eu-west-1 $1.4135 halved; us-east-1 is $0.625 (Price List, read 2026-07-31 by a public client)'),
      readRequestUnitsPerMillion: price(0.1415, '1M RRU', PAGES.dynamodb, 'estimate', 'pre-cut eu-west-1 $0.283 halved; us-east-1 is $0.125'),
      storageGbMonth: price(0.283, 'GB-month', PAGES.dynamodb, 'estimate', 'Standard table class; us-east-1 is $0.25'),
      pitrGbMonth: price(0.2264, 'GB-month', PAGES.dynamodb, 'estimate', 'continuous backups (PITR); us-east-1 is $0.20'),
    },
    cloudfront: {
      dataOutGb: price(0.085, 'GB', PAGES.cloudfront, 'aws', 'Europe, first 10 TB per month (viewers in Europe)'),
      httpsRequestsPer10k: price(0.012, '10k HTTPS requests', PAGES.cloudfront, 'estimate', 'Europe; the request table did not render in the stored copy of the page'),
    },
    waf: {
      webAclMonth: price(5, 'web ACL-month', PAGES.waf, 'estimate', 'global list price (same for CloudFront and regional scope); table not rendered in the stored copies'),
      ruleMonth: price(1, 'rule-month', PAGES.waf, 'estimate', 'each rule or managed rule group counts as one rule'),
      requestsPerMillion: price(0.6, '1M requests', PAGES.waf, 'estimate', 'requests inspected'),
    },
    route53: {
      hostedZoneMonth: price(0.5, 'zone-month', PAGES.route53, 'secondary', 'first 25 zones; transcription of the AWS page read 2026-09-20', '2026-09-20'),
      queriesPerMillion: price(0.4, '1M queries', PAGES.route53, 'secondary',
        'standard queries, first 1 billion; alias queries to CloudFront are free; transcription read 2026-09-20', '2026-09-20'),
    },
    cloudwatch: {
      logsIngestionGb: price(0.57, 'GB', PAGES.cloudwatch, 'estimate', 'Standard log class ingestion (flow logs, vended, use the same first-tier rate); us-east-1 is $0.50'),
      logsStorageGbMonth: price(0.03, 'GB-month', PAGES.cloudwatch, 'estimate', 'archived log storage; us-east-1 is $0.03'),
      customMetricMonth: price(0.3, 'metric-month', PAGES.cloudwatch, 'estimate', 'first 10,000 metrics; us-east-1 is $0.30'),
      alarmMonth: price(0.1, 'alarm-month', PAGES.cloudwatch, 'estimate', 'standard-resolution alarm per metric; us-east-1 is $0.10'),
      compositeAlarmMonth: price(0.5, 'alarm-month', PAGES.cloudwatch, 'estimate', 'composite alarm; us-east-1 is $0.50'),
      dashboardMonth: price(3, 'dashboard-month', PAGES.cloudwatch, 'secondary', 'global'),
    },
    kms: {
      keyMonth: price(1, 'key-month', PAGES.kms, 'secondary', 'customer managed key; global'),
      requestsPer10k: price(0.03, '10k requests', PAGES.kms, 'secondary', 'symmetric-key requests; global'),
    },
    secretsManager: {
      secretMonth: price(0.4, 'secret-month', PAGES.secretsManager, 'secondary', 'transcription of the AWS page read 2026-09-20; RDS-managed secrets count', '2026-09-20'),
      apiCallsPer10k: price(0.05, '10k API calls', PAGES.secretsManager, 'secondary', 'transcription of the AWS page read 2026-09-20', '2026-09-20'),
    },
    sqs: { requestsPerMillion: price(0.4, '1M requests', PAGES.sqs, 'estimate', 'standard queues, first tier (each 64 KB chunk is a request); us-east-1 is $0.40') },
    ecr: {
      storageGbMonth: price(0.1, 'GB-month', PAGES.ecr, 'secondary', 'Price List usagetype EU-TimedStorage-ByteHrs (SKU 4NWTEXUZBWQH8MDW) as quoted publicly'),
    },
  },
};

/** The price table of `region`; throws when there is none (never falls back to another region). */
export function pricesFor(region: string): PriceTable {
  const table = PRICE_TABLES[region];
  if (!table) {
    throw new Error(
      `cost: no price table for region "${region}" (scripts/cost/prices.ts has ${Object.keys(PRICE_TABLES).join(', ')}); ` +
        'add one with its sources instead of reusing another region\'s prices',
    );
  }
  return table;
}
