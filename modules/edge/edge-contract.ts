/**
 * The edge's facts as plain data with no construct imports: the response headers CloudFront adds,
 * the JSON bodies it answers 502/503/504 with, where static assets live, and the price classes
 * envs/ may choose. The distribution (edge-distribution.ts, edge.ts) is built from them, and the
 * local gateway imports the same ones, so `npm run dev` answers as a client would see it through
 * CloudFront.
 */

/** Where CloudFront keeps viewer certificates, CLOUDFRONT-scope web ACLs, log sources and metrics. */
export const EDGE_REGION = 'us-east-1';

/** CloudFront price classes (which edge locations serve): 100 = North America and Europe. */
export const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type PriceClass = (typeof PRICE_CLASSES)[number];

/** Default `edge.staticPathPattern`: the cache behaviour served from the static-assets bucket. */
export const DEFAULT_STATIC_PATH_PATTERN = '/static/*';

/** `/static/*` → `/static/`: the URL prefix of the static behaviour. */
export const staticUrlPrefix = (pathPattern: string): string => pathPattern.replace(/\*$/, '');

/** `/static/*` → `static/`: the object key prefix in the bucket (CloudFront forwards the path as the key). */
export const staticKeyPrefix = (pathPattern: string): string => staticUrlPrefix(pathPattern).replace(/^\//, '');

/** Security headers CloudFront's response-headers policy sets (and overrides) on every response. */
export const EDGE_SECURITY_HEADERS = {
  /** Two years (preload lists require at least one), subdomains included, preload requested. */
  strictTransportSecurity: { maxAgeSeconds: 63_072_000, includeSubdomains: true, preload: true },
  contentTypeOptions: 'nosniff',
  frameOptions: 'DENY',
  /** The services' own value (services/kit SECURITY_HEADERS), so edge and origin agree. */
  referrerPolicy: 'no-referrer',
} as const;

const hsts = EDGE_SECURITY_HEADERS.strictTransportSecurity;

/** The same headers as name → value, as a client receives them. */
export const EDGE_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': [
    `max-age=${hsts.maxAgeSeconds}`,
    ...(hsts.includeSubdomains ? ['includeSubDomains'] : []),
    ...(hsts.preload ? ['preload'] : []),
  ].join('; '),
  'X-Content-Type-Options': EDGE_SECURITY_HEADERS.contentTypeOptions,
  'X-Frame-Options': EDGE_SECURITY_HEADERS.frameOptions,
  'Referrer-Policy': EDGE_SECURITY_HEADERS.referrerPolicy,
};

/** Status codes the edge answers with its own JSON body (an origin's body for them is replaced). */
export const EDGE_ERROR_STATUSES = [502, 503, 504] as const;
export type EdgeErrorStatus = (typeof EDGE_ERROR_STATUSES)[number];

/**
 * The edge's error bodies, in the platform's error shape. A static page cannot carry a per-request
 * id, so `requestId` is `unknown` (the services' value when they have none); CloudFront's own
 * request id is in the `x-amz-cf-id` response header.
 */
export const EDGE_ERROR_BODIES: Readonly<Record<EdgeErrorStatus, { readonly error: { readonly code: string; readonly message: string }; readonly requestId: string }>> = {
  502: { error: { code: 'bad_gateway', message: 'The service could not be reached' }, requestId: 'unknown' },
  503: { error: { code: 'service_unavailable', message: 'The service is temporarily unavailable' }, requestId: 'unknown' },
  504: { error: { code: 'gateway_timeout', message: 'The service did not answer in time' }, requestId: 'unknown' },
};

/** Content type of the stored error bodies, which CloudFront serves with them. */
export const EDGE_ERROR_CONTENT_TYPE = 'application/json';

/** `/static/*`, 503 → `/static/edge-errors/503.json`: where the error body is stored and served from. */
export const edgeErrorPagePath = (staticPathPattern: string, status: EdgeErrorStatus): string =>
  `${staticUrlPrefix(staticPathPattern)}edge-errors/${status}.json`;
