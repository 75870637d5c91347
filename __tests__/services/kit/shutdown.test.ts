/**
 * Graceful shutdown against a real listening server: in-flight requests finish, responses
 * during the drain say `Connection: close`, new connections are refused, workers and clients
 * stop after the drain, and the hard deadline cuts a drain that takes too long.
 */
import http from 'node:http';
import { createApp } from '../../../services/kit/app';
import { baseShape, loadConfig } from '../../../services/kit/config';
import { KEEP_ALIVE_TIMEOUT_MS, listen } from '../../../services/kit/server';
import { startService, type ServiceDefinition } from '../../../services/kit/service';
import { waitUntil } from '../../../scripts/engines/process';
import { baseEnv } from './helpers';

type Cfg = ReturnType<typeof loadConfig<typeof baseShape>>;

interface Got {
  status: number;
  connection: string | undefined;
  body: string;
}

const get = (url: string, agent?: http.Agent): Promise<Got> =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });

/** Unref'd: a handler abandoned by the deadline test must not keep Jest alive. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

const slowService = (events: string[], delayMs: number): ServiceDefinition<Cfg> & { ready?: (path: string) => Promise<Response> } => {
  const def: ServiceDefinition<Cfg> & { ready?: (path: string) => Promise<Response> } = {
    name: 'kit-test',
    loadConfig: (env) => loadConfig(baseShape, env),
    async build({ config, logger, isShuttingDown }) {
      const app = createApp({ serviceName: config.SERVICE_NAME, logger, isShuttingDown });
      app.get('/slow', async (c) => {
        events.push('request');
        await sleep(delayMs);
        events.push('response');
        return c.json({ ok: true });
      });
      def.ready = async (path) => app.request(path);
      return {
        app,
        checks: [],
        workers: [{ name: 'w', start: () => events.push('worker:start'), stop: async () => void events.push('worker:stop') }],
        close: async () => void events.push('close'),
      };
    },
  };
  return def;
};

describe('graceful shutdown', () => {
  it('drains in-flight requests with Connection: close, refuses new connections, then stops workers and clients', async () => {
    const events: string[] = [];
    const def = slowService(events, 600);
    const svc = await startService(def, { env: baseEnv(), port: 0, hostname: '127.0.0.1', shutdownDeadlineMs: 5000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      // Warm one keep-alive socket, left idle: the drain closes it once idle for DRAIN_IDLE_MS.
      expect((await get(`${svc.url}/health/live`, agent)).status).toBe(200);

      const inFlight = Array.from({ length: 6 }, () => get(`${svc.url}/slow`, agent));
      await waitUntil('6 requests in the handler', () => events.filter((e) => e === 'request').length === 6);
      const stopped = svc.stop();
      await sleep(50);

      // Readiness flips immediately (the load balancer stops routing here).
      expect((await def.ready!('/health/ready')).status).toBe(503);
      // The listener is closed: a new connection is refused.
      await expect(get(`${svc.url}/health/live`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
      for (const r of results) expect(r.connection).toBe('close');

      expect(await stopped).toEqual({ clean: true });
      expect(events.slice(0, 1)).toEqual(['worker:start']);
      expect(events.slice(-2)).toEqual(['worker:stop', 'close']);
      expect(events.filter((e) => e === 'response')).toHaveLength(6);
    } finally {
      agent.destroy();
    }
  });

  it('stop() is idempotent (SIGTERM twice is one shutdown)', async () => {
    const events: string[] = [];
    const svc = await startService(slowService(events, 10), { env: baseEnv(), port: 0, hostname: '127.0.0.1' });
    const [a, b] = await Promise.all([svc.stop(), svc.stop()]);
    expect(a).toEqual({ clean: true });
    expect(b).toBe(a);
    expect(events.filter((e) => e === 'close')).toHaveLength(1);
  });

  it('the hard deadline ends a drain that takes too long', async () => {
    const events: string[] = [];
    const svc = await startService(slowService(events, 5000), { env: baseEnv(), port: 0, hostname: '127.0.0.1', shutdownDeadlineMs: 300 });
    const stuck = get(`${svc.url}/slow`).catch((err: NodeJS.ErrnoException) => err.code);
    await waitUntil('the request in the handler', () => events.includes('request'));
    expect(await svc.stop()).toEqual({ clean: false });
    expect(events).not.toContain('response'); // stopped without waiting for the handler
    expect(await stuck).toBe('ECONNRESET');
    expect(events).toContain('close');
  });

  it('keep-alive outlives the ALB idle timeout', async () => {
    const server = await listen(() => new Response('ok'), { port: 0, hostname: '127.0.0.1' });
    try {
      expect(server.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
      expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
      expect(server.server.headersTimeout).toBeGreaterThan(KEEP_ALIVE_TIMEOUT_MS);
    } finally {
      await server.close(1000);
    }
  });
});
