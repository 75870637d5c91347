/**
 * An oversized body must not poison a kept-alive connection (issue 7, item 3): through the
 * gateway to the real user service, a 1 MB body then small valid requests on the same keep-alive
 * client never see a 502 or a reset.
 */
import http from 'node:http';
import { startGateway, type Gateway } from '../../../scripts/gateway';
import { client, registerAndLogin } from '../../support/http';
import { startUserService, type UserServiceHandle } from '../user/harness';

jest.setTimeout(60_000);

let svc: UserServiceHandle;
let gateway: Gateway;
let user: { email: string; password: string };

beforeAll(async () => {
  svc = await startUserService();
  gateway = await startGateway({ port: 0, upstreams: { user: svc.url } });
  const { user: u, password } = await registerAndLogin(client(svc.url));
  user = { email: u.email, password };
});
afterAll(async () => {
  await gateway?.close();
  await svc?.stop();
});

const post = (agent: http.Agent, url: string, body: string): Promise<{ status?: number; connection?: string; error?: string }> =>
  new Promise((resolve) => {
    const req = http.request(url, { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });

it.each([
  ['the gateway', () => gateway.url],
  ['the service directly', () => svc.url],
])('after a 1 MB body, 10 small logins on the same keep-alive client all succeed (through %s)', async (_label, base) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const login = JSON.stringify({ email: user.email, password: user.password });
    const huge = JSON.stringify({ email: user.email, password: 'x'.repeat(1024 * 1024) });
    const outcomes = [await post(agent, `${base()}/auth/login`, huge)];
    for (let i = 0; i < 10; i++) outcomes.push(await post(agent, `${base()}/auth/login`, login));
    expect(outcomes[0]).toMatchObject({ status: 413, connection: 'close' });
    expect(outcomes.slice(1).map((o) => o.status ?? o.error)).toEqual(Array(10).fill(200));
  } finally {
    agent.destroy();
  }
});
