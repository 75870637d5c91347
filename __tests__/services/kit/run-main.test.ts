/** runMain in a real child process: config errors exit 1 with the list; SIGTERM drains and exits 0. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { baseEnv } from './helpers';
import { waitUntil } from '../../../scripts/engines/process';

const MAIN = join(__dirname, 'fixtures', 'main.ts');
const TSX = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const run = (env: NodeJS.ProcessEnv) => {
  const child = spawn(TSX, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, exited, lines, output: () => out };
};


describe('runMain', () => {
  it('exits 1 and logs every bad variable when the config is invalid', async () => {
    const p = run({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(await p.exited).toBe(1);
    const fatal = p.lines().find((l) => l.level === 'fatal');
    expect(fatal).toBeDefined();
    const vars = (fatal!.issues as { variable: string }[]).map((i) => i.variable);
    expect(vars).toEqual(expect.arrayContaining(['SERVICE_NAME', 'PORT', 'LOG_LEVEL', 'AWS_REGION']));
  }, 30_000);

  it('on SIGTERM finishes the in-flight request, closes clients and exits 0', async () => {
    const port = await freePort();
    const p = run(baseEnv({ PORT: String(port), LOG_LEVEL: 'info' }));
    try {
      await waitUntil('start', () => p.lines().some((l) => l.msg === 'service started'), { timeoutMs: 20_000, intervalMs: 50 });
      const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
      await waitUntil('the request in the handler', () => p.lines().some((l) => l.msg === 'slow: handling'), { timeoutMs: 20_000, intervalMs: 20 });
      p.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      expect(await p.exited).toBe(0);
      const msgs = p.lines().map((l) => l.msg);
      expect(msgs).toEqual(expect.arrayContaining(['signal received', 'shutdown: draining', 'closed', 'shutdown: done']));
    } finally {
      p.child.kill('SIGKILL');
    }
  }, 30_000);
});
