import { Construct } from 'constructs';
import { Lazy, type TerraformProvider } from 'cdktf';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { AlarmTopic } from '../observability/alarm-topic';
import type { GraphWidget } from '../observability/dashboard';
import { withStatistic } from '../observability/metric';
import { metricAlarm } from '../observability/metric-alarm';
import { KmsKey } from '../security/kms-key';
import { DnsValidatedCertificate } from './dns-validated-certificate';
import { EDGE_ERROR_BODIES, EDGE_ERROR_CONTENT_TYPE, EDGE_ERROR_STATUSES, EDGE_REGION, edgeErrorPagePath, type PriceClass } from './edge-contract';
import { EdgeDistribution } from './edge-distribution';
import { EdgeFirewall } from './edge-firewall';
import { DistributionAccessLogs, LogDeliveryPolicy } from './edge-logs';
import { ProviderScope } from './provider-scope';
import { StaticAssets } from './static-assets';

/** The name CloudFront reaches the ALB by (SNI and certificate check): `origin.<api domain>`. */
export const originDomainName = (domain: string): string => `origin.${domain}`;

/** Alarm thresholds: starting points, to revisit with real traffic. */
export const EDGE_ALARM_THRESHOLDS = {
  /** Share of viewer requests answered 5xx, percent, for 5 minutes. */
  errorRate5xxPercent: 5,
  /** p99 time to the origin's first byte, milliseconds, for 5 minutes. */
  originLatencyP99Ms: 2000,
  /** Requests the web ACL blocked in 5 minutes (attack or a client gone wrong). */
  wafBlockedPer5Minutes: 1000,
} as const;

export interface EdgeProps {
  /** Name prefix, e.g. `platform-prod`. */
  readonly name: string;
  readonly accountId: string;
  /** The environment's region (the static-assets bucket lives there). */
  readonly region: string;
  /** The us-east-1 provider alias (certificate, web ACL, distribution, logs, alarms). */
  readonly edgeProvider: TerraformProvider;
  /** The API's public name. */
  readonly domain: string;
  readonly hostedZoneId: string;
  readonly priceClass: PriceClass;
  readonly staticPathPattern: string;
  readonly wafRateLimitPer5Minutes: number;
  /** An imported us-east-1 certificate instead of the DNS-validated one. */
  readonly viewerCertificateArn?: string;
  /** The internal ALB: its HTTPS listener presents a certificate for `originDomainName(domain)`. */
  readonly loadBalancer: { readonly arn: string; readonly dnsName: string; readonly zoneId: string };
  readonly logRetentionDays: number;
  /** Subscribed to the edge's alarm topic. */
  readonly alarmEmail?: string;
}

/**
 * The environment's way in: Route 53 A/AAAA aliases → CloudFront (web ACL, viewer certificate,
 * security headers, JSON edge errors, standard logging v2) → VPC origin → the internal ALB, plus
 * static assets from a private bucket. Everything CloudFront-side is created in us-east-1 (where
 * CloudFront keeps certificates, web ACLs, log sources and metrics), with its own KMS key, alarm
 * topic and alarms there; the bucket stays in the environment's region.
 */
export class Edge extends Construct {
  readonly distribution: EdgeDistribution;
  readonly firewall: EdgeFirewall;
  readonly staticAssets: StaticAssets;
  readonly alarmTopicArn: string;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const global = new ProviderScope(this, EDGE_REGION, props.edgeProvider);
    const key = new KmsKey(global, 'kms', {
      name: `${props.name}-edge`,
      description: `${props.name}: edge logs and alarms (us-east-1)`,
      accountId: props.accountId,
      region: EDGE_REGION,
      serviceUse: { logs: true, cloudwatchAlarmNamePattern: `${props.name}-edge-*` },
    });
    const topic = new AlarmTopic(global, 'alarms', { name: `${props.name}-edge-alarms`, kmsKey: key, alarmNamePattern: `${props.name}-edge-*` });
    this.alarmTopicArn = topic.arn;
    if (props.alarmEmail) {
      new SnsTopicSubscription(global, 'alarm-email', { topicArn: topic.arn, protocol: 'email', endpoint: props.alarmEmail });
    }

    this.firewall = new EdgeFirewall(global, 'waf', {
      name: props.name,
      rateLimitPer5Minutes: props.wafRateLimitPer5Minutes,
      logRetentionDays: props.logRetentionDays,
      kmsKey: key,
    });
    const viewerCertificateArn =
      props.viewerCertificateArn ?? new DnsValidatedCertificate(global, 'viewer-certificate', { domainName: props.domain, hostedZoneId: props.hostedZoneId }).arn;

