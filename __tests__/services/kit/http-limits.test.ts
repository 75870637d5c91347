/**
 * Requests over the kit's HTTP limits get the JSON error body, never Node's empty reply or a reset
 * (issue 7, item 4): oversized headers → 431, oversized request targets → 414, malformed requests
 * → 400; answered with `Connection: close` and read to the end by the client.
 */
import { createApp, SECURITY_HEADERS } from '../../../services/kit/app';
import { MAX_HEADER_BYTES, MAX_URL_BYTES } from '../../../services/kit/limits';
import { listen, type HttpServer } from '../../../services/kit/server';
import { rawGet, rawRequest, type RawResponse } from '../../support/raw-http';
import { captureLogger } from './helpers';

let server: HttpServer;
beforeAll(async () => {
  const app = createApp({ serviceName: 'kit-test', logger: captureLogger().logger });
  app.get('/echo', (c) => c.json({ query: c.req.query('q')?.length ?? 0 }));
  server = await listen(app.fetch, { port: 0, hostname: '127.0.0.1' });
});
afterAll(() => server.close(1000));

const expectJsonError = (res: RawResponse, status: number, code: string): void => {
  expect({ status: res.status, error: res.error }).toEqual({ status, error: undefined });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers.connection).toBe('close');
  const body = JSON.parse(res.body) as { error: { code: string; message: string }; requestId: string };
  expect(body).toEqual({ error: { code, message: expect.any(String) }, requestId: res.headers['x-request-id'] });
  expect(res.headers['x-content-type-options']).toBe('nosniff');
};

describe('kit server limits', () => {
  it(`431 headers_too_large for header fields over ${MAX_HEADER_BYTES} bytes`, async () => {
    expectJsonError(await rawRequest(server.url, rawGet('/echo', [`X-Big: ${'a'.repeat(MAX_HEADER_BYTES)}`])), 431, 'headers_too_large');
    // Many headers, and far more than the limit still being sent when the answer goes out.
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}`);
    expectJsonError(await rawRequest(server.url, rawGet('/echo', many)), 431, 'headers_too_large');
  });

  it('answers a HEAD request without a body (the client would read it as the next response)', async () => {
    const res = await rawRequest(server.url, `HEAD /echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`);
    expect({ status: res.status, error: res.error, connection: res.headers.connection, body: res.body }).toEqual({ status: 431, error: undefined, connection: 'close', body: '' });
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it(`414 uri_too_long for a request target over ${MAX_URL_BYTES} bytes, whether or not it fits the header limit`, async () => {
    const res = await rawRequest(server.url, rawGet(`/echo?q=${'q'.repeat(MAX_URL_BYTES)}`));
    expectJsonError(res, 414, 'uri_too_long');
    for (const [name, value] of SECURITY_HEADERS) expect(res.headers[name.toLowerCase()]).toBe(value);
    expectJsonError(await rawRequest(server.url, rawGet(`/echo?q=${'q'.repeat(3 * MAX_HEADER_BYTES)}`)), 414, 'uri_too_long');
    // At the limit it is served.
    const fits = await fetch(`${server.url}/echo?q=${'q'.repeat(MAX_URL_BYTES - '/echo?q='.length)}`);
    expect({ status: fits.status, body: await fits.json() }).toEqual({ status: 200, body: { query: MAX_URL_BYTES - '/echo?q='.length } });
  });

  it('400 bad_request for a request Node cannot parse', async () => {
    expectJsonError(await rawRequest(server.url, 'GET /echo HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400, 'bad_request');
    expectJsonError(await rawRequest(server.url, 'NOT AN HTTP REQUEST\r\n\r\n'), 400, 'bad_request');
    expectJsonError(await rawRequest(server.url, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00])), 400, 'bad_request'); // a TLS ClientHello
  });
});
