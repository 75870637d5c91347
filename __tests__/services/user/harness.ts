/** Starts the user service in process on a fresh namespace, with SQL access to its database. */
import pg from 'pg';
import type { Engines } from '../../../scripts/engines';
import { localMigrateEnv } from '../../../scripts/engines/provision';
import { userService } from '../../../services/user/service';
import { provisionTestNamespace, type TestNamespace } from '../../support/namespace';
import { startTestService } from '../../support/services';

export interface UserServiceHandle {
  url: string;
  env: Record<string, string>;
  /** The namespace's env of every service (the user service's signing key lives in `env`). */
  namespace: TestNamespace;
  /** SQL as the service's own role (DML on its tables only). */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

/** Provisions a namespace and returns the user service's environment (and the namespace's engines). */
export const userEnv = async (engines?: Engines): Promise<Record<string, string>> =>
  (await provisionTestNamespace({ engines })).env.user;

/** A superuser URL on the namespace's user database (what the harness's migrate run logs in as). */
export const adminUrlOf = (ns: TestNamespace): string => {
  const url = new URL(ns.engines.postgres.url);
  url.pathname = new URL(ns.env.user.DATABASE_URL).pathname;
  return url.toString();
};

/** The migrate command's environment for the namespace's user database. */
export const migrateEnvOf = (ns: TestNamespace): Record<string, string> => localMigrateEnv(ns.namespace, 'user', adminUrlOf(ns));

export async function startUserService(options: { engines?: Engines } = {}): Promise<UserServiceHandle> {
  const namespace = await provisionTestNamespace({ engines: options.engines });
  const env = namespace.env.user;
  const running = await startTestService(userService, env);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  return {
    url: running.url,
    env,
    namespace,
    sql: (text, params) => pool.query(text, params),
    async stop() {
      await running.stop();
      await pool.end();
    },
  };
}
