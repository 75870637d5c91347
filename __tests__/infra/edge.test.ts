/**
 * The edge of every environment (modules/edge): Route 53 → CloudFront (WAF, TLS, security headers,
 * JSON edge errors, logging) → VPC origin → the internal ALB, static assets from a private bucket,
 * certificates validated in DNS, the us-east-1 half on its own provider, and the alarms.
 */
import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { loadEnvironments } from '../../envs';
import {
  DEFAULT_STATIC_PATH_PATTERN,
  EDGE_ERROR_BODIES,
  EDGE_ERROR_STATUSES,
  EDGE_RESPONSE_HEADERS,
  edgeErrorPagePath,
  staticKeyPrefix,
} from '../../modules/edge/edge-contract';
import { EDGE_ALARM_THRESHOLDS } from '../../modules/edge/edge';
import { MANAGED_CACHE_POLICY, MANAGED_ORIGIN_REQUEST_POLICY } from '../../modules/edge/edge-distribution';
import { ProviderScope } from '../../modules/edge/provider-scope';
import { EDGE_PROVIDER_ALIAS, PlatformStack } from '../../modules/stacks/platform-stack';
import type { EnvironmentSettings } from '../../modules/stacks/environment';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { synthEnvironment, wrap, type SynthesizedStack } from './support/stacks';

const environments = loadEnvironments();
const EDGE_PROVIDER = `aws.${EDGE_PROVIDER_ALIAS}`;

/** `${type.id.attribute}` of the one resource of `type`. */
const refOf = (s: SynthesizedStack, type: string, attribute: string) => s.ref(type, () => true, attribute);
const policyOf = (resource: Record<string, any>, key = 'policy') => JSON.parse(resource[key]);

/** A platform stack of `env` with edge settings changed (imported certificates, another prefix, ...). */
const synthPlatformWith = (env: (typeof ENVIRONMENT_NAMES)[number], change: (c: EnvironmentSettings) => EnvironmentSettings) =>
  wrap(new PlatformStack(Testing.app(), `${env}-platform`, { config: change(environments[env]), catalog, validationMode: false }));

