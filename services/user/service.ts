import { drizzle } from 'drizzle-orm/node-postgres';
import type { Redis } from 'ioredis';
import { createApp } from '../kit/app';
import { createPgPool, pgHealthCheck } from '../kit/clients/pg';
import { createRedis } from '../kit/clients/redis';
import { createSqs } from '../kit/clients/sqs';
import type { HealthCheck } from '../kit/health';
import { createOutboxRelay } from '../kit/outbox-relay';
import type { ServiceDefinition } from '../kit/service';
import { requireServiceCaller } from '../kit/service-auth';
import { createAccessTokenSigner, createAccessTokenVerifier, loadCallerKeys } from '../kit/tokens/from-config';
import { createServiceTokenVerifier } from '../kit/tokens/service-token';
import { createUserCache } from './cache';
import { loadUserConfig, type UserConfig } from './config';
import { createPgOutboxSource } from './outbox';
import { createUserRepository } from './repository';
import { registerInternalRoutes } from './internal-routes';
import { createUserReader, registerUserRoutes } from './routes';

const ACCESS_TOKEN_TTL_SECONDS = 900;

export const userService: ServiceDefinition<UserConfig> = {
  name: 'user',
  loadConfig: loadUserConfig,

  async build({ config, logger, isShuttingDown }) {
    // The schema is the migrate command's job (services/kit/postgres-roles.ts): this role has DML only.
    const pool = createPgPool(config, { logger });
    const sqs = createSqs(config);
    let redis: Redis | undefined;
    let closeSigner = (): void => undefined;
    const closeClients = async (): Promise<void> => {
      closeSigner();
      redis?.disconnect();
      sqs.destroy();
      await pool.end();
    };
    try {
      const { verify, keys } = await createAccessTokenVerifier(config.tokens, config);
      const { signer, close } = createAccessTokenSigner(config.signing, config.tokens, config, keys);
      closeSigner = close;
      const callers = await loadCallerKeys(config.callers, config, config.tokens.kmsEndpoint);
      redis = await createRedis(config, { logger });

      const db = drizzle(pool);
      const relay = createOutboxRelay({
        name: 'user-outbox',
        logger,
        sqs,
        queueUrl: config.eventsQueueUrl,
        source: createPgOutboxSource(db),
        pollIntervalMs: 1000,
        batchSize: 10,
      });

      // Readiness depends on PostgreSQL only. Redis is a cache: when it is down the service keeps
      // answering from PostgreSQL, so a Redis outage must not pull every task out of the ALB.
      const checks: HealthCheck[] = [pgHealthCheck(pool)];
      const app = createApp({ serviceName: 'user', logger, checks, isShuttingDown });
      const repo = createUserRepository(db);
      const cache = createUserCache(redis, { logger });
      registerInternalRoutes(app, {
        callers: requireServiceCaller(createServiceTokenVerifier({ audience: config.SERVICE_NAME, callers })),
        readUser: createUserReader(repo, cache),
      });
      await registerUserRoutes(app, {
        repo,
        cache,
        verify,
        tokens: {
          signer,
          issuer: config.tokens.issuer,
          audience: config.tokens.audience,
          expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS,
        },
        onOutboxWrite: () => relay.kick(),
      });
      return { app, checks, workers: [relay], close: closeClients };
    } catch (err) {
      await closeClients();
      throw err;
    }
  },
};
