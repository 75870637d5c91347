/**
 * The HTTP server under a service: keep-alive tuned for the ALB and a graceful close that
 * drains in-flight requests (answering them with `Connection: close`), closes idle keep-alive
 * sockets at once and destroys whatever is left at a hard deadline.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Above the ALB's 60 s idle timeout, so the ALB (not us) closes idle connections: no 502 races. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface HttpServer {
  server: Server;
  port: number;
  url: string;
  /** Number of requests whose response has not finished yet. */
  inFlight(): number;
  /**
   * Stop accepting, drain, close. Resolves `true` when every connection ended by itself,
   * `false` when the deadline forced the remaining ones closed.
   */
  close(deadlineMs: number): Promise<boolean>;
}

export const listen = async (fetch: FetchHandler, opts: { port: number; hostname?: string }): Promise<HttpServer> => {
  const server = createAdaptorServer({ fetch }) as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;

  const inFlight = new Set<ServerResponse>();
  let draining = false;
  // Prepended so it runs before the Hono listener writes anything.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // A request arriving on a kept-alive socket during drain is served, then the socket closes.
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
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve(false);
      }, deadlineMs);
      // close() stops accepting and (Node ≥ 19) closes idle keep-alive sockets; busy ones end
      // after their response because of `Connection: close`.
      server.close(() => {
        clearTimeout(timer);
        resolve(true);
      });
      server.closeIdleConnections();
    }));

  return { server, port, url: `http://127.0.0.1:${port}`, inFlight: () => inFlight.size, close };
};
