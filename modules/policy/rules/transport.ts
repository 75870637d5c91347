import { isTlsOnlyStatement, policiesOf } from '../policy-document';
import { type StackView, type SynthesizedResource, isOn, isReference, list, literal, one } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

/** A TLS-only check: the resource's own policy or a policy resource naming it denies insecure transport. */
function tlsOnly(service: string, policyType: string, link: string, actions = ['*', `${service}:*`]) {
  return (resource: SynthesizedResource, view: StackView) =>
    !policiesOf(view, resource, policyType, link).some((s) => isTlsOnlyStatement(s, actions)) &&
    `no policy denies ${actions.join(' or ')} when aws:SecureTransport is false`;
}

/** ALB security policies AWS recommends (TLS 1.3 or forward-secret TLS 1.2). */
const RECOMMENDED_ELB_POLICY = /^ELBSecurityPolicy-(TLS13-|FS-1-2-Res-)/;
const CLOUDFRONT_MIN_TLS = /^TLSv1\.[23]_20(2[1-9]|[3-9]\d)$/;
const WEAK_ORIGIN_PROTOCOLS = ['SSLv3', 'TLSv1', 'TLSv1.1'];

function clusterParameters(view: StackView, db: SynthesizedResource): SynthesizedResource | 'default' | 'unknown' {
  const attribute = db.type === 'aws_rds_cluster' ? 'db_cluster_parameter_group_name' : 'parameter_group_name';
  const value = db.attrs[attribute];
  if (value === undefined || (typeof value === 'string' && value.startsWith('default.'))) return 'default';
  return view.target(value) ?? 'unknown';
}

