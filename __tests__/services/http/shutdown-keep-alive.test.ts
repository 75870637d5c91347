/**
 * Graceful shutdown serves what arrives on kept-alive connections (issue 7, item 5): a real
 * user-service process under 50 keep-alive connections that send continuously gets SIGTERM
 * mid-load. Every request on an existing connection must be answered (a reset is a failure):
 * readiness turns 503, every response from then on says `Connection: close`, and the process
 * exits 0 (drained before the deadline).
 */
import http from 'node:http';
import { waitUntil } from '../../../scripts/engines/process';
import { client, registerAndLogin } from '../../support/http';
import { spawnService } from '../../support/services';
import { userEnv } from '../user/harness';

jest.setTimeout(90_000);

const CONNECTIONS = 50;

interface Outcome {
  status?: number;
  connection?: string;
  code?: string;
  error?: string;
}

/** One GET on `agent`'s single connection; a socket error is reported, never retried. */
const get = (agent: http.Agent, url: string, token?: string): Promise<Outcome> =>
  new Promise((resolve) => {
    const req = http.get(url, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const code = res.statusCode === 200 ? undefined : (JSON.parse(body) as { error: { code: string } }).error.code;
        resolve({ status: res.statusCode, connection: res.headers.connection, code });
      });
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });

it(`SIGTERM under ${CONNECTIONS} busy keep-alive connections: every request on them is answered, then the process exits 0`, async () => {
  const svc = await spawnService('user', await userEnv());
  const { user, token } = await registerAndLogin(client(svc.url));

  // Each connection is its own agent with one socket: a client that keeps using its connection
  // until the server says `Connection: close`. The last one polls readiness, as a health checker.
  const agents = Array.from({ length: CONNECTIONS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const outcomes: Outcome[][] = agents.map(() => []);
  const connection = async (i: number): Promise<void> => {
    const path = i === CONNECTIONS - 1 ? '/health/ready' : `/users/${user.id}`;
    for (;;) {
      const outcome = await get(agents[i]!, `${svc.url}${path}`, token);
      outcomes[i]!.push(outcome);
      if (outcome.error !== undefined || outcome.connection === 'close') return;
    }
  };
  const load = Promise.all(agents.map((_, i) => connection(i)));
  try {
    // Mid-load: every connection open and busy.
    await waitUntil('every connection served requests', () => outcomes.every((o) => o.length >= 5), { timeoutMs: 30_000, intervalMs: 20 });
    const exit = svc.kill('SIGTERM');
    await load;

    const all = outcomes.flat();
    expect(all.filter((o) => o.error !== undefined)).toEqual([]);
    // Every connection ended because the server said so, after a complete response.
    expect(outcomes.map((o) => o.at(-1)!.connection)).toEqual(Array(CONNECTIONS).fill('close'));
    expect(outcomes.slice(0, -1).flat().filter((o) => o.status !== 200)).toEqual([]);
    // Readiness turned 503 shutting_down once the drain began (answered on the open connection).
    expect(outcomes.at(-1)!.at(-1)).toMatchObject({ status: 503, code: 'shutting_down', connection: 'close' });
    expect(await exit).toEqual({ code: 0, signal: null });
  } finally {
    for (const agent of agents) agent.destroy();
  }
});
