/** The esbuild bundle the image runs: builds, starts with plain node (no node_modules), serves, drains on SIGTERM. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildService } from '../../../scripts/build-services';
import { freePort, spawnManaged, type ManagedProcess } from '../../../scripts/engines/process';
import { waitForHttpOk } from '../../../scripts/engines/service-process';
import { startUserCallee } from '../../support/callees';
import { tokenFor } from '../../support/tokens';
import { provisionTestNamespace } from '../../support/namespace';

jest.setTimeout(120_000);

let outDir: string;
let proc: ManagedProcess | undefined;

beforeAll(() => {
  outDir = mkdtempSync(path.join(tmpdir(), 'payment-bundle-'));
});
afterAll(async () => {
  await proc?.stop('SIGKILL');
  rmSync(outDir, { recursive: true, force: true });
});

it('builds a self-contained bundle that answers /health/live, takes a payment and exits 0 on SIGTERM', async () => {
  const bundle = await buildService('payment', { outDir });
  expect(bundle.bytes).toBeGreaterThan(10_000);

  const { env: envs } = await provisionTestNamespace();
  // The payer must exist in the user service the payment service asks before it charges.
  const users = await startUserCallee(envs);
  const userId = randomUUID();
  await users.ensureUser(userId);
  // As in production: no local address map (Service Connect's job); the user service is given by URL.
  const env: Record<string, string> = { ...envs.payment!, SERVICE_USER_URL: `http://${users.address}` };
  delete env.SERVICE_ADDRESSES_LOCAL;
  const port = await freePort();
  // Run from the bundle's folder with only PATH: nothing may resolve from the repository's node_modules.
  proc = spawnManaged(process.execPath, [bundle.outfile], {
    cwd: path.dirname(bundle.outfile),
    env: { PATH: process.env.PATH ?? '', ...env, NODE_ENV: 'production', NODE_PATH: '', PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/health/live`, proc, 30_000);
  await waitForHttpOk(`${url}/health/ready`, proc, 10_000);

  const token = await tokenFor(envs.user!, userId);
  const res = await fetch(`${url}/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'bundle-1' },
    body: JSON.stringify({ amount: 500, currency: 'SEK' }),
  });
  expect(res.status).toBe(201);

  proc.child.kill('SIGTERM');
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  await users.stop();
});
