/**
 * Test-file side of the shared engines: their addresses, and a fresh namespace (databases,
 * tables, queues) per call so test files never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { connectEngines, provisionNamespace, type Engines, type ServiceEnvs } from '../../scripts/engines';
import { catalog, type Catalog } from '../../services/catalog';
import { NO_CALLEE_ADDRESS } from './callees';
import { TEST_ENGINE_VARS } from './engine-vars';

/** The shared engines started by the global setup. */
export const testEngines = (): Engines => {
  const read = (variable: string): string => {
    const value = process.env[variable];
    if (!value) throw new Error(`${variable} is not set: run this test in the jest project "services" (its global setup starts the engines)`);
    return value;
  };
  return connectEngines({
    databaseUrl: read(TEST_ENGINE_VARS.databaseUrl),
    redisUrl: read(TEST_ENGINE_VARS.redisUrl),
    dynamodbEndpoint: read(TEST_ENGINE_VARS.dynamodbEndpoint),
    sqsEndpoint: read(TEST_ENGINE_VARS.sqsEndpoint),
  });
};

export interface TestNamespace {
  readonly namespace: string;
  /** Service name → full environment (NODE_ENV=test, LOG_LEVEL=silent). */
  readonly env: ServiceEnvs;
  readonly engines: Engines;
}

/**
 * Provisions a unique namespace on the shared engines. `overrides` go into every service env;
 * `engines` lets a fault test provision on its private instances (e.g. its own startRedis()).
 */
export const provisionTestNamespace = async (
  options: { overrides?: Record<string, string>; engines?: Engines; catalog?: Catalog } = {},
): Promise<TestNamespace> => {
  const engines = options.engines ?? testEngines();
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const from = options.catalog ?? catalog;
  const env = await provisionNamespace(engines, namespace, from, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Tests start the callees they need on free ports and point the callers at them
    // (support/callees.ts); until then a callee is down, never another run's service on its catalog port.
    SERVICE_ADDRESSES_LOCAL: from.services.map((s) => `${s.name}=${NO_CALLEE_ADDRESS}`).join(','),
    ...options.overrides,
  });
  return { namespace, env, engines };
};
