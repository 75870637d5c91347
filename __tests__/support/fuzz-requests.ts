/**
 * Generated bad requests for every public route, from the services' own OpenAPI documents
 * (fast-check arbitraries): wrong types, NUL bytes, lone surrogates, control and bidi characters,
 * huge strings, huge bodies, huge headers, bad JSON, wrong content types, bad path and query
 * parameters, bad cursors, missing or garbage authorization, unknown paths and methods, and
 * requests that are not HTTP at all. A route added to a service is covered without touching this.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';

/** One route as the OpenAPI document describes it. */
export interface RouteInfo {
  method: string;
  /** OpenAPI template, e.g. `/users/{id}`. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  headers: string[];
  /** Properties of the JSON body, when the route takes one. */
  body?: Record<string, JsonSchema>;
  secured: boolean;
}

export interface JsonSchema {
  type?: string;
  format?: string;
  minLength?: number;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, JsonSchema>;
  $ref?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
interface OpenApiOperation {
  parameters?: { name: string; in: string; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

/** Every operation of an OpenAPI 3.1 document, `$ref`s resolved. */
export const routesOf = (doc: OpenApiDocument): RouteInfo[] => {
  const resolve = (schema: JsonSchema): JsonSchema => (schema.$ref ? doc.components!.schemas![schema.$ref.split('/').at(-1)!]! : schema);
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => {
      const params = (where: string) => (op.parameters ?? []).filter((p) => p.in === where);
      const body = op.requestBody?.content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        pathParams: params('path').map((p) => p.name),
        query: params('query').map((p) => ({ name: p.name, schema: p.schema })),
        headers: params('header').map((p) => p.name),
        body: body ? resolve(body).properties ?? {} : undefined,
        secured: (op.security ?? []).length > 0,
      };
    }),
  );
};

/** What a generated request is sent as. `raw` bypasses the HTTP client (malformed requests). */
export interface FuzzRequest {
  kind: string;
  /** The route template it targets (for coverage), if any. */
  route?: string;
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  raw?: string;
  /** A request no route may accept (a 2xx is a defect too). */
  mustReject?: boolean;
}

export interface FuzzContext {
  routes: RouteInfo[];
  /** A valid access token of a registered user, and that user's id. */
  token: string;
  userId: string;
}

const KIB = 1024;

/** Strings no text field may accept, and other hostile text. */
const poisonString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    '\u001b[2J\u001b[31mred',
    '\u009b31m',
    'Ada\u0085',
    '\u202eevil',
    '\u2066x\u2069',
    '\u200b\u200b',
    '\u3164',
    '',
    '   ',
    '\r\n',
    "'; DROP TABLE users; --",
    '{"$gt":""}',
    '../../etc/passwd',
    '%00',
    '😀'.repeat(600),
    'e\u0301'.repeat(50),
  ),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => `x${String.fromCharCode(unit)}y`),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1, max: 40 }).map((k) => 'x'.repeat(k * 500)),
);

/** Any JSON value, hostile strings included. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), poisonString, fc.constantFrom(null, true, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 2));

/** A valid value for a body property, so that a defect elsewhere is what the service meets. */
const plausible = (schema: JsonSchema): unknown => {
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'integer' || schema.type === 'number') return 1;
  if (schema.type === 'boolean') return true;
  if (schema.format === 'email') return 'fuzz@example.com';
  return 'x'.repeat(Math.max(schema.minLength ?? 0, 4));
};

/**
 * A JSON object for the route's body: either one field wrong or hostile and the others valid (the
 * defect reaches the deepest layer), or every field at random; sometimes unknown keys.
 */
const bodyObject = (properties: Record<string, JsonSchema>): fc.Arbitrary<Record<string, unknown>> => {
  const keys = Object.keys(properties);
  const valid = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, plausible(schema)]));
  const oneDefect = keys.length
    ? fc.tuple(fc.constantFrom(...keys), fc.oneof(poisonString, anyJson)).map(([key, bad]) => ({ ...valid, [key]: bad }))
    : fc.constant({});
  const random = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, fc.oneof(fc.constant(plausible(schema)), anyJson, poisonString)])),
    { requiredKeys: [] },
  );
  return fc
    .tuple(
      fc.oneof(oneDefect, random),
      fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'admin', 'id', 'userId', 'status', 'Email', ''), anyJson, { maxKeys: 2 }),
    )
    .map(([known, extra]) => {
      const out: Record<string, unknown> = { ...known };
      // defineProperty so "__proto__" becomes an own key and reaches JSON.stringify.
      for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
      return out;
    });
};

