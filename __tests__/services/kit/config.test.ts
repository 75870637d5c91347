import { catalog, findService } from '../../../services/catalog';
import {
  baseShape,
  ConfigError,
  loadConfig,
  postgresShape,
  queueUrl,
  redisShape,
  shapeForService,
  tableName,
} from '../../../services/kit/config';
import { baseEnv } from './helpers';

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

  it('lists EVERY missing or invalid variable in one error', () => {
    const err = errorOf(() =>
      loadConfig({ ...baseShape, ...redisShape }, { PORT: 'eighty', JWT_SECRET: 'short', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' }),
    );
    const vars = err.issues.map((i) => i.variable).sort();
    expect(vars).toEqual(
      ['AWS_REGION', 'JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_SECRET', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'SERVICE_NAME'].sort(),
    );
    expect(err.issues.find((i) => i.variable === 'SERVICE_NAME')?.message).toBe('required');
    expect(err.issues.find((i) => i.variable === 'JWT_SECRET')?.message).toMatch(/32/);
    for (const v of vars) expect(err.message).toContain(`- ${v}:`);
    // Values are never echoed (JWT_SECRET could be a real secret).
    expect(err.message).not.toContain('short');
  });

  it('treats empty strings as unset', () => {
    const err = errorOf(() => loadConfig(baseShape, baseEnv({ JWT_ISSUER: '' })));
    expect(err.issues).toEqual([{ variable: 'JWT_ISSUER', message: 'required' }]);
  });

  it('postgres: DATABASE_URL alone is enough; otherwise every DATABASE_* part is listed', () => {
    expect(loadConfig({ ...baseShape, ...postgresShape }, baseEnv({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' })).DATABASE_URL).toBe(
      'postgres://u:p@127.0.0.1:5432/db',
    );
    const err = errorOf(() => loadConfig({ ...baseShape, ...postgresShape }, baseEnv({ DATABASE_HOST: 'aurora.example' })));
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['DATABASE_NAME', 'DATABASE_PASSWORD', 'DATABASE_USER']);
  });

  it('redis: IAM user requires the cache id', () => {
    const err = errorOf(() => loadConfig({ ...baseShape, ...redisShape }, baseEnv({ REDIS_URL: 'rediss://c:6379', REDIS_IAM_USER: 'svc' })));
    expect(err.issues).toEqual([{ variable: 'REDIS_CACHE_ID', message: 'required when REDIS_IAM_USER is set' }]);
  });

  it('derives every variable a catalog entry implies (payment: tables, queue, endpoints)', () => {
    const err = errorOf(() => loadConfig(shapeForService(findService('payment')), baseEnv()));
    expect(err.issues.map((i) => i.variable).sort()).toEqual(
      ['QUEUE_EVENTS_URL', 'TABLE_IDEMPOTENCY_KEYS', 'TABLE_PAYMENTS', 'TABLE_PAYMENT_OUTBOX'].sort(),
    );
    const cfg = loadConfig(
      shapeForService(findService('payment')),
      baseEnv({
        TABLE_PAYMENTS: 'ns-payments',
        TABLE_IDEMPOTENCY_KEYS: 'ns-idem',
        TABLE_PAYMENT_OUTBOX: 'ns-outbox',
        QUEUE_EVENTS_URL: 'http://127.0.0.1:1/000000000000/ns-events',
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