describe.each(ENVIRONMENT_NAMES)('%s', (env) => {
  const config = environments[env];
  const stacks = synthEnvironment(env);
  const platform = stacks.platform;
  const distribution = platform.only('aws_cloudfront_distribution');
  const distributionRef = (attribute: string) => refOf(platform, 'aws_cloudfront_distribution', attribute);
  const staticBucketName = `platform-${env}-static-${config.accountId}`;
  const staticBucketRef = (attribute: string) => platform.ref('aws_s3_bucket', (b) => b.bucket === staticBucketName, attribute);
  /** The one resource of `type` configuring the static bucket (staging and prod also have the ALB log bucket). */
  const ofStaticBucket = (type: string) => {
    const all = Object.values(platform.resources(type)).filter((r) => r.bucket === staticBucketRef('id'));
    expect(all).toHaveLength(1);
    return all[0]!;
  };

  it('the ALB is internal in the private subnets; no stack opens anything to the world or listens on port 80', () => {
    const privateSubnets = Object.entries(platform.resources('aws_subnet'))
      .filter(([, s]) => s.tags.Tier === 'private')
      .map(([id]) => `\${aws_subnet.${id}.id}`);
    expect(platform.only('aws_lb')).toMatchObject({ internal: true, subnets: privateSubnets });
    for (const stack of stacks.all) {
      const ingress = [
        ...Object.values(stack.resources('aws_vpc_security_group_ingress_rule')),
        ...Object.values(stack.resources('aws_security_group')).flatMap((g) => g.ingress ?? []),
      ];
      for (const rule of ingress) {
        expect([rule.cidr_ipv4, rule.cidr_ipv6]).not.toContain('0.0.0.0/0');
        expect([rule.cidr_ipv4, rule.cidr_ipv6]).not.toContain('::/0');
      }
      expect(stack.resources('aws_security_group_rule')).toEqual({});
      for (const listener of Object.values(stack.resources('aws_lb_listener'))) expect(listener).toMatchObject({ port: 443, protocol: 'HTTPS' });
    }
    const albGroup = platform.ref('aws_security_group', (g) => g.name === `platform-${env}-alb`, 'id');
    const albIngress = Object.values(platform.resources('aws_vpc_security_group_ingress_rule')).filter((r) => r.security_group_id === albGroup);
    expect(albIngress).toEqual([
      expect.objectContaining({ prefix_list_id: config.edge.originFacingPrefixListId, ip_protocol: 'tcp', from_port: 443, to_port: 443 }),
    ]);
  });

  it('CloudFront reaches the ALB only through a VPC origin, over HTTPS to a name on the origin certificate', () => {
    const vpcOrigin = platform.only('aws_cloudfront_vpc_origin');
    expect(vpcOrigin.vpc_origin_endpoint_config).toEqual([
      expect.objectContaining({
        arn: refOf(platform, 'aws_lb', 'arn'),
        https_port: 443,
        origin_protocol_policy: 'https-only',
        origin_ssl_protocols: [{ items: ['TLSv1.2'], quantity: 1 }],
      }),
    ]);
    expect(vpcOrigin.timeouts).toEqual({ create: '30m', update: '30m', delete: '30m' });
    const api = distribution.origin.find((o: { origin_id: string }) => o.origin_id === distribution.default_cache_behavior.target_origin_id);
    expect(api).toEqual({
      origin_id: 'api',
      domain_name: `origin.${config.domain}`,
      vpc_origin_config: { vpc_origin_id: refOf(platform, 'aws_cloudfront_vpc_origin', 'id') },
    });
    // The ALB presents the regional certificate for that name, validated before the listener uses it.
    const originCertificate = platform.ref('aws_acm_certificate', (c) => c.domain_name === `origin.${config.domain}`, 'arn');
    const originValidation = platform.ref('aws_acm_certificate_validation', (v) => v.certificate_arn === originCertificate, 'certificate_arn');
    expect(platform.only('aws_lb_listener').certificate_arn).toBe(originValidation);
    expect(platform.resources('aws_route53_record')).toEqual(
      expect.objectContaining({
        [Object.entries(platform.resources('aws_route53_record')).find(([, r]) => r.name === `origin.${config.domain}`)![0]]: expect.objectContaining({
          type: 'A',
          alias: { name: refOf(platform, 'aws_lb', 'dns_name'), zone_id: refOf(platform, 'aws_lb', 'zone_id'), evaluate_target_health: false },
        }),
      }),
    );
  });

  it('the distribution: HTTP/2 and 3, IPv6, TLSv1.2_2021 with the validated us-east-1 certificate, the web ACL, price class from config', () => {
    expect(distribution).toMatchObject({
      enabled: true,
      http_version: 'http2and3',
      is_ipv6_enabled: true,
      aliases: [config.domain],
      price_class: config.edge.priceClass,
      web_acl_id: refOf(platform, 'aws_wafv2_web_acl', 'arn'),
      viewer_certificate: { minimum_protocol_version: 'TLSv1.2_2021', ssl_support_method: 'sni-only' },
    });
    const viewerCertificate = platform.ref('aws_acm_certificate', (c) => c.domain_name === config.domain, 'arn');
    const viewerValidation = platform.ref('aws_acm_certificate_validation', (v) => v.certificate_arn === viewerCertificate, 'certificate_arn');
    expect(distribution.viewer_certificate.acm_certificate_arn).toBe(viewerValidation);
    expect(distribution.logging_config).toBeUndefined(); // standard logging v2 instead (below)
  });

  it('the API behaviour caches nothing and forwards everything but Host; static assets use CachingOptimized; both HTTPS with the security headers', () => {
    expect(MANAGED_CACHE_POLICY).toEqual({ CachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', CachingOptimized: '658327ea-f89d-4fab-a63d-7e88639e58f6' });
    expect(MANAGED_ORIGIN_REQUEST_POLICY).toEqual({ AllViewerExceptHostHeader: 'b689b0a8-53d0-40ab-baf2-68738e2966ac' });
    const headersPolicy = refOf(platform, 'aws_cloudfront_response_headers_policy', 'id');
    expect(distribution.default_cache_behavior).toMatchObject({
      target_origin_id: 'api',
      cache_policy_id: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      origin_request_policy_id: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      allowed_methods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
      viewer_protocol_policy: 'redirect-to-https',
      response_headers_policy_id: headersPolicy,
    });
    expect(distribution.ordered_cache_behavior).toEqual([
      expect.objectContaining({
        path_pattern: DEFAULT_STATIC_PATH_PATTERN,
        target_origin_id: 'static',
        cache_policy_id: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        allowed_methods: ['GET', 'HEAD'],
        viewer_protocol_policy: 'redirect-to-https',
        response_headers_policy_id: headersPolicy,
      }),
    ]);
    expect(distribution.ordered_cache_behavior[0].origin_request_policy_id).toBeUndefined();
  });

  it('the response-headers policy sets HSTS with preload, nosniff, frame DENY and the referrer policy, overriding the origin', () => {
    const security = platform.only('aws_cloudfront_response_headers_policy').security_headers_config;
    expect(security).toEqual({
      strict_transport_security: { access_control_max_age_sec: 63072000, include_subdomains: true, preload: true, override: true },
      content_type_options: { override: true },
      frame_options: { frame_option: 'DENY', override: true },
      referrer_policy: { referrer_policy: 'no-referrer', override: true },
    });
    // The plain list the local gateway uses says the same.
    expect(EDGE_RESPONSE_HEADERS).toEqual({
      'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
  });

  it('answers 502/503/504 with the JSON edge bodies, stored in the bucket under the static behaviour and never cached', () => {
    expect(distribution.custom_error_response).toEqual(
      EDGE_ERROR_STATUSES.map((status) => ({
        error_code: status,
        response_code: status,
        response_page_path: `/static/edge-errors/${status}.json`,
        error_caching_min_ttl: 0,
      })),
    );
    const objects = Object.values(platform.resources('aws_s3_object'));
    for (const status of EDGE_ERROR_STATUSES) {
      const object = objects.find((o) => o.key === `static/edge-errors/${status}.json`)!;
      expect(object).toMatchObject({ content_type: 'application/json', bucket: staticBucketRef('id'), server_side_encryption: 'aws:kms' });
      const body = JSON.parse(object.content);
      expect(body).toEqual(EDGE_ERROR_BODIES[status]);
      expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) }, requestId: 'unknown' });
    }
    expect(edgeErrorPagePath(DEFAULT_STATIC_PATH_PATTERN, 503).startsWith(DEFAULT_STATIC_PATH_PATTERN.replace('*', ''))).toBe(true);
  });

  it('only the distribution can read the static bucket: OAC, SourceArn-pinned bucket and key policies, private, versioned, CMK', () => {
    const bucketArn = staticBucketRef('arn');
    const [read, ...others] = policyOf(ofStaticBucket('aws_s3_bucket_policy')).Statement;
    expect(read).toEqual({
      Sid: 'CloudFrontDistributionReads',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `${bucketArn}/*`,
      Condition: { StringEquals: { 'AWS:SourceArn': distributionRef('arn') } },
    });
    expect(others.map((s: { Effect: string }) => s.Effect)).toEqual(['Deny']);
    expect(ofStaticBucket('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(ofStaticBucket('aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
    expect(ofStaticBucket('aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
    const [sse] = ofStaticBucket('aws_s3_bucket_server_side_encryption_configuration').rule;
    expect(sse.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    const keyId = sse.apply_server_side_encryption_by_default.kms_master_key_id.match(/^\$\{aws_kms_key\.(.+)\.arn\}$/)[1];
    const keyPolicy = policyOf(platform.resources('aws_kms_key')[keyId]!);
    expect(keyPolicy.Statement.find((s: { Sid: string }) => s.Sid === 'AllowCloudFrontDistribution')).toEqual({
      Sid: 'AllowCloudFrontDistribution',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': distributionRef('arn') } },
    });
    const staticOrigin = distribution.origin.find((o: { origin_id: string }) => o.origin_id === 'static');
    expect(staticOrigin).toEqual({
      origin_id: 'static',
      domain_name: staticBucketRef('bucket_regional_domain_name'),
      origin_access_control_id: refOf(platform, 'aws_cloudfront_origin_access_control', 'id'),
    });
    expect(platform.only('aws_cloudfront_origin_access_control')).toMatchObject({ origin_access_control_origin_type: 's3', signing_behavior: 'always', signing_protocol: 'sigv4' });
  });

  it('the web ACL: CLOUDFRONT scope, managed common, known-bad-inputs and IP-reputation groups, the per-IP rate limit from config', () => {
    const acl = platform.only('aws_wafv2_web_acl');
    expect(acl.scope).toBe('CLOUDFRONT');
    expect(acl.default_action).toEqual({ allow: {} });
    expect(acl.rule.map((r: { statement: object }) => r.statement)).toEqual([
      { managed_rule_group_statement: { name: 'AWSManagedRulesCommonRuleSet', vendor_name: 'AWS' } },
      { managed_rule_group_statement: { name: 'AWSManagedRulesKnownBadInputsRuleSet', vendor_name: 'AWS' } },
      { managed_rule_group_statement: { name: 'AWSManagedRulesAmazonIpReputationList', vendor_name: 'AWS' } },
      { rate_based_statement: { limit: config.edge.wafRateLimitPer5Minutes, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
    ]);
    expect(acl.rule[3].action).toEqual({ block: {} });
  });

  it('logs: WAF to a KMS-encrypted aws-waf-logs- group with authorization and cookie redacted; CloudFront standard logging v2', () => {
    const groups = platform.resources('aws_cloudwatch_log_group');
    const groupRef = (name: string) => platform.ref('aws_cloudwatch_log_group', (g) => g.name === name, 'arn');
    const waf = platform.only('aws_wafv2_web_acl_logging_configuration');
    expect(waf).toMatchObject({
      resource_arn: refOf(platform, 'aws_wafv2_web_acl', 'arn'),
      log_destination_configs: [groupRef(`aws-waf-logs-platform-${env}-edge`)],
      redacted_fields: [{ single_header: { name: 'authorization' } }, { single_header: { name: 'cookie' } }],
    });
    const source = platform.only('aws_cloudwatch_log_delivery_source');
    expect(source).toMatchObject({ log_type: 'ACCESS_LOGS', resource_arn: distributionRef('arn') });
    const destination = platform.only('aws_cloudwatch_log_delivery_destination');
    expect(destination.delivery_destination_configuration).toEqual([{ destination_resource_arn: groupRef(`/aws/vendedlogs/cloudfront/platform-${env}`) }]);
    expect(platform.only('aws_cloudwatch_log_delivery')).toEqual(
      expect.objectContaining({
        delivery_source_name: refOf(platform, 'aws_cloudwatch_log_delivery_source', 'name'),
        delivery_destination_arn: refOf(platform, 'aws_cloudwatch_log_delivery_destination', 'arn'),
      }),
    );
    // Both edge groups are encrypted with the us-east-1 key, which admits CloudWatch Logs there.
    const edgeKey = platform.ref('aws_kms_key', (k) => k.provider === EDGE_PROVIDER, 'arn');
    const edgeGroups = Object.values(groups).filter((g) => g.provider === EDGE_PROVIDER);
    expect(edgeGroups.map((g) => g.name).sort()).toEqual([`/aws/vendedlogs/cloudfront/platform-${env}`, `aws-waf-logs-platform-${env}-edge`]);
    for (const group of edgeGroups) expect(group).toMatchObject({ kms_key_id: edgeKey, retention_in_days: config.observability.logRetentionDays });
    const logsStatement = policyOf(Object.values(platform.resources('aws_kms_key')).find((k) => k.provider === EDGE_PROVIDER)!).Statement.find(
      (s: { Sid: string }) => s.Sid === 'AllowCloudWatchLogs',
    );
    expect(logsStatement.Principal).toEqual({ Service: 'logs.us-east-1.amazonaws.com' });
    // Log delivery may write to exactly those two groups, for this account.
    const [delivery] = policyOf(platform.only('aws_cloudwatch_log_resource_policy'), 'policy_document').Statement;
    expect(delivery.Principal).toEqual({ Service: 'delivery.logs.amazonaws.com' });
    expect(delivery.Resource.sort()).toEqual(edgeGroups.map((g) => `${groupRef(g.name)}:log-stream:*`).sort());
    expect(delivery.Condition.StringEquals).toEqual({ 'aws:SourceAccount': config.accountId });
  });

  it('the web ACL, the viewer certificate, the distribution and log delivery use the us-east-1 provider; the origin certificate the region', () => {
    const providers = platform.parsed.provider.aws;
    expect(providers.find((p: { alias?: string }) => p.alias === EDGE_PROVIDER_ALIAS).region).toBe('us-east-1');
    expect(providers.find((p: { alias?: string }) => !p.alias).region).toBe(config.region);
    for (const type of [
      'aws_wafv2_web_acl',
      'aws_wafv2_web_acl_logging_configuration',
      'aws_cloudfront_distribution',
      'aws_cloudfront_vpc_origin',
      'aws_cloudwatch_log_delivery_source',
      'aws_cloudwatch_log_delivery_destination',
      'aws_cloudwatch_log_delivery',
      'aws_cloudwatch_log_resource_policy',
    ]) {
      expect([type, platform.only(type).provider]).toEqual([type, EDGE_PROVIDER]);
    }
    const certificates = Object.values(platform.resources('aws_acm_certificate'));
    expect(certificates.find((c) => c.domain_name === config.domain)!.provider).toBe(EDGE_PROVIDER);
    expect(certificates.find((c) => c.domain_name === `origin.${config.domain}`)!.provider).toBeUndefined();
    for (const validation of Object.values(platform.resources('aws_acm_certificate_validation'))) {
      const certificate = certificates.find((c) => validation.certificate_arn === platform.ref('aws_acm_certificate', (x) => x === c, 'arn'))!;
      expect(validation.provider).toBe(certificate.provider);
    }
    // The buckets (static assets, ALB logs) stay in the environment's region.
    for (const bucket of Object.values(platform.resources('aws_s3_bucket'))) expect(bucket.provider).toBeUndefined();
  });

  it('certificates are validated in the hosted zone: one record per domain_validation_options entry, keyed by domain name', () => {
    const validationRecords = Object.entries(platform.resources('aws_route53_record')).filter(([, r]) => r.for_each);
    expect(validationRecords).toHaveLength(2);
    for (const [id, record] of validationRecords) {
      expect(record.for_each).toMatch(/^\$\{\{ for key, val in tolist\(aws_acm_certificate\.[\w-]+\.domain_validation_options\): val\.domain_name => val \}\}$/);
      expect(record).toMatchObject({
        zone_id: config.hostedZoneId,
        name: '${each.value.resource_record_name}',
        type: '${each.value.resource_record_type}',
        records: ['${each.value.resource_record_value}'],
      });
      const waits = Object.values(platform.resources('aws_acm_certificate_validation')).filter((v) =>
        v.validation_record_fqdns.includes(`aws_route53_record.${id}:`),
      );
      expect(waits).toHaveLength(1);
    }
    for (const certificate of Object.values(platform.resources('aws_acm_certificate'))) expect(certificate.validation_method).toBe('DNS');
  });

  it('Route 53 A and AAAA aliases send the API name to the distribution', () => {
    const records = Object.values(platform.resources('aws_route53_record')).filter((r) => r.name === config.domain);
    expect(records.map((r) => r.type).sort()).toEqual(['A', 'AAAA']);
    for (const record of records) {
      expect(record).toMatchObject({
        zone_id: config.hostedZoneId,
        alias: { name: distributionRef('domain_name'), zone_id: distributionRef('hosted_zone_id'), evaluate_target_health: false },
      });
    }
  });

  it('alarms in us-east-1 on the 5xx rate, origin latency and WAF blocks, to a topic there; on the environment dashboard', () => {
    const topic = platform.ref('aws_sns_topic', (t) => t.provider === EDGE_PROVIDER, 'arn');
    const alarms = Object.values(platform.resources('aws_cloudwatch_metric_alarm')).filter((a) => a.provider === EDGE_PROVIDER);
    const byName = Object.fromEntries(alarms.map((a) => [a.alarm_name, a]));
    expect(Object.keys(byName).sort()).toEqual([`platform-${env}-edge-5xx-rate`, `platform-${env}-edge-origin-latency`, `platform-${env}-edge-waf-blocked`]);
    const distributionDimensions = { DistributionId: distributionRef('id'), Region: 'Global' };
    expect(byName[`platform-${env}-edge-5xx-rate`]).toMatchObject({
      namespace: 'AWS/CloudFront', metric_name: '5xxErrorRate', dimensions: distributionDimensions, statistic: 'Average', threshold: EDGE_ALARM_THRESHOLDS.errorRate5xxPercent,
    });
    expect(byName[`platform-${env}-edge-origin-latency`]).toMatchObject({
      namespace: 'AWS/CloudFront', metric_name: 'OriginLatency', dimensions: distributionDimensions, extended_statistic: 'p99',
    });
    expect(byName[`platform-${env}-edge-waf-blocked`]).toMatchObject({
      namespace: 'AWS/WAFV2', metric_name: 'BlockedRequests', dimensions: { WebACL: `platform-${env}-edge`, Rule: 'ALL' }, statistic: 'Sum', period: 300,
    });
    for (const alarm of alarms) {
      expect(alarm.alarm_actions).toEqual([topic]);
      expect(alarm.ok_actions).toEqual([topic]);
    }
    expect(platform.only('aws_wafv2_web_acl').visibility_config.metric_name).toBe(`platform-${env}-edge`);
    // OriginLatency is an additional metric: it exists only with the subscription on.
    expect(platform.only('aws_cloudfront_monitoring_subscription')).toMatchObject({
      distribution_id: distributionRef('id'),
      monitoring_subscription: { realtime_metrics_subscription_config: { realtime_metrics_subscription_status: 'Enabled' } },
    });
    const widgets = JSON.parse(platform.only('aws_cloudwatch_dashboard').dashboard_body).widgets.map((w: { properties: any }) => w.properties);
    const edgeWidgets = widgets.filter((w: { metrics: string[][] }) => w.metrics.some((m) => ['AWS/CloudFront', 'AWS/WAFV2'].includes(m[0]!)));
    expect(edgeWidgets.length).toBeGreaterThanOrEqual(3);
    for (const widget of edgeWidgets) expect(widget.region).toBe('us-east-1');
    const drawn = edgeWidgets.flatMap((w: { metrics: string[][] }) => w.metrics.map((m) => m[1]));
    expect(drawn).toEqual(expect.arrayContaining(['5xxErrorRate', 'OriginLatency', 'BlockedRequests']));
    expect(widgets.filter((w: { region: string }) => w.region === config.region).length).toBeGreaterThan(0);
  });
});

describe('environment overrides', () => {
  it('imported certificates replace the requested ones; static prefix and price class come from config', () => {
    const originArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/imported-origin';
    const viewerArn = 'arn:aws:acm:us-east-1:111111111111:certificate/imported-viewer';
    const platform = synthPlatformWith('dev', (c) => ({
      ...c,
      certificateArn: originArn,
      edge: { ...c.edge, viewerCertificateArn: viewerArn, staticPathPattern: '/assets/v1/*', priceClass: 'PriceClass_All' },
    }));
    expect(platform.resources('aws_acm_certificate')).toEqual({});
    expect(platform.resources('aws_acm_certificate_validation')).toEqual({});
    expect(Object.values(platform.resources('aws_route53_record')).filter((r) => r.for_each)).toEqual([]);
    expect(platform.only('aws_lb_listener').certificate_arn).toBe(originArn);
    const distribution = platform.only('aws_cloudfront_distribution');
    expect(distribution.viewer_certificate.acm_certificate_arn).toBe(viewerArn);
    expect(distribution.price_class).toBe('PriceClass_All');
    expect(distribution.ordered_cache_behavior[0].path_pattern).toBe('/assets/v1/*');
    expect(distribution.custom_error_response.map((r: { response_page_path: string }) => r.response_page_path)).toEqual(
      EDGE_ERROR_STATUSES.map((s) => `/assets/v1/edge-errors/${s}.json`),
    );
    const keys = Object.values(platform.resources('aws_s3_object')).map((o) => o.key);
    expect(keys.every((k) => k.startsWith(staticKeyPrefix('/assets/v1/*')))).toBe(true);
    expect(staticKeyPrefix('/assets/v1/*')).toBe('assets/v1/');
  });

  it('subscribes the alarm e-mail to the edge topic as well as the regional one', () => {
    const prod = synthEnvironment('prod').platform;
    const email = environments.prod.observability.alarmEmail;
    const subscriptions = Object.values(prod.resources('aws_sns_topic_subscription'));
    expect(subscriptions.map((s) => [s.endpoint, s.provider ?? 'default'])).toEqual(
      expect.arrayContaining([[email, 'default'], [email, EDGE_PROVIDER]]),
    );
  });
});

describe('ProviderScope', () => {
  it('puts every resource under it on its provider and rejects one that names another', () => {
    const stack = new TerraformStack(Testing.app(), 'scope-test');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const east = new AwsProvider(stack, 'east', { region: 'us-east-1', alias: 'east' });
    const scope = new ProviderScope(stack, 'global', east);
    new SnsTopic(scope, 'inside', { name: 'inside' });
    new SnsTopic(stack, 'outside', { name: 'outside' });
    const topics = wrap(stack).resources('aws_sns_topic');
    expect(Object.values(topics).map((t) => [t.name, t.provider])).toEqual([['inside', 'aws.east'], ['outside', undefined]]);

    const other = new TerraformStack(Testing.app(), 'scope-test-2');
    const west = new AwsProvider(other, 'aws', { region: 'eu-west-1' });
    const scoped = new ProviderScope(other, 'global', new AwsProvider(other, 'east', { region: 'us-east-1', alias: 'east' }));
    new SnsTopic(scoped, 'misplaced', { name: 'misplaced', provider: west });
    expect(() => Testing.synth(other)).toThrow(/names provider .* inside the .*east scope/);
  });
});
