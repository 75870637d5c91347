/**
 * redis-server on a 127.0.0.1 port with persistence off. stop()/start() really kill and
 * restart the server on the same port, which is what the cache fault tests need.
 */
import { Socket } from 'node:net';
import { freePort, requireBinary, spawnManaged, waitUntil, type ManagedProcess } from './process';

export interface RedisEngine {
  readonly url: string;
  /** Kills the server (data is lost: no persistence); `start()` restarts it on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Sends PING over a raw socket: true on `+PONG`. */
export const redisPing = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(1000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });

export const startRedis = async (options: { port?: number } = {}): Promise<RedisEngine> => {
  const bin = requireBinary('redis-server', 'apt-get install -y redis-server');
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];

  let proc: ManagedProcess | undefined;
  const start = async () => {
    if (proc && !proc.hasExited()) return;
    proc = spawnManaged(bin, args);
    try {
      await waitUntil(`redis-server on port ${port}`, () => redisPing(port), { proc, timeoutMs: 10_000 });
    } catch (error) {
      await proc.stop();
      throw error;
    }
  };
  const stop = async () => proc?.stop('SIGTERM', 5000);

  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop, destroy: stop };
};