    // The bucket policy names the distribution, which is built after its origin bucket.
    this.staticAssets = new StaticAssets(this, 'static', {
      bucketName: `${props.name}-static-${props.accountId}`,
      name: props.name,
      accountId: props.accountId,
      region: props.region,
      distributionArn: Lazy.stringValue({ produce: () => this.distribution.arn }),
    });
    for (const status of EDGE_ERROR_STATUSES) {
      this.staticAssets.addObject(
        `edge-error-${status}`,
        edgeErrorPagePath(props.staticPathPattern, status).replace(/^\//, ''),
        JSON.stringify(EDGE_ERROR_BODIES[status]),
        EDGE_ERROR_CONTENT_TYPE,
      );
    }

    const originName = originDomainName(props.domain);
    this.distribution = new EdgeDistribution(global, 'cloudfront', {
      name: props.name,
      domain: props.domain,
      viewerCertificateArn,
      priceClass: props.priceClass,
      webAclArn: this.firewall.arn,
      api: { loadBalancerArn: props.loadBalancer.arn, domainName: originName },
      static: { bucketRegionalDomainName: this.staticAssets.regionalDomainName, pathPattern: props.staticPathPattern },
    });
    const accessLogs = new DistributionAccessLogs(global, 'access-logs', {
      name: props.name,
      distributionArn: this.distribution.arn,
      retentionDays: props.logRetentionDays,
      kmsKey: key,
    });
    new LogDeliveryPolicy(global, 'log-delivery', {
      name: `${props.name}-edge`,
      accountId: props.accountId,
      region: EDGE_REGION,
      logGroupArns: [this.firewall.logGroupArn, accessLogs.logGroupArn],
    });

    // DNS: viewers resolve the API name to CloudFront; CloudFront's origin name resolves to the ALB.
    for (const type of ['A', 'AAAA']) {
      new Route53Record(this, `api-${type.toLowerCase()}`, {
        zoneId: props.hostedZoneId,
        name: props.domain,
        type,
        alias: { name: this.distribution.domainName, zoneId: this.distribution.hostedZoneId, evaluateTargetHealth: false },
      });
    }
    new Route53Record(this, 'origin', {
      zoneId: props.hostedZoneId,
      name: originName,
      type: 'A',
      alias: { name: props.loadBalancer.dnsName, zoneId: props.loadBalancer.zoneId, evaluateTargetHealth: false },
    });

    this.alarms(global, props.name, topic.arn);
  }

  private alarms(scope: Construct, name: string, alarmTopicArn: string): void {
    const t = EDGE_ALARM_THRESHOLDS;
    metricAlarm(scope, 'alarm-5xx-rate', {
      alarmName: `${name}-edge-5xx-rate`,
      description: `More than ${t.errorRate5xxPercent} % of viewer requests answered 5xx for 5 minutes`,
      metric: this.distribution.metric('5xxErrorRate'),
      threshold: t.errorRate5xxPercent,
      alarmTopicArn,
    });
    metricAlarm(scope, 'alarm-origin-latency', {
      alarmName: `${name}-edge-origin-latency`,
      description: `p99 origin latency above ${t.originLatencyP99Ms} ms for 5 minutes`,
      metric: this.distribution.metric('OriginLatency', 'p99'),
      threshold: t.originLatencyP99Ms,
      alarmTopicArn,
    });
    metricAlarm(scope, 'alarm-waf-blocked', {
      alarmName: `${name}-edge-waf-blocked`,
      description: `The web ACL blocked more than ${t.wafBlockedPer5Minutes} requests in 5 minutes`,
      metric: { ...this.firewall.metric('BlockedRequests'), periodSeconds: 300 },
      threshold: t.wafBlockedPer5Minutes,
      evaluationPeriods: 1,
      alarmTopicArn,
    });
  }

  /** The edge's graphs for the environment dashboard (its metrics are in us-east-1). */
  widgets(): GraphWidget[] {
    const cf = this.distribution;
    return [
      { title: 'Edge requests', region: EDGE_REGION, metrics: [cf.metric('Requests', 'Sum')] },
      { title: 'Edge 4xx / 5xx error rate (%)', region: EDGE_REGION, metrics: [cf.metric('4xxErrorRate'), cf.metric('5xxErrorRate')] },
      { title: 'Edge origin latency p50 / p99 (ms)', region: EDGE_REGION, metrics: ['p50', 'p99'].map((p) => withStatistic(cf.metric('OriginLatency'), p as 'p50', p)) },
      { title: 'WAF allowed / blocked requests', region: EDGE_REGION, metrics: [this.firewall.metric('AllowedRequests'), this.firewall.metric('BlockedRequests')] },
    ];
  }
}
