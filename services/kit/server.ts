/**
 * The HTTP server under a service: keep-alive tuned for the ALB, the kit's answers for requests
 * Node's parser rejects, and a graceful close that serves what still arrives on open connections.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { SECURITY_HEADERS } from './app';
import { clientErrorHandler } from './connection';
import { MAX_HEADER_BYTES } from './limits';

/** Above the ALB's 60 s idle timeout, so the ALB (not us) closes idle connections: no 502 races. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

/**
 * During a drain, a connection with no request in progress is closed once it has been idle (no
 * response sent, nothing received) this long. Not at once: a client that keeps its connection
 * busy may be sending its next request on it at that very instant, and closing then resets that
 * request. Requests that do arrive are served with `Connection: close`.
 */
export const DRAIN_IDLE_MS = 1000;

export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface HttpServer {
  server: Server;
  port: number;
  url: string;
  /** Number of requests whose response has not finished yet. */
  inFlight(): number;
  /**
   * Stop accepting and drain: every request in flight or arriving on an open connection is
   * answered with `Connection: close`, then its connection closes; connections idle for
   * `DRAIN_IDLE_MS` close. Resolves `true` when every connection ended this way, `false` when the
   * deadline forced the remaining ones closed.
   */
  close(deadlineMs: number): Promise<boolean>;
}

interface ConnectionState {
  /** Requests received on this connection whose response has not closed yet. */
  requests: number;
  /** When the last response closed (or the connection opened), `performance.now()`. */
  idleSince: number;
}

export const listen = async (fetch: FetchHandler, opts: { port: number; hostname?: string }): Promise<HttpServer> => {
  const server = createAdaptorServer({
    fetch,
    // The kit decides what happens to an unread body (app.ts: `Connection: close` and a lingering
    // close); @hono/node-server's clean-up would close a kept-alive connection 500 ms later, even
    // when it is serving the next request by then.
    autoCleanupIncoming: false,
    serverOptions: { maxHeaderSize: MAX_HEADER_BYTES },
  }) as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on('clientError', clientErrorHandler(SECURITY_HEADERS));

  const connections = new Map<Socket, ConnectionState>();
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const idleTimers = new Set<NodeJS.Timeout>();

  /** During the drain: close `socket` once it has been idle for `DRAIN_IDLE_MS`, unless it is used meanwhile. */
  const closeWhenIdle = (socket: Socket, connection: ConnectionState): void => {
    if (connection.requests > 0) return; // closes after its response
    const bytesRead = socket.bytesRead;
    const closeIfStillIdle = (): void => {
      // Anything received since (a request, even half of one) is answered, and that
      // response (`Connection: close`) closes the connection.
      if (connection.requests === 0 && socket.bytesRead === bytesRead) socket.destroy();
    };
    // setImmediate: runs after this turn's I/O poll, so a request already waiting in the
    // socket is read (and counted) before the check, even when the event loop is late.
    const wait = Math.max(0, DRAIN_IDLE_MS - (performance.now() - connection.idleSince));
    const timer = setTimeout(() => {
      idleTimers.delete(timer);
      setImmediate(closeIfStillIdle);
    }, wait);
    idleTimers.add(timer);
  };

  server.on('connection', (socket: Socket) => {
    const connection = { requests: 0, idleSince: performance.now() };
    connections.set(socket, connection);
    socket.once('close', () => connections.delete(socket));
    if (draining) closeWhenIdle(socket, connection);
  });

  // Prepended so it runs before the Hono listener writes anything.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    const connection = connections.get(req.socket);
    if (connection) connection.requests++;
    res.once('close', () => {
      inFlight.delete(res);
      if (connection) {
        connection.requests--;
        connection.idleSince = performance.now();
      }
    });
    // A request arriving on a kept-alive connection during the drain is served, then the connection closes.
    if (draining) res.setHeader('Connection', 'close');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.hostname ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<boolean> | undefined;
  const close = (deadlineMs: number): Promise<boolean> =>
    (closing ??= new Promise<boolean>((resolve) => {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const done = (clean: boolean): void => {
        clearTimeout(deadline);
        for (const timer of idleTimers) clearTimeout(timer);
        resolve(clean);
      };
      const deadline = setTimeout(() => {
        for (const socket of connections.keys()) socket.destroy();
        done(false);
      }, deadlineMs);
      for (const [socket, connection] of connections) closeWhenIdle(socket, connection);
      // Stop accepting after this turn's I/O poll: connections the kernel already completed (a
      // client may be sending on them) are accepted and served rather than reset. On net.Server,
      // because http.Server#close() (Node ≥ 19) also destroys every idle keep-alive connection at
      // once. The callback runs once every connection closed.
      setImmediate(() => NetServer.prototype.close.call(server, () => done(true)));
    }));

  return { server, port, url: `http://127.0.0.1:${port}`, inFlight: () => inFlight.size, close };
};
