/**
 * SIGTERM while concurrent clients are busy, on a real child process (as ECS stops a task: the
 * ALB stops sending new requests to a deregistering target; the ones in flight must complete).
 */
import http from 'node:http';
import { waitUntil } from '../../../scripts/engines/process';
import { spawnService } from '../../support/services';
import { userEnv } from './harness';
import { client, registerAndLogin } from '../../support/http';

jest.setTimeout(60_000);

interface Outcome {
  inFlightAtSigterm: boolean;
  status?: number;
  error?: string;
}

/**
 * One request on a keep-alive agent; resolves with the status or the socket error. A reset on a
 * reused idle socket means the server closed that idle connection before the request reached it
 * (the keep-alive race every client must handle; Node's docs on `request.reusedSocket` say to
 * retry): retried once on a fresh connection. Any other error is a failure.
 */
const request = (agent: http.Agent, url: string, init: { method: string; token?: string; body?: unknown }): Promise<{ status?: number; error?: string }> =>
  new Promise((resolve) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = http.request(url, {
      agent,
      method: init.method,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (req.reusedSocket && e.code === 'ECONNRESET') resolve(request(agent, url, init));
      else resolve({ error: e.code ?? e.message });
    });
    req.end(body);
  });

/**
 * Within what one task serves without queueing (its PostgreSQL pool holds 10 connections, scrypt
 * runs on libuv's 4 threads): more concurrency only adds pool waits and write timeouts on a busy
 * machine (500 "timeout exceeded when trying to connect", 504), which say nothing about shutdown.
 */
const WORKERS = 8;

it('completes every request in flight at SIGTERM (fast reads and slow scrypt logins) and exits 0', async () => {
  const svc = await spawnService('user', await userEnv());
  const call = client(svc.url);
  const users = await Promise.all(Array.from({ length: 4 }, () => registerAndLogin(call)));

  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  const outcomes: Outcome[] = [];
  let sigtermSent = false;
  const worker = async (n: number) => {
    const { user, token, password } = users[n % users.length];
    while (!sigtermSent) {
      const result =
        n % 4 === 0
          ? await request(agent, `${svc.url}/auth/login`, { method: 'POST', body: { email: user.email, password } })
          : await request(agent, `${svc.url}/users/${n % 2 ? user.id : 'me'}`, { method: 'GET', token });
      outcomes.push({ inFlightAtSigterm: sigtermSent, ...result });
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  await waitUntil('the load to flow', () => outcomes.length > 50, { timeoutMs: 30_000 });
  sigtermSent = true;
  const exit = await svc.kill('SIGTERM');
  await load;
  agent.destroy();

  expect(exit).toEqual({ code: 0, signal: null }); // 0 = drained before the deadline (1 otherwise)
  expect(outcomes.length).toBeGreaterThan(50);
  expect(outcomes.filter((o) => o.inFlightAtSigterm).length).toBeGreaterThanOrEqual(WORKERS / 2);
  expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
});
