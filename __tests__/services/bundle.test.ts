/**
 * The esbuild bundle is what the container runs: build one, start it with plain `node` (no
 * tsx, no node_modules next to it) against the local engines, and stop it with SIGTERM. Its
 * instrumentation works although pg, ioredis and the AWS SDK are inlined (no require hook can
 * reach them: services/kit/telemetry/instrument.ts patches them explicitly).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildService } from '../../scripts/build-services';
import { freePort, spawnManaged } from '../../scripts/engines/process';
import { waitForHttpOk } from '../../scripts/engines/service-process';
import { waitUntil } from '../../scripts/engines/process';
import { findService } from '../../services/catalog';
import { client, newUserBody } from '../support/http';
import { provisionTestNamespace } from '../support/namespace';
import { startOtlpReceiver } from '../support/otlp-receiver';

jest.setTimeout(90_000);

describe('buildService', () => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('bundles the user service into one file that serves, traces, and shuts down on SIGTERM', async () => {
    const { outfile, bytes } = await buildService('user', { outDir });
    expect(outfile).toBe(path.join(outDir, 'user', 'main.js'));
    expect(bytes).toBeGreaterThan(10_000);

    const receiver = await startOtlpReceiver();
    const { env } = await provisionTestNamespace({ overrides: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' } });
    const port = await freePort();
    // cwd outside the repo: the bundle must not resolve anything from node_modules.
    const proc = spawnManaged(process.execPath, ['--enable-source-maps', outfile], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', ...env.user, PORT: String(port), NODE_ENV: 'production' },
    });
    try {
      await waitForHttpOk(`http://127.0.0.1:${port}${findService('user').healthPath}`, proc, 60_000);
      const created = await client(`http://127.0.0.1:${port}`)('POST', '/users', { body: newUserBody() });
      expect(created.status).toBe(201);
      const traceId = /^00-([0-9a-f]{32})-/.exec(created.headers.get('traceresponse') ?? '')?.[1];
      const names = () => receiver.spans().filter((s) => s.traceId === traceId).map((s) => s.name);
      await waitUntil('server and PostgreSQL spans', () => names().includes('POST /users') && names().some((n) => n.startsWith('pg.query:INSERT')), { timeoutMs: 10_000, intervalMs: 50 });
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      await proc.stop('SIGKILL');
      await receiver.close();
    }
  });
});
