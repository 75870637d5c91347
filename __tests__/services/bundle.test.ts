/**
 * The esbuild bundle is what the container runs: build one, start it with plain `node` (no
 * tsx, no node_modules next to it) against the local engines, and stop it with SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildService } from '../../scripts/build-services';
import { freePort, spawnManaged } from '../../scripts/engines/process';
import { waitForHttpOk } from '../../scripts/engines/service-process';
import { findService } from '../../services/catalog';
import { provisionTestNamespace } from '../support/namespace';

jest.setTimeout(90_000);

describe('buildService', () => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('bundles the user service into one file that serves and shuts down on SIGTERM', async () => {
    const { outfile, bytes } = await buildService('user', { outDir });
    expect(outfile).toBe(path.join(outDir, 'user', 'main.js'));
    expect(bytes).toBeGreaterThan(10_000);

    const { env } = await provisionTestNamespace();
    const port = await freePort();
    // cwd outside the repo: the bundle must not resolve anything from node_modules.
    const proc = spawnManaged(process.execPath, ['--enable-source-maps', outfile], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', ...env.user, PORT: String(port), NODE_ENV: 'production' },
    });
    try {
      await waitForHttpOk(`http://127.0.0.1:${port}${findService('user').healthPath}`, proc, 60_000);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      await proc.stop('SIGKILL');
    }
  });
});
