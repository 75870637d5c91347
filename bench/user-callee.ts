/**
 * The user service as the callee of a bench (payment and notification call it before they work,
 * docs/decisions/0014): the four local engines (scripts/engines; a *_URL / *_ENDPOINT variable
 * reuses a running one), a namespace holding the user service and the caller, the user service's
 * production bundle as its own process, the caller's environment pointed at it, users inserted
 * straight in its database, and the raw call a floor makes: `GET /internal/users/{id}` on that
 * same process with the caller's service token (node:http, keep-alive).
 *
 * The caller runs with NODE_ENV=production like every bench target, where the kit refuses
 * SERVICE_ADDRESSES_LOCAL; its `SERVICE_USER_URL` names the user process instead (in AWS the same
 * variable names Service Connect's `http://user:3001`), so the call path is production's.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import pg from 'pg';
import { provisionNamespace, startEngines, type Engines } from '../scripts/engines';
import { buildService } from '../scripts/build-services';
import { catalog, findService, serviceUrlEnvVar } from '../services/catalog';
import { parsePrivateJwk } from '../services/kit/tokens/keys';
import { createServiceTokens } from '../services/kit/tokens/service-token';
import { createLocalSigner } from '../services/kit/tokens/signer';
import { internalUserPath } from '../services/kit/user-directory';
import { median, round2, withCpu, type Measured } from './report';
import { startBenchProcess } from './processes';

export interface UserCallee {
  readonly engines: Engines;
  readonly namespace: string;
  /** The caller's environment (user resolved to the running process). */
  readonly callerEnv: Record<string, string>;
  /** The user service's environment (its TOKEN_SIGNING_JWK signs the access tokens callers verify). */
  readonly userEnv: Record<string, string>;
  /** The user process, for its CPU. */
  readonly pid: number;
  /** Inserts these users (e-mail `<id>@example.com`) unless they exist. */
  ensureUsers(ids: readonly string[]): Promise<void>;
  /** The raw account lookup: one GET of `/internal/users/{id}`, body read and parsed; throws unless 200. */
  lookup(id: string): Promise<void>;
}

/** Starts everything; each stop is pushed onto `stops` (run them in reverse). */
export const startUserCallee = async (
  caller: string,
  overrides: Readonly<Record<string, string>>,
  stops: (() => Promise<void>)[],
): Promise<UserCallee> => {
  const engines = await startEngines();
  stops.push(engines.stopAll);
  const namespace = `bench${randomUUID().slice(0, 8)}`;
  const pair = { ...catalog, services: [findService('user'), findService(caller)] };
  const envs = await provisionNamespace(engines, namespace, pair, overrides);
  const userEnv = envs.user!;

  const bundle = await buildService('user');
  const { url: base, pid } = await startBenchProcess([bundle.outfile], userEnv, stops);

  const callerEnv = { ...envs[caller]!, [serviceUrlEnvVar('user')]: base };
  delete callerEnv.SERVICE_ADDRESSES_LOCAL;

  // node:http with keep-alive, the cheapest client: fetch (undici) cost ~300 µs CPU per call here, node:http ~115.
  const agent = new Agent({ keepAlive: true });
  stops.push(async () => agent.destroy());
  const get = (url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const pool = new pg.Pool({ connectionString: userEnv.DATABASE_URL, max: 2 });
  stops.push(() => pool.end());
  // Signed once with the caller's own key and renewed before expiry, as the kit client does.
  const tokens = createServiceTokens({ caller, signer: createLocalSigner(parsePrivateJwk(callerEnv.SERVICE_TOKEN_JWK!)) });

  return {
    engines,
    namespace,
    callerEnv,
    userEnv,
    pid,
    async ensureUsers(ids) {
      await pool.query(
        `INSERT INTO users (id, email, name, password_hash)
         SELECT id, id::text || '@example.com', 'Bench User', 'not-a-hash' FROM unnest($1::uuid[]) AS id
         ON CONFLICT (id) DO NOTHING`,
        [ids],
      );
    },
    async lookup(id) {
      const headers = { accept: 'application/json', authorization: `Bearer ${await tokens.tokenFor('user')}` };
      const { status, text } = await get(`${base}${internalUserPath(id)}`, headers);
      if (status !== 200) throw new Error(`floor: user lookup answered ${status}: ${text}`);
      JSON.parse(text); // the caller reads the answer
    },
  };
};

/** Records the user process's CPU per request of each variant's rounds (what one lookup costs the callee). */
export const calleeCpuRecorder = (pid: number) => {
  const samples: Record<string, number[]> = {};
  return {
    wrap: (name: string, round: () => Promise<Measured>) => async (): Promise<Measured> => {
      const { value, cpuMicros } = await withCpu(pid, round);
      (samples[name] ??= []).push(cpuMicros! / value.requests);
      return value;
    },
    /** Variant → median µs of user-process CPU per request. */
    medians: (): Record<string, number> => Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, round2(median(xs))])),
  };
};
