/**
 * The platform's own fuzz suite (issue 7): generated bad requests (support/fuzz-requests.ts) over
 * every public route of every service, sent through the gateway to the real services on the real
 * engines. Every answer must be below 500 and, for every error, the kit's JSON error body with the
 * request id of the response: `{"error": {"code", "message", "details"?}, "requestId"}`.
 *
 * Deterministic (fixed seed); `FUZZ_SEED=<n> FUZZ_RUNS=<n>` explores other inputs.
 */
import fc from 'fast-check';
import http from 'node:http';
import { matchRoute, startGateway, type Gateway } from '../../scripts/gateway';
import { catalog } from '../../services/catalog';
import type { RunningService, ServiceDefinition, BaseConfig } from '../../services/kit/service';
import { notificationService } from '../../services/notification/service';
import { paymentService } from '../../services/payment/service';
import { userService } from '../../services/user/service';
import { fuzzRequests, routesOf, systematicRequests, type FuzzRequest, type RouteInfo } from '../support/fuzz-requests';
import { withCallee } from '../support/callees';
import { client, registerAndLogin } from '../support/http';
import { provisionTestNamespace } from '../support/namespace';
import { rawRequest } from '../support/raw-http';
import { startTestService } from '../support/services';

jest.setTimeout(180_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const CONCURRENCY = 6;

const definitions: Record<string, ServiceDefinition<BaseConfig>> = {
  user: userService as unknown as ServiceDefinition<BaseConfig>,
  payment: paymentService as unknown as ServiceDefinition<BaseConfig>,
  notification: notificationService as unknown as ServiceDefinition<BaseConfig>,
};

let services: RunningService[] = [];
let gateway: Gateway;
let routes: RouteInfo[];
let ctx: { routes: RouteInfo[]; token: string; userId: string };

beforeAll(async () => {
  expect(Object.keys(definitions).sort()).toEqual(catalog.services.map((s) => s.name).sort()); // every service
  const { env } = await provisionTestNamespace({ overrides: { CONSUMER_WAIT_SECONDS: '1' } });
  // The user service first: payment and notification call it (support/callees.ts).
  const users = await startTestService(definitions.user!, env.user!);
  const callerEnv = (name: string) => withCallee(env[name]!, 'user', `127.0.0.1:${users.port}`);
  services = await Promise.all(catalog.services.map((s) => (s.name === 'user' ? users : startTestService(definitions[s.name]!, callerEnv(s.name)))));
  gateway = await startGateway({ port: 0, upstreams: Object.fromEntries(catalog.services.map((s, i) => [s.name, services[i]!.url])) });
  // Every documented operation the gateway routes (as the ALB would) is public.
  const docs = await Promise.all(services.map(async (svc) => (await fetch(`${svc.url}/openapi.json`)).json() as Promise<Parameters<typeof routesOf>[0]>));
  routes = docs.flatMap((doc) => routesOf(doc)).filter((r) => matchRoute(r.path.replace(/\{[^}]+\}/g, 'x')) !== undefined);
  const { user, token } = await registerAndLogin(client(gateway.url));
  ctx = { routes, token, userId: user.id };
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all(services.map((s) => s.stop()));
});

interface Answer {
  status?: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error?: string;
}

const send = (agent: http.Agent, base: string, req: FuzzRequest): Promise<Answer> => {
  if (req.raw !== undefined) return rawRequest(base, req.raw);
  return new Promise((resolve) => {
    // Framed as clients do: node:http would send a GET/HEAD body unframed (read as the next request).
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const outgoing = http.request(`${base}${req.target}`, { agent, method: req.method, headers });
    outgoing.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ headers: {}, body: '', error: e.message }));
    });
    outgoing.on('error', (e: NodeJS.ErrnoException) => resolve({ headers: {}, body: '', error: e.code ?? e.message }));
    outgoing.end(req.body);
  });
};

/** What is wrong with an answer, or undefined. */
const defect = (req: FuzzRequest, answer: Answer): string | undefined => {
  if (answer.error !== undefined) return `no answer: ${answer.error}`;
  const status = answer.status!;
  if (status >= 500) return `status ${status}`;
  if (status < 400) return req.mustReject ? `accepted (${status}): a field without the kit's text rules?` : undefined;
  if (req.method === 'HEAD') return undefined;
  if (!String(answer.headers['content-type']).startsWith('application/json')) return `content-type ${answer.headers['content-type']}`;
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return `not JSON: ${answer.body.slice(0, 200)}`;
  }
  const { error, requestId } = body;
  const shaped =
    Object.keys(body).sort().join() === 'error,requestId' &&
    typeof requestId === 'string' &&
    requestId === answer.headers['x-request-id'] &&
    typeof error === 'object' &&
    error !== null &&
    Object.keys(error).every((k) => ['code', 'message', 'details'].includes(k)) &&
    typeof error.code === 'string' &&
    /^[a-z_]+$/.test(error.code) &&
    typeof error.message === 'string' &&
    (error.details === undefined || Array.isArray(error.details));
  return shaped ? undefined : `not the kit's error body: ${answer.body.slice(0, 300)}`;
};

it(`${RUNS} generated bad requests (and every string field × every hostile text) over every public route, through the gateway: 0 × 5xx, the JSON error body every time`, async () => {
  const requests = [...systematicRequests(ctx), ...fc.sample(fuzzRequests(ctx), { seed: SEED, numRuns: RUNS })];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  const perRoute = new Map<string, number>();
  const failures: { index: number; kind: string; request: string; defect: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      const req = requests[index]!;
      const answer = await send(agent, gateway.url, req);
      if (answer.status !== undefined) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (req.route) perRoute.set(req.route, (perRoute.get(req.route) ?? 0) + 1);
      const found = defect(req, answer);
      if (found) {
        const shown = req.raw ?? `${req.method} ${req.target.slice(0, 120)} ${JSON.stringify(req.headers).slice(0, 200)} ${String(req.body ?? '').slice(0, 200)}`;
        failures.push({ index, kind: req.kind, request: shown, defect: found });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }

  if (process.env.FUZZ_STATS) console.log(JSON.stringify({ total: requests.length, statuses: Object.fromEntries([...statuses].sort()), perRoute: Object.fromEntries(perRoute) }));
  expect({ seed: SEED, failures }).toEqual({ seed: SEED, failures: [] });
  expect(requests.length).toBeGreaterThanOrEqual(RUNS + 100);
  // Every public route got its share, and the generator reached every rejection path.
  expect(routes.length).toBeGreaterThanOrEqual(9);
  for (const route of routes) expect([`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) >= 10]).toEqual([`${route.method} ${route.path}`, true]);
  expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 401, 404, 413, 414, 415, 431]));
  // Mostly rejected: the generator makes bad requests.
  const rejected = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
  expect(rejected / requests.length).toBeGreaterThan(0.85);
});
