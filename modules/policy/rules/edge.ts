import { isOn, isReference, list, literal, one } from '../stack-view';
import type { Rule } from '../types';
import { controls, eachResource } from './define';

const isApplication = (attrs: Readonly<Record<string, unknown>>) => (literal(attrs.load_balancer_type) ?? 'application') === 'application';

/** Names of managed rule groups a web ACL uses (`rule[].statement.managed_rule_group_statement.name`). */
function managedGroups(acl: Readonly<Record<string, unknown>>): string[] {
  return list(acl.rule).flatMap((rule) => {
    const statement = one((rule as Record<string, unknown>).statement);
    const name = one(statement?.managed_rule_group_statement)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

const S3_ORIGIN = /\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com|aws_s3_bucket\.[^.]+\.bucket_(regional_)?domain_name/;

export const edgeRules: readonly Rule[] = [
  {
    id: 'EDGE-01',
    area: 'edge',
    title: 'Application load balancers drop invalid HTTP header fields',
    fix: 'Set `drop_invalid_header_fields = true`',
    severity: 'error',
    controls: controls('CKV_AWS_131', 'ELB.4'),
    resourceTypes: ['aws_lb', 'aws_alb'],
    check: eachResource(['aws_lb', 'aws_alb'], (r) => isApplication(r.attrs) && !isOn(r.attrs.drop_invalid_header_fields) && 'drop_invalid_header_fields is off'),
  },
  {
    id: 'EDGE-02',
    area: 'edge',
    // CKV2_AWS_28 is about public-facing ALBs: an internal ALB reached only through CloudFront is
    // protected by the distribution's CLOUDFRONT-scope web ACL (EDGE-03), where per-IP rules see clients.
    title: 'Internet-facing application load balancers are associated with a WAF web ACL',
    fix: 'Add `aws_wafv2_web_acl_association` with resource_arn = the ALB ARN (or make it internal behind CloudFront with a web ACL)',
    severity: 'error',
    controls: controls('CKV2_AWS_28', 'ELB.16', 'NIST.800.53.R5-ALBWAFEnabled'),
    resourceTypes: ['aws_lb', 'aws_alb', 'aws_wafv2_web_acl_association'],
    check: eachResource(['aws_lb', 'aws_alb'], (r, view) =>
      isApplication(r.attrs) &&
      r.attrs.internal !== true &&
      view.referencing('aws_wafv2_web_acl_association', r, 'resource_arn').length === 0 &&
      'internet-facing with no WAF web ACL association',
    ),
  },
  {
    id: 'EDGE-03',
    area: 'edge',
    title: 'CloudFront distributions are protected by a WAF web ACL',
    fix: 'Set `web_acl_id` to a CLOUDFRONT-scope web ACL (us-east-1)',
    severity: 'error',
    controls: controls('CKV_AWS_68', 'CloudFront.6', 'AwsSolutions-CFR2'),
    resourceTypes: ['aws_cloudfront_distribution'],
    check: eachResource(['aws_cloudfront_distribution'], (r) => !r.attrs.web_acl_id && 'no web_acl_id'),
  },
  {
    id: 'EDGE-04',
    area: 'edge',
    title: 'WAF web ACLs have rules, including the AWS known-bad-inputs group (Log4j)',
    fix: 'Add managed rule groups AWSManagedRulesCommonRuleSet and AWSManagedRulesKnownBadInputsRuleSet',
    severity: 'error',
    controls: controls('CKV_AWS_175', 'WAF.10', 'CKV_AWS_192', 'CKV2_AWS_76', 'CKV2_AWS_47'),
    resourceTypes: ['aws_wafv2_web_acl'],
    check: eachResource(['aws_wafv2_web_acl'], (r) => {
      if (isReference(r.attrs.rule) || r.attrs.rule_json !== undefined) return undefined;
      if (list(r.attrs.rule).length === 0) return 'the web ACL has no rules';
      return !managedGroups(r.attrs).includes('AWSManagedRulesKnownBadInputsRuleSet') && 'AWSManagedRulesKnownBadInputsRuleSet is missing';
    }),
  },
  {
    id: 'EDGE-05',
    area: 'edge',
    title: 'WAF web ACLs and their rules publish CloudWatch metrics',
    fix: 'Set `visibility_config.cloudwatch_metrics_enabled = true` on the ACL and on every rule',
    severity: 'warning',
    controls: controls('WAF.12'),
    resourceTypes: ['aws_wafv2_web_acl'],
    check: eachResource(['aws_wafv2_web_acl'], (r) =>
      [r.attrs, ...list(r.attrs.rule).map((x) => x as Record<string, unknown>)]
        .filter((x) => !isOn(one(x.visibility_config)?.cloudwatch_metrics_enabled))
        .map((x) => `${x === r.attrs ? 'the web ACL' : `rule ${String(x.name)}`} has CloudWatch metrics off`),
    ),
  },
  {
    id: 'EDGE-06',
    area: 'edge',
    title: 'CloudFront reaches S3 origins through origin access control',
    fix: 'Set `origin_access_control_id` on the S3 origin and allow cloudfront.amazonaws.com with AWS:SourceArn in the bucket policy',
    severity: 'error',
    controls: controls('CloudFront.13', 'AwsSolutions-CFR7', 'CKV2_AWS_46'),
    resourceTypes: ['aws_cloudfront_distribution'],
    check: eachResource(['aws_cloudfront_distribution'], (r) =>
      list(r.attrs.origin)
        .map((o) => o as Record<string, unknown>)
        .filter((o) => S3_ORIGIN.test(String(o.domain_name ?? '')) && !o.origin_access_control_id)
        .map((o) => `S3 origin ${String(o.origin_id)} has no origin access control`),
    ),
  },
  {
    id: 'EDGE-07',
    area: 'edge',
    title: 'Application load balancers mitigate HTTP desync (defensive or strictest)',
    fix: 'Leave `desync_mitigation_mode` at "defensive" or set "strictest"',
    severity: 'error',
    controls: controls('CKV_AWS_328', 'ELB.12'),
    resourceTypes: ['aws_lb', 'aws_alb'],
    check: eachResource(['aws_lb', 'aws_alb'], (r) => literal(r.attrs.desync_mitigation_mode) === 'monitor' && 'desync_mitigation_mode is "monitor"'),
  },
  {
    id: 'EDGE-08',
    area: 'edge',
    title: 'CloudFront attaches a response headers policy (HSTS and security headers)',
    fix: 'Set `response_headers_policy_id` on every cache behavior',
    severity: 'warning',
    controls: controls('CKV2_AWS_32', 'CKV_AWS_259~'),
    resourceTypes: ['aws_cloudfront_distribution'],
    check: eachResource(['aws_cloudfront_distribution'], (r) =>
      [one(r.attrs.default_cache_behavior), ...list(r.attrs.ordered_cache_behavior)]
        .map((b) => b as Record<string, unknown> | undefined)
        .filter((b) => b && !b.response_headers_policy_id)
        .map((b) => `cache behavior ${String(b!.path_pattern ?? 'default')} has no response headers policy`),
    ),
  },
  {
    id: 'EDGE-09',
    area: 'edge',
    title: 'Every WAF web ACL protects something (an association, or a CloudFront distribution\'s web_acl_id)',
    fix: 'Associate the ACL with the ALB (aws_wafv2_web_acl_association) or set it as the distribution\'s web_acl_id; delete it otherwise',
    severity: 'error',
    controls: controls('ELB.16~', 'CloudFront.6~', 'CKV2_AWS_28~'),
    resourceTypes: ['aws_wafv2_web_acl', 'aws_wafv2_web_acl_association', 'aws_cloudfront_distribution'],
    check: eachResource(['aws_wafv2_web_acl'], (r, view) =>
      view.referencing('aws_wafv2_web_acl_association', r, 'web_acl_arn').length === 0 &&
      view.referencing('aws_cloudfront_distribution', r, 'web_acl_id').length === 0 &&
      'the web ACL is associated with nothing',
    ),
  },
];
