import { runMigrateCommand } from '../kit/postgres-roles';
import { runMain } from '../kit/service';
import { MIGRATIONS_FOLDER } from './db/migrate';
import { userService } from './service';

// `node main.js migrate` runs the one-off migration task from the same image (bundle).
if (process.argv[2] === 'migrate') runMigrateCommand('user', MIGRATIONS_FOLDER);
else runMain(userService);
