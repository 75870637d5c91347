/**
 * A harness process for the engines test: starts PostgreSQL (on the data dir given as argument),
 * Redis and SQS, prints "ready", then waits until it is killed.
 */
import { startPostgres, startRedis, startSqs } from '../../scripts/engines';

Promise.all([startPostgres({ dataDir: process.argv[2] }), startRedis(), startSqs()]).then(
  () => console.log('ready'),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
