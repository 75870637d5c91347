/**
 * The "container" test without Docker: the esbuild bundle the image runs starts with plain node
 * from a directory holding nothing but the bundle and its migrations (no node_modules, no
 * sources); `main.js migrate` is the one-off task (as the administrator), `main.js` serves as the
 * service's own role.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildService } from '../../../scripts/build-services';
import { freePort, spawnManaged, type ManagedProcess } from '../../../scripts/engines/process';
import { waitForHttpOk } from '../../../scripts/engines/service-process';
import { provisionTestNamespace } from '../../support/namespace';
import { migrateEnvOf } from './harness';

jest.setTimeout(120_000);

let appDir: string;
let proc: ManagedProcess | undefined;
beforeAll(async () => {
  const built = await buildService('user', { outDir: mkdtempSync(path.join(os.tmpdir(), 'user-build-')) });
  appDir = mkdtempSync(path.join(os.tmpdir(), 'user-app-'));
  cpSync(path.dirname(built.outfile), appDir, { recursive: true });
  rmSync(path.dirname(path.dirname(built.outfile)), { recursive: true, force: true });
});
afterAll(async () => {
  await proc?.stop();
  rmSync(appDir, { recursive: true, force: true });
});

it('the bundle holds only the runtime files', () => {
  expect(readdirSync(appDir).sort()).toEqual(expect.arrayContaining(['main.js', 'migrations']));
  expect(readdirSync(appDir)).not.toContain('node_modules');
});

it('`node main.js migrate` exits 0, then `node main.js` serves /health/live and /health/ready', async () => {
  const ns = await provisionTestNamespace();
  const env = { ...ns.env.user, NODE_ENV: 'production', PATH: process.env.PATH! };
  // The migrate task's environment only: administrator credentials and role names, no service variables.
  await promisify(execFile)(process.execPath, ['main.js', 'migrate'], { cwd: appDir, env: { ...migrateEnvOf(ns), PATH: process.env.PATH! } });

  const port = await freePort();
  proc = spawnManaged(process.execPath, ['main.js'], { cwd: appDir, env: { ...env, PORT: String(port) } });
  await waitForHttpOk(`http://127.0.0.1:${port}/health/live`, proc);
  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
  expect(ready.status).toBe(200);
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toEqual({ code: 0, signal: null });
});
