import { runMigrateCommand } from './migrate-command';

runMigrateCommand();