/** Bodies: JSON objects, other JSON, broken JSON, deep nesting, huge. */
const bodyText = (properties: Record<string, JsonSchema>): fc.Arbitrary<{ kind: string; body: string }> =>
  fc.oneof(
    { weight: 6, arbitrary: bodyObject(properties).map((o) => ({ kind: 'body fields', body: JSON.stringify(o) })) },
    { weight: 1, arbitrary: anyJson.map((v) => ({ kind: 'body not an object', body: JSON.stringify(v) ?? 'null' })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{', '{"email":', "{'a':1}", '{"a":1,}', '{"a":1}}', '\u0000', 'nul', '', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\ufeff{}', '[]]')
        .map((body) => ({ kind: 'bad JSON', body })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => ({ kind: 'deep nesting', body: '['.repeat(n) + ']'.repeat(n) })) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 17, max: 1536 }).map((k) => ({ kind: 'huge body', body: JSON.stringify({ name: 'x'.repeat(k * KIB) }) })),
    },
  );

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json; charset=utf-16',
      'application/jsonx',
      'a/b/c',
      '',
    ),
  },
);

/** Percent-encoded as a client would; a lone surrogate (not encodable) as the bytes of its WTF-8 form. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return 'x%ED%A0%80y';
  }
};

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** An HS256 token signed with a key nobody holds (or none at all): never valid. */
const forged = (header: object, claims: object, key: string): string => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
/** Header values an HTTP client can send: visible ASCII, space, tab and Latin-1. */
const headerSafe = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 });

const authorization = (ctx: FuzzContext): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(`Bearer ${ctx.token}`) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom(
          undefined,
          '',
          'Bearer',
          'Bearer ',
          `bearer  ${ctx.token}`,
          `Bearer ${ctx.token}x`,
          `Bearer ${ctx.token.split('.').slice(0, 2).join('.')}.`,
          `Basic ${b64url('admin:admin')}`,
          `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: ctx.userId, exp: 9_999_999_999 })}.`,
          `Bearer ${forged({ alg: 'HS256', typ: 'JWT' }, { sub: ctx.userId, exp: 9_999_999_999 }, 'not-the-key')}`,
          `Bearer ${'a'.repeat(8 * KIB)}`,
        ),
        headerSafe.map((garbage) => `Bearer ${garbage}`),
        headerSafe,
      ),
    },
  );

/** A path parameter: plausible, another user's, or hostile (percent-encoded as a client would, or raw bytes). */
const pathParam = (ctx: FuzzContext, method: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.uuid().map((id) => id),
    // The caller's own id, but never for DELETE: the suite keeps its user.
    fc.constant(method === 'DELETE' ? '00000000-0000-4000-8000-000000000000' : ctx.userId),
    poisonString.map(encode),
    fc.constantFrom('%00', '%', '%ZZ', '%FF%FE', '%ED%A0%80', '..', '.', '%2e%2e', '%2F', 'null', 'undefined', '0', '-1', 'x'.repeat(9 * KIB)),
  );

