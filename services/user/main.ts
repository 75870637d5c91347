import { runMain } from '../kit/service';
import { runMigrateCommand } from './migrate-command';
import { userService } from './service';

// `node main.js migrate` runs the one-off migration task from the same image (bundle).
if (process.argv[2] === 'migrate') runMigrateCommand();
else runMain(userService);
