/** The migrate command from a checkout: `npx tsx services/user/migrate.ts` (same as `node main.js migrate`). */
import { runMigrateCommand } from '../kit/postgres-roles';
import { MIGRATIONS_FOLDER } from './db/migrate';

runMigrateCommand('user', MIGRATIONS_FOLDER);
