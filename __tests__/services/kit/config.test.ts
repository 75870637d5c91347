import { catalog, findService } from '../../../services/catalog';
import {
  baseShape,
  ConfigError,
  loadConfig,
  postgresShape,
  queueUrl,
  redisShape,
  shapeForService,
  signingKeySource,
  tableName,
  tokenSettings,
  tokenSignShape,
  tokenVerifyShape,
} from '../../../services/kit/config';
import { generateLocalTokenKeys } from '../../../services/kit/tokens/keys';
import { baseEnv, JWT } from './helpers';

const keys = generateLocalTokenKeys();
const KMS_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const verifyEnv = (over: NodeJS.ProcessEnv = {}) =>
  baseEnv({ JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: JWT.audience, TOKEN_VERIFY_JWKS: keys.publicJwks, ...over });

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('parses and coerces a valid environment, applying defaults', () => {
    const cfg = loadConfig(baseShape, baseEnv({ PORT: '3001', LOG_LEVEL: undefined, NODE_ENV: undefined }));
    expect(cfg).toMatchObject({ SERVICE_NAME: 'kit-test', PORT: 3001, LOG_LEVEL: 'info', NODE_ENV: 'production' });
  });

  it('lists EVERY missing or invalid variable in one error, never echoing a value', () => {
    const err = errorOf(() =>
      loadConfig(
        { ...baseShape, ...tokenVerifyShape, ...redisShape },
        { PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', TOKEN_VERIFY_JWKS: JSON.stringify({ keys: [JSON.parse(keys.privateJwk)] }) },
      ),
    );
    const vars = err.issues.map((i) => i.variable).sort();
    expect(vars).toEqual(
      ['AWS_REGION', 'JWT_AUDIENCE', 'JWT_ISSUER', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'SERVICE_NAME', 'TOKEN_VERIFY_JWKS'].sort(),
    );
    expect(err.issues.find((i) => i.variable === 'SERVICE_NAME')?.message).toBe('required');
    expect(err.issues.find((i) => i.variable === 'TOKEN_VERIFY_JWKS')?.message).toMatch(/private key/);
    for (const v of vars) expect(err.message).toContain(`- ${v}:`);
    // Values are never echoed (a JWK could be a real private key).
    expect(err.message).not.toContain(JSON.parse(keys.privateJwk).d);
    expect(err.message).not.toContain('eighty');
  });

  it('treats empty strings as unset', () => {
    const err = errorOf(() => loadConfig({ ...baseShape, ...tokenVerifyShape }, verifyEnv({ JWT_ISSUER: '' })));
    expect(err.issues).toEqual([{ variable: 'JWT_ISSUER', message: 'required' }]);
  });

  it('tokens: exactly one verification key source (KMS key ARNs or a local JWKS), no value echoed', () => {
    const shape = { ...baseShape, ...tokenVerifyShape };
    expect(errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_VERIFY_JWKS: undefined }))).issues).toEqual([
      { variable: 'TOKEN_VERIFY_KMS_KEYS', message: 'required (or TOKEN_VERIFY_JWKS locally)' },
    ]);
    expect(errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_VERIFY_KMS_KEYS: KMS_ARN }))).issues.map((i) => i.variable)).toEqual(['TOKEN_VERIFY_JWKS']);
    expect(errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_VERIFY_JWKS: '{not json' }))).issues).toEqual([
      { variable: 'TOKEN_VERIFY_JWKS', message: 'must be valid JSON' },
    ]);
    const badArn = errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_VERIFY_JWKS: undefined, TOKEN_VERIFY_KMS_KEYS: `${KMS_ARN},alias/tokens` })));
    expect(badArn.issues.map((i) => i.variable)).toEqual(['TOKEN_VERIFY_KMS_KEYS']);
    expect(badArn.message).toMatch(/KMS key ARN/);

    // Two keys during a rollover; the kid of each is its key id.
    const next = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef';
    const rollover = loadConfig(shape, verifyEnv({ TOKEN_VERIFY_JWKS: undefined, TOKEN_VERIFY_KMS_KEYS: ` ${KMS_ARN} , ${next} ` }));
    expect(tokenSettings(rollover).verification).toEqual({ kind: 'kms', keyArns: [KMS_ARN, next] });
    const local = tokenSettings(loadConfig(shape, verifyEnv()));
    expect(local.verification.kind === 'jwks' && [...local.verification.keys.keys()]).toEqual([keys.kid]);
  });

  it('tokens: exactly one signing key source; a verifier never needs one', () => {
    const shape = { ...baseShape, ...tokenVerifyShape, ...tokenSignShape };
    expect(errorOf(() => loadConfig(shape, verifyEnv())).issues).toEqual([
      { variable: 'TOKEN_SIGNING_KMS_KEY', message: 'required (or TOKEN_SIGNING_JWK locally)' },
    ]);
    expect(
      errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_SIGNING_KMS_KEY: KMS_ARN, TOKEN_SIGNING_JWK: keys.privateJwk }))).issues.map((i) => i.variable),
    ).toEqual(['TOKEN_SIGNING_JWK']);
    expect(signingKeySource(loadConfig(shape, verifyEnv({ TOKEN_SIGNING_KMS_KEY: KMS_ARN })))).toEqual({ kind: 'kms', keyArn: KMS_ARN });
    const local = signingKeySource(loadConfig(shape, verifyEnv({ TOKEN_SIGNING_JWK: keys.privateJwk })));
    expect(local.kind === 'local' && local.key.kid).toBe(keys.kid);
    // The public JWKS is not a signing key.
    expect(errorOf(() => loadConfig(shape, verifyEnv({ TOKEN_SIGNING_JWK: JSON.stringify(JSON.parse(keys.publicJwks).keys[0]) }))).message).toMatch(
      /TOKEN_SIGNING_JWK: "d" is required/,
    );
    expect(Object.keys(shapeForService(findService('user')))).toEqual(expect.arrayContaining(Object.keys(tokenSignShape)));
    expect(Object.keys(shapeForService(findService('payment')))).not.toContain('TOKEN_SIGNING_JWK');
    expect(Object.keys(shapeForService(findService('payment')))).toContain('TOKEN_VERIFY_KMS_KEYS');
  });

  it('postgres: DATABASE_URL alone is enough; otherwise host, name, user and IAM auth, TLS verified, no password', () => {
    const shape = { ...baseShape, ...postgresShape };
    expect(loadConfig(shape, baseEnv({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' })).DATABASE_URL).toBe('postgres://u:p@127.0.0.1:5432/db');
    const err = errorOf(() => loadConfig(shape, baseEnv({ DATABASE_HOST: 'aurora.example' })));
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_AUTH', 'DATABASE_NAME', 'DATABASE_USER']);
    const aws = { DATABASE_HOST: 'aurora.example', DATABASE_NAME: 'users', DATABASE_USER: 'user_app', DATABASE_AUTH: 'iam' };
    expect(loadConfig(shape, baseEnv(aws))).toMatchObject({ ...aws, DATABASE_PORT: 5432 });
    expect(errorOf(() => loadConfig(shape, baseEnv({ ...aws, DATABASE_AUTH: 'password' }))).issues).toEqual([
      { variable: 'DATABASE_AUTH', message: 'must be iam: services never log in with a password' },
    ]);
    expect(errorOf(() => loadConfig(shape, baseEnv({ ...aws, DATABASE_PASSWORD: 'master-secret' }))).issues).toEqual([
      { variable: 'DATABASE_PASSWORD', message: 'not used: the service logs in with IAM as its own role (DATABASE_AUTH=iam)' },
    ]);
    expect(errorOf(() => loadConfig(shape, baseEnv({ ...aws, DATABASE_SSL: 'disable' }))).issues.map((i) => i.variable)).toEqual(['DATABASE_SSL']);
    expect(errorOf(() => loadConfig(shape, baseEnv({ ...aws, DATABASE_SSL: 'require' }))).issues.map((i) => i.variable)).toEqual(['DATABASE_SSL']);
  });

  it('redis: IAM user requires the cache id', () => {
    const err = errorOf(() => loadConfig({ ...baseShape, ...redisShape }, baseEnv({ REDIS_URL: 'rediss://c:6379', REDIS_IAM_USER: 'svc' })));
    expect(err.issues).toEqual([{ variable: 'REDIS_CACHE_ID', message: 'required when REDIS_IAM_USER is set' }]);
  });

  it('derives every variable a catalog entry implies (payment: tables, queue, endpoints, the service it calls)', () => {
    const err = errorOf(() => loadConfig(shapeForService(findService('payment')), verifyEnv()));
    expect(err.issues.map((i) => i.variable).sort()).toEqual(
      ['QUEUE_EVENTS_URL', 'SERVICE_TOKEN_KMS_KEY', 'SERVICE_USER_URL', 'TABLE_IDEMPOTENCY_KEYS', 'TABLE_PAYMENTS', 'TABLE_PAYMENT_OUTBOX'].sort(),
    );
    const cfg = loadConfig(
      shapeForService(findService('payment')),
      verifyEnv({
        TABLE_PAYMENTS: 'ns-payments',
        TABLE_IDEMPOTENCY_KEYS: 'ns-idem',
        TABLE_PAYMENT_OUTBOX: 'ns-outbox',
        QUEUE_EVENTS_URL: 'http://127.0.0.1:1/000000000000/ns-events',
        SERVICE_TOKEN_KMS_KEY: 'arn:aws:kms:eu-west-1:111111111111:key/0b9f6f1e-4c1a-4b8e-9a57-2b3c1d0e5f6a',
        SERVICE_USER_URL: 'http://user:3001',
      }),
    );
    expect(tableName(cfg, 'payments')).toBe('ns-payments');
    expect(queueUrl(cfg, 'events')).toBe('http://127.0.0.1:1/000000000000/ns-events');
    expect(() => tableName(cfg, 'nope')).toThrow(ConfigError);
  });

  it('every catalog service has a loadable shape', () => {
    for (const s of catalog.services) expect(Object.keys(shapeForService(s))).toEqual(expect.arrayContaining(Object.keys(baseShape)));
  });
});