/** Query strings: wrong limits, bad cursors, duplicates, extra parameters, hostile text. */
const queryString = (route: RouteInfo): fc.Arbitrary<string> => {
  const value = fc.oneof(
    fc.constantFrom('-1', '0', '1e999', 'NaN', 'Infinity', '0x10', ' 5 ', '', '101', '1.5', '99999999999999999999', 'true'),
    fc.integer().map(String),
    poisonString.map(encode),
    // Cursors that decode to something: wrong shapes, hostile values, other encodings.
    anyJson.map((v) => b64url(v)),
    fc.constantFrom(b64url({ id: '00000000-0000-4000-8000-000000000000', createdAt: 'x' }), b64url({ sk: '\u0000' }), '%%%', 'a'.repeat(2000), '==', '*'),
  );
  const names = [...route.query.map((q) => q.name), 'limit', 'cursor', 'extra', 'limit[]', '__proto__', ''];
  return fc
    .array(fc.tuple(fc.constantFrom(...names), value), { minLength: 1, maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}`);
};

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];

/** A request to one documented route with one or more defects. */
const routeRequest = (ctx: FuzzContext, route: RouteInfo): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({
      params: fc.tuple(...route.pathParams.map(() => pathParam(ctx, route.method))),
      query: route.query.length > 0 ? fc.option(queryString(route), { nil: '' }) : fc.constant(''),
      auth: route.secured ? authorization(ctx) : fc.option(authorization(ctx), { nil: undefined }),
      body: route.body ? bodyText(route.body) : fc.constant(undefined),
      type: contentType,
      idempotencyKey: fc.oneof(fc.uuid(), fc.constantFrom(undefined, '', ' ', 'k'.repeat(256), 'clé'), headerSafe),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
    })
    .map(({ params, query, auth, body, type, idempotencyKey, method }) => {
      let target = route.path;
      route.pathParams.forEach((name, i) => (target = target.replace(`{${name}}`, params[i]!)));
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (route.headers.includes('idempotency-key') && idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      if (body && type !== undefined) headers['content-type'] = type;
      return { kind: body ? body.kind : 'params and auth', route: `${route.method} ${route.path}`, method, target: `${target}${query}`, headers, body: body?.body };
    });

/** Requests no route expects: unknown paths, huge targets and headers, broken HTTP. */
const strayRequest = (ctx: FuzzContext): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    fc
      .tuple(
        fc.constantFrom('/nope', '/Users', '/users/x/y/z', '/users/', '//users', '/auth', '/auth/logout', '/payments/a/b', '/notifications/x', '/users/%2e%2e/payments', '/', '/openapi.json', '/health/ready'),
        fc.constantFrom(...OTHER_METHODS),
      )
      .map(([target, method]) => ({ kind: 'unknown path or method', method, target, headers: { authorization: `Bearer ${ctx.token}` } })),
    fc.integer({ min: 9, max: 15 }).map((k) => ({ kind: 'huge URL', method: 'GET', target: `/users/me?q=${'q'.repeat(k * KIB)}`, headers: {} })),
    fc.integer({ min: 17, max: 40 }).map((k) => ({ kind: 'huge header', method: 'GET', target: '/users/me', headers: { 'x-big': 'h'.repeat(k * KIB) } })),
    fc.integer({ min: 400, max: 800 }).map((n) => ({
      kind: 'many headers',
      method: 'GET',
      target: '/payments',
      headers: Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v'.repeat(40)])),
    })),
    fc
      .constantFrom(
        'GARBAGE\r\n\r\n',
        'GET /users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
        'GET /users HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n',
        'GET /users\r\n\r\n',
        'GET /users HTTP/9.9\r\nHost: x\r\n\r\n',
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        'POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
        'GET /users HTTP/1.1\nHost: x\n\n',
        '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000',
      )
      .map((raw) => ({ kind: 'not HTTP', method: 'RAW', target: '', headers: {}, raw })),
  );

/** The whole mixture: mostly documented routes (each equally likely), some stray requests. */
export const fuzzRequests = (ctx: FuzzContext): fc.Arbitrary<FuzzRequest> =>
  fc.oneof({ weight: 6, arbitrary: fc.oneof(...ctx.routes.map((r) => routeRequest(ctx, r))) }, { weight: 1, arbitrary: strayRequest(ctx) });

/** The hostile text classes every string field is tried with (systematic part). */
export const HOSTILE_TEXT: readonly (readonly [label: string, value: string])[] = [
  ['NUL', 'a\u0000b'],
  ['lone surrogate', 'a\ud800b'],
  ['ANSI escape', '\u001b[31mred\u001b[0m'],
  ['C1 control', 'a\u0085b'],
  ['bidi override', '\u202eabc'],
  ['invisible only', '\u200b\u3164'],
  ['blank', '   '],
  ['empty', ''],
  ['huge', 'x'.repeat(12 * KIB)],
];

/**
 * Every field of every route (body property, path and query parameter) with every hostile text
 * class, everything else valid: each must be rejected (a field without the kit's text rules
 * accepts some), and the defect reaches the deepest layer, where a NUL once became a 500.
 */
export const systematicRequests = (ctx: FuzzContext): FuzzRequest[] => {
  let keys = 0;
  return ctx.routes.flatMap((route) => {
    // The caller's own id (reaches the handler), but never for DELETE: the suite keeps its user.
    const validParams = route.pathParams.map(() => (route.method === 'DELETE' ? '00000000-0000-4000-8000-000000000000' : ctx.userId));
    const validBody = route.body ? Object.fromEntries(Object.entries(route.body).map(([k, schema]) => [k, plausible(schema)])) : undefined;
    const build = (params: string[], query: string, body: Record<string, unknown> | undefined, kind: string): FuzzRequest => {
      let target = route.path;
      route.pathParams.forEach((name, i) => (target = target.replace(`{${name}}`, params[i]!)));
      const headers: Record<string, string> = { authorization: `Bearer ${ctx.token}` };
      if (route.headers.includes('idempotency-key')) headers['idempotency-key'] = `fuzz-${(keys += 1)}`;
      if (body) headers['content-type'] = 'application/json';
      return { kind, route: `${route.method} ${route.path}`, method: route.method, target: `${target}${query}`, headers, body: body && JSON.stringify(body), mustReject: true };
    };
    return HOSTILE_TEXT.flatMap(([label, value]) => [
      ...Object.keys(route.body ?? {}).map((field) => build(validParams, '', { ...validBody, [field]: value }, `${label} in body.${field}`)),
      ...route.pathParams.map((_, i) => build(validParams.map((p, j) => (i === j ? encode(value) : p)), '', validBody, `${label} in path`)),
      ...route.query.map((q) => build(validParams, `?${q.name}=${encode(value)}`, validBody, `${label} in query ${q.name}`)),
    ]);
  });
};
