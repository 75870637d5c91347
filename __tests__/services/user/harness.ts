/** Starts the user service in process on a fresh namespace, with SQL access to its database. */
import pg from 'pg';
import type { Engines } from '../../../scripts/engines';
import { userService } from '../../../services/user/service';
import { provisionTestNamespace } from '../../support/namespace';
import { startTestService } from '../../support/services';

export interface UserServiceHandle {
  url: string;
  env: Record<string, string>;
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

/** Provisions a namespace and returns the user service's environment (and the namespace's engines). */
export const userEnv = async (engines?: Engines): Promise<Record<string, string>> =>
  (await provisionTestNamespace({ engines })).env.user;

export async function startUserService(options: { engines?: Engines; env?: Record<string, string> } = {}): Promise<UserServiceHandle> {
  const env = options.env ?? (await userEnv(options.engines));
  const running = await startTestService(userService, env);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  return {
    url: running.url,
    env,
    sql: (text, params) => pool.query(text, params),
    async stop() {
      await running.stop();
      await pool.end();
    },
  };
}
