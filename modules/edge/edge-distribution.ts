import { Construct } from 'constructs';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontMonitoringSubscription } from '@cdktf/provider-aws/lib/cloudfront-monitoring-subscription';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control';
import { CloudfrontResponseHeadersPolicy } from '@cdktf/provider-aws/lib/cloudfront-response-headers-policy';
import { CloudfrontVpcOrigin } from '@cdktf/provider-aws/lib/cloudfront-vpc-origin';
import { metric, type Metric } from '../observability/metric';
import { EDGE_ERROR_STATUSES, EDGE_SECURITY_HEADERS, edgeErrorPagePath, type PriceClass } from './edge-contract';

/**
 * AWS managed CloudFront policies by id (fixed, documented ids: no data-source lookup, which would
 * call AWS and break the offline plan).
 */
export const MANAGED_CACHE_POLICY = {
  /** Nothing cached, no cache key: the API. */
  CachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
  /** Long TTLs, gzip/brotli, no query string or cookies in the key: static assets. */
  CachingOptimized: '658327ea-f89d-4fab-a63d-7e88639e58f6',
} as const;

export const MANAGED_ORIGIN_REQUEST_POLICY = {
  /** Every viewer header, cookie and query string except Host (the origin's own name is sent). */
  AllViewerExceptHostHeader: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
} as const;

/** Minimum TLS between viewers and CloudFront (TLS 1.2 with forward-secret ciphers only). */
export const VIEWER_TLS_POLICY = 'TLSv1.2_2021';

/** Creating or deleting a VPC origin deploys it across CloudFront: many minutes, not measured here (docs/decisions/0013). */
const VPC_ORIGIN_TIMEOUT = '30m';

const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];
const READ_METHODS = ['GET', 'HEAD'];

export interface EdgeDistributionProps {
  /** Name prefix, e.g. `platform-prod`. */
  readonly name: string;
  /** The API's public name (the distribution's alias). */
  readonly domain: string;
  /** Issued ACM certificate in us-east-1 covering `domain`. */
  readonly viewerCertificateArn: string;
  readonly priceClass: PriceClass;
  readonly webAclArn: string;
  /** The internal ALB, reached through a VPC origin over HTTPS to `domainName` (on its certificate). */
  readonly api: { readonly loadBalancerArn: string; readonly domainName: string };
  /** The static-assets bucket, read through Origin Access Control, for requests matching `pathPattern`. */
  readonly static: { readonly bucketRegionalDomainName: string; readonly pathPattern: string };
}

const API_ORIGIN = 'api';
const STATIC_ORIGIN = 'static';

/**
 * The distribution in front of the environment: HTTP/2 and HTTP/3, IPv6, TLS 1.2+ with the
 * viewer certificate, the web ACL, the API (default behaviour, nothing cached) through a VPC origin
 * to the internal ALB, static assets from the private bucket, the edge's security headers on every
 * response, JSON bodies for 502/503/504, and the additional metrics (origin latency) switched on.
 * CloudFront is a global service: create it under the us-east-1 provider with the web ACL.
 */
export class EdgeDistribution extends Construct {
  readonly id: string;
  readonly arn: string;
  readonly domainName: string;
  readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    const vpcOrigin = new CloudfrontVpcOrigin(this, 'vpc-origin', {
      vpcOriginEndpointConfig: [
        {
          name: `${props.name}-alb`,
          arn: props.api.loadBalancerArn,
          httpPort: 80, // required by the API; unused with https-only (the ALB has no port-80 listener)
          httpsPort: 443,
          originProtocolPolicy: 'https-only',
          originSslProtocols: [{ items: ['TLSv1.2'], quantity: 1 }],
        },
      ],
      timeouts: { create: VPC_ORIGIN_TIMEOUT, update: VPC_ORIGIN_TIMEOUT, delete: VPC_ORIGIN_TIMEOUT },
    });
    const oac = new CloudfrontOriginAccessControl(this, 'static-oac', {
      name: `${props.name}-static`,
      description: 'CloudFront signs every request to the static-assets bucket',
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    const headers = EDGE_SECURITY_HEADERS;
    const responseHeaders = new CloudfrontResponseHeadersPolicy(this, 'response-headers', {
      name: `${props.name}-security-headers`,
      comment: 'HSTS (preload), nosniff, frame DENY, referrer policy on every response',
      securityHeadersConfig: {
        strictTransportSecurity: {
          accessControlMaxAgeSec: headers.strictTransportSecurity.maxAgeSeconds,
          includeSubdomains: headers.strictTransportSecurity.includeSubdomains,
          preload: headers.strictTransportSecurity.preload,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: headers.frameOptions, override: true },
        referrerPolicy: { referrerPolicy: headers.referrerPolicy, override: true },
      },
    });
    const common = { compress: true, viewerProtocolPolicy: 'redirect-to-https', responseHeadersPolicyId: responseHeaders.id };

    const distribution = new CloudfrontDistribution(this, 'distribution', {
      enabled: true,
      comment: `${props.name}: API and static assets`,
      aliases: [props.domain],
      httpVersion: 'http2and3',
      isIpv6Enabled: true,
      priceClass: props.priceClass,
      webAclId: props.webAclArn,
      viewerCertificate: { acmCertificateArn: props.viewerCertificateArn, sslSupportMethod: 'sni-only', minimumProtocolVersion: VIEWER_TLS_POLICY },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      origin: [
        { originId: API_ORIGIN, domainName: props.api.domainName, vpcOriginConfig: { vpcOriginId: vpcOrigin.id } },
        { originId: STATIC_ORIGIN, domainName: props.static.bucketRegionalDomainName, originAccessControlId: oac.id },
      ],
      defaultCacheBehavior: {
        ...common,
        targetOriginId: API_ORIGIN,
        allowedMethods: ALL_METHODS,
        cachedMethods: READ_METHODS,
        cachePolicyId: MANAGED_CACHE_POLICY.CachingDisabled,
        originRequestPolicyId: MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader,
      },
      orderedCacheBehavior: [
        {
          ...common,
          pathPattern: props.static.pathPattern,
          targetOriginId: STATIC_ORIGIN,
          allowedMethods: READ_METHODS,
          cachedMethods: READ_METHODS,
          cachePolicyId: MANAGED_CACHE_POLICY.CachingOptimized,
        },
      ],
      // The page is fetched from the static behaviour; errors are not cached, so the next request retries the origin.
      customErrorResponse: EDGE_ERROR_STATUSES.map((status) => ({
        errorCode: status,
        responseCode: status,
        responsePagePath: edgeErrorPagePath(props.static.pathPattern, status),
        errorCachingMinTtl: 0,
      })),
    });
    this.id = distribution.id;
    this.arn = distribution.arn;
    this.domainName = distribution.domainName;
    this.hostedZoneId = distribution.hostedZoneId;

    // OriginLatency and the per-status error rates are "additional metrics", billed per distribution.
    new CloudfrontMonitoringSubscription(this, 'additional-metrics', {
      distributionId: distribution.id,
      monitoringSubscription: { realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' } },
    });
  }

  /** A distribution metric (`AWS/CloudFront`, published in us-east-1 with `Region: Global`). */
  metric(metricName: string, statistic: Metric['statistic'] = 'Average'): Metric {
    return metric('AWS/CloudFront', metricName, { DistributionId: this.id, Region: 'Global' }, statistic, { label: metricName });
  }
}
