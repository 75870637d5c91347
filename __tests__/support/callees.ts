/**
 * Callees of service calls in tests: the user service started on a free port for a namespace,
 * the callers' environment pointed at it (as Service Connect would resolve `http://user:3001`),
 * and users created with a chosen id straight in its database (tests sign tokens for made-up ids).
 */
import pg from 'pg';
import type { ServiceEnvs } from '../../scripts/engines';
import { callersOf } from '../../services/catalog';
import type { RunningService } from '../../services/kit/service';
import { userService } from '../../services/user/service';
import { startTestService } from './services';

/** A privileged port nothing here listens on: a callee that is not started refuses at once. */
export const NO_CALLEE_ADDRESS = '127.0.0.1:1';

/** `env` with the callee `name` resolved to `address` (the others stay as they were). */
export const withCallee = (env: Readonly<Record<string, string>>, name: string, address: string): Record<string, string> => {
  const entries = (env.SERVICE_ADDRESSES_LOCAL ?? '').split(',').filter((e) => e && !e.startsWith(`${name}=`));
  return { ...env, SERVICE_ADDRESSES_LOCAL: [...entries, `${name}=${address}`].join(',') };
};

export interface UserCallee {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Every caller's environment of the namespace, resolving `user` to this instance. */
  readonly envs: ServiceEnvs;
  /** Creates the user `id` (idempotent); its e-mail defaults to `<id>@example.com`. */
  ensureUser(id: string, fields?: { email?: string; name?: string }): Promise<void>;
  /** SQL on the user database (as the service's own role). */
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stops the service only (graceful, as ECS stops a task): its callers find it down. */
  pause(): Promise<void>;
  /** Starts it again on the same address. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export const startUserCallee = async (envs: ServiceEnvs, options: { port?: number } = {}): Promise<UserCallee> => {
  let running: RunningService | undefined = await startTestService(userService, envs.user!, { port: options.port ?? 0 });
  const port = running.port;
  const address = `127.0.0.1:${port}`;
  const callers = callersOf('user').map((s) => s.name);
  const pool = new pg.Pool({ connectionString: envs.user!.DATABASE_URL, max: 2 });
  return {
    address,
    envs: Object.fromEntries(Object.entries(envs).map(([name, env]) => [name, callers.includes(name) ? withCallee(env, 'user', address) : env])),
    async ensureUser(id, fields = {}) {
      await pool.query(
        `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'not-a-hash') ON CONFLICT (id) DO NOTHING`,
        [id, fields.email ?? `${id}@example.com`, fields.name ?? 'Test User'],
      );
    },
    query: (text, values) => pool.query(text, values),
    async pause() {
      await running?.stop();
      running = undefined;
    },
    async resume() {
      running ??= await startTestService(userService, envs.user!, { port });
    },
    async stop() {
      await running?.stop();
      await pool.end();
    },
  };
};
