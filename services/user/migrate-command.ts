/**
 * The one-off migration command, for an ECS task run before a deployment (`node main.js migrate`
 * in the image; `npx tsx services/user/migrate.ts` from a checkout). Applies the pending
 * migrations under the advisory lock the service also takes at start-up, then exits 0, or 1 on
 * any failure. Needs only DATABASE_* (and LOG_LEVEL).
 */
import { createPgPool } from '../kit/clients/pg';
import { baseShape, loadConfig, postgresShape } from '../kit/config';
import { createLogger } from '../kit/logger';
import { migrateDatabase } from './db/migrate';

export function runMigrateCommand(env: NodeJS.ProcessEnv = process.env): void {
  const logger = createLogger({ service: 'user-migrate', level: 'info' });
  const migrate = async (): Promise<void> => {
    const config = loadConfig({ ...postgresShape, LOG_LEVEL: baseShape.LOG_LEVEL }, env);
    logger.level = config.LOG_LEVEL;
    const pool = createPgPool(config, { logger });
    try {
      await migrateDatabase(pool, { logger });
    } finally {
      await pool.end();
    }
  };
  migrate().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.fatal({ err }, 'migration failed');
      process.exit(1);
    },
  );
}

