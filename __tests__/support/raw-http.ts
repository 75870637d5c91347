/**
 * HTTP/1.1 over a raw TCP socket, for requests no HTTP client will send (oversized or malformed
 * request lines and headers). The server must answer and close; the whole reply is read until
 * the connection ends, so a reset before the answer shows as `error`.
 */
import net from 'node:net';

export interface RawResponse {
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Set when the connection failed (e.g. ECONNRESET) instead of ending after a response. */
  error?: string;
}

export const rawRequest = (url: string, request: string | Buffer): Promise<RawResponse> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    // The server may stop reading once it answered: a write that fails after that is not the point.
    socket.write(request, () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (split >= 0 ? text.slice(0, split) : text).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1];
      resolve({ status: status ? Number(status) : undefined, headers, body: split >= 0 ? text.slice(split + 4) : '', ...(error ? { error } : {}) });
    });
  });

/** A GET request with the given target and extra header lines. */
export const rawGet = (target: string, headerLines: readonly string[] = []): string =>
  `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`;
