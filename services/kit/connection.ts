/**
 * Connection-level HTTP behaviour shared by the kit server and the local gateway:
 * - requests Node's parser rejects (oversized headers or request line, malformed requests,
 *   header timeouts) get the JSON error body instead of Node's empty reply or a reset;
 * - a connection closed right after an answer is closed without destroying that answer
 *   ("lingering close", RFC 9112 §9.6): the server ends its side, reads and discards what the
 *   client still sends for a bounded time and amount, then closes. Closing with unread data
 *   makes the kernel send a reset, which can destroy the response before the client reads it.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from './errors';
import { MAX_URL_BYTES } from './limits';

/** How long a lingering close keeps reading before it closes anyway. */
export const LINGER_MS = 2000;
/** How much a lingering close reads (and discards) before it closes anyway. */
export const LINGER_MAX_BYTES = 4 * 1024 * 1024;

const lingering = new WeakSet<Duplex>();

/** Ends our side now; reads and discards until the client closes, or `LINGER_MS`/`LINGER_MAX_BYTES`; then closes. */
export const lingeringClose = (socket: Duplex): void => {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  let discarded = 0;
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  // Detach the HTTP parser: nothing more on this connection is a request to serve.
  socket.removeAllListeners('data');
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) close();
  });
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
  socket.end();
  socket.resume();
};

/**
 * For an answer sent before the request body arrived in full (413, 401 on an upload, a timeout):
 * `Connection: close` (the rest of the body is not read as the next request), and the close Node
 * performs after the response lingers instead of resetting. Call before the headers are written.
 */
export const closeAfterResponse = (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('Connection', 'close');
  const socket: Socket = req.socket;
  socket.destroySoon = () => lingeringClose(socket);
};

/** A request target longer than `MAX_URL_BYTES` (path + query): answer 414. */
export const isUrlTooLong = (url: string | undefined): boolean => (url?.length ?? 0) > MAX_URL_BYTES;

interface ParserError extends Error {
  code?: string;
  /** The bytes the parser was reading when it failed. */
  rawPacket?: Buffer;
}

const REQUEST_LINE_START = /^[A-Z]+ /;

/** The answer for a parser error, or undefined for socket errors (nothing to answer). */
const answerFor = (err: ParserError): { status: number; code: string; message: string } | undefined => {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // The request line alone is over the URL limit when no line break follows it within it.
      const raw = err.rawPacket;
      const head = raw?.subarray(0, MAX_URL_BYTES + 16).toString('latin1') ?? '';
      return REQUEST_LINE_START.test(head) && !head.includes('\n')
        ? { status: 414, code: 'uri_too_long', message: `Request target exceeds ${MAX_URL_BYTES} bytes` }
        : { status: 431, code: 'headers_too_large', message: 'Request header fields too large' };
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'payload_too_large', message: 'Chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'Request not received in time' };
    default:
      return err.code?.startsWith('HPE_') ? { status: 400, code: 'bad_request', message: 'Malformed HTTP request' } : undefined;
  }
};

/**
 * A `clientError` listener: the JSON error body (with `extraHeaders`) and a lingering close for
 * requests the parser rejected; socket errors just close the socket. Installing it replaces
 * Node's default answer (an empty 400/408/431 and an immediate close).
 */
export const clientErrorHandler =
  (extraHeaders: readonly (readonly [string, string])[] = []) =>
  (err: ParserError, socket: Duplex): void => {
    if (lingering.has(socket)) return; // the parser's complaints about what we are discarding
    const answer = answerFor(err);
    // As Node's default handler: never write into a response that has started (pipelining).
    const started = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent === true;
    if (!answer || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const body = JSON.stringify(errorBody(requestId, answer.code, answer.message));
    const headers = [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Connection', 'close'],
      ['X-Request-Id', requestId],
      ...extraHeaders,
    ];
    // A HEAD request's answer carries no body (the client would read it as the next response).
    const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${head ? '' : body}`);
    lingeringClose(socket);
  };