export const transportRules: readonly Rule[] = [
  {
    id: 'TLS-01',
    area: 'transport',
    title: 'SQS queues deny requests that do not use TLS',
    fix: 'Attach a queue policy with Deny sqs:* to "*" when aws:SecureTransport is "false"',
    severity: 'error',
    controls: controls('AwsSolutions-SQS4'),
    resourceTypes: ['aws_sqs_queue', 'aws_sqs_queue_policy'],
    check: eachResource(['aws_sqs_queue'], tlsOnly('sqs', 'aws_sqs_queue_policy', 'queue_url')),
  },
  {
    id: 'TLS-02',
    area: 'transport',
    title: 'SNS topics deny publishing without TLS',
    fix: 'Add a topic policy statement: Deny sns:* (or sns:Publish) to "*" when aws:SecureTransport is "false"',
    severity: 'error',
    controls: controls('AwsSolutions-SNS3'),
    resourceTypes: ['aws_sns_topic', 'aws_sns_topic_policy'],
    check: eachResource(['aws_sns_topic'], tlsOnly('sns', 'aws_sns_topic_policy', 'arn', ['*', 'sns:*', 'sns:Publish'])),
  },
  {
    id: 'TLS-03',
    area: 'transport',
    title: 'S3 buckets deny requests that do not use TLS',
    fix: 'Add a bucket policy statement: Deny s3:* on the bucket and its objects when aws:SecureTransport is "false"',
    severity: 'error',
    controls: controls('S3.5', 'AwsSolutions-S10', 'NIST.800.53.R5-S3BucketSSLRequestsOnly'),
    resourceTypes: ['aws_s3_bucket', 'aws_s3_bucket_policy'],
    check: eachResource(['aws_s3_bucket'], tlsOnly('s3', 'aws_s3_bucket_policy', 'bucket')),
  },
  {
    id: 'TLS-04',
    area: 'transport',
    title: 'ElastiCache requires encryption in transit',
    fix: 'Set `transit_encryption_enabled = true` and `transit_encryption_mode = "required"`',
    severity: 'error',
    controls: controls('CKV_AWS_30', 'ElastiCache.5', 'AwsSolutions-AEC3'),
    resourceTypes: ['aws_elasticache_replication_group'],
    check: eachResource(['aws_elasticache_replication_group'], (r) => {
      if (!isOn(r.attrs.transit_encryption_enabled)) return 'transit_encryption_enabled is off';
      return literal(r.attrs.transit_encryption_mode) === 'preferred' && 'transit_encryption_mode is "preferred" (plain-text clients still connect)';
    }),
  },
  {
    id: 'TLS-05',
    area: 'transport',
    title: 'PostgreSQL (Aurora and RDS) forces TLS through its parameter group (rds.force_ssl = 1)',
    fix: 'Use a parameter group of this stack with parameter rds.force_ssl = 1 (and ssl_min_protocol_version TLSv1.2)',
    severity: 'error',
    controls: controls('CKV2_AWS_69~', 'RDS.38~'),
    resourceTypes: ['aws_rds_cluster', 'aws_db_instance', 'aws_rds_cluster_parameter_group', 'aws_db_parameter_group'],
    check: eachResource(['aws_rds_cluster', 'aws_db_instance'], (db, view) => {
      const engine = literal(db.attrs.engine) ?? '';
      if (!engine.includes('postgres')) return undefined;
      const group = clusterParameters(view, db);
      if (group === 'unknown') return undefined;
      if (group === 'default') return 'uses the default parameter group (rds.force_ssl is 0 there)';
      const forced = list(group.attrs.parameter).some((p) => {
        const { name, value } = p as { name?: unknown; value?: unknown };
        return name === 'rds.force_ssl' && String(value) === '1';
      });
      return !forced && `parameter group ${group.address} does not set rds.force_ssl = 1`;
    }),
  },
  {
    id: 'TLS-06',
    area: 'transport',
    title: 'Load balancer listeners use HTTPS; plain HTTP listeners only redirect to HTTPS',
    fix: 'Use protocol HTTPS, or make the HTTP listener\'s default action a redirect to HTTPS (HTTP_301)',
    severity: 'error',
    controls: controls('CKV_AWS_2', 'CKV2_AWS_20', 'CKV_AWS_378', 'ELB.1', 'NIST.800.53.R5-ALBHttpToHttpsRedirection'),
    resourceTypes: ['aws_lb_listener', 'aws_alb_listener'],
    check: eachResource(['aws_lb_listener', 'aws_alb_listener'], (r) => {
      const protocol = literal(r.attrs.protocol) ?? (r.attrs.protocol === undefined ? 'HTTP' : undefined);
      if (protocol !== 'HTTP') return undefined;
      const redirects = list(r.attrs.default_action).some((a) => {
        const action = a as Record<string, unknown>;
        return action.type === 'redirect' && literal(one(action.redirect)?.protocol) === 'HTTPS';
      });
      return !redirects && 'HTTP listener serves traffic instead of redirecting to HTTPS';
    }),
  },
  {
    id: 'TLS-07',
    area: 'transport',
    title: 'HTTPS/TLS listeners use a recommended security policy (TLS 1.3 or forward-secret TLS 1.2)',
    fix: 'Set `ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"` (or a stricter TLS13 policy)',
    severity: 'error',
    controls: controls('CKV_AWS_103', 'CKV2_AWS_74', 'ELB.17'),
    resourceTypes: ['aws_lb_listener', 'aws_alb_listener'],
    check: eachResource(['aws_lb_listener', 'aws_alb_listener'], (r) => {
      const protocol = literal(r.attrs.protocol);
      if (protocol !== 'HTTPS' && protocol !== 'TLS') return undefined;
      if (isReference(r.attrs.ssl_policy)) return undefined;
      const policy = literal(r.attrs.ssl_policy) ?? 'ELBSecurityPolicy-2016-08 (default)';
      return !RECOMMENDED_ELB_POLICY.test(policy) && `ssl_policy is ${policy}`;
    }),
  },
  {
    id: 'TLS-08',
    area: 'transport',
    title: 'CloudFront requires HTTPS from viewers on every cache behavior',
    fix: 'Set `viewer_protocol_policy = "redirect-to-https"` (or "https-only") on every cache behavior',
    severity: 'error',
    controls: controls('CKV_AWS_34', 'CloudFront.3'),
    resourceTypes: ['aws_cloudfront_distribution'],
    check: eachResource(['aws_cloudfront_distribution'], (r) =>
      [one(r.attrs.default_cache_behavior), ...list(r.attrs.ordered_cache_behavior)]
        .filter((b) => b && (b as Record<string, unknown>).viewer_protocol_policy === 'allow-all')
        .map((b) => `cache behavior ${String((b as Record<string, unknown>).path_pattern ?? 'default')} allows plain HTTP`),
    ),
  },
  {
    id: 'TLS-09',
    area: 'transport',
    title: 'CloudFront serves viewers a custom certificate with TLSv1.2_2021 or newer',
    fix: 'Set `viewer_certificate { acm_certificate_arn, ssl_support_method = "sni-only", minimum_protocol_version = "TLSv1.2_2021" }`',
    severity: 'error',
    controls: controls('CKV_AWS_174', 'CKV2_AWS_54', 'CKV2_AWS_42', 'AwsSolutions-CFR4', 'CloudFront.7'),
    resourceTypes: ['aws_cloudfront_distribution'],
    check: eachResource(['aws_cloudfront_distribution'], (r) => {
      const cert = one(r.attrs.viewer_certificate);
      if (!cert || cert.cloudfront_default_certificate === true) return 'uses the default *.cloudfront.net certificate (TLSv1 allowed)';
      const min = literal(cert.minimum_protocol_version) ?? 'TLSv1 (default)';
      return !isReference(cert.minimum_protocol_version) && !CLOUDFRONT_MIN_TLS.test(min) && `minimum_protocol_version is ${min}`;
    }),
  },
  {
    id: 'TLS-10',
    area: 'transport',
    title: 'CloudFront reaches custom and VPC origins over HTTPS with TLS 1.2 only',
    fix: 'Set `origin_protocol_policy = "https-only"` and `origin_ssl_protocols = ["TLSv1.2"]`',
    severity: 'error',
    controls: controls('CloudFront.9', 'CloudFront.10', 'AwsSolutions-CFR5', 'CKV2_AWS_72'),
    resourceTypes: ['aws_cloudfront_distribution', 'aws_cloudfront_vpc_origin'],
    check: eachResource(['aws_cloudfront_distribution', 'aws_cloudfront_vpc_origin'], (r) => {
      const configs =
        r.type === 'aws_cloudfront_vpc_origin'
          ? [one(r.attrs.vpc_origin_endpoint_config)]
          : list(r.attrs.origin).map((o) => one((o as Record<string, unknown>).custom_origin_config));
      return configs.flatMap((c) => {
        if (!c) return [];
        const problems: string[] = [];
        const policy = literal(c.origin_protocol_policy);
        if (policy && policy !== 'https-only') problems.push(`origin_protocol_policy is ${policy}`);
        const ssl = one(c.origin_ssl_protocols);
        const protocols = (ssl ? list(ssl.items) : list(c.origin_ssl_protocols)).filter((p): p is string => typeof p === 'string');
        const weak = protocols.filter((p) => WEAK_ORIGIN_PROTOCOLS.includes(p));
        if (weak.length) problems.push(`origin_ssl_protocols allow ${weak.join(', ')}`);
        return problems;
      });
    }),
  },
];
