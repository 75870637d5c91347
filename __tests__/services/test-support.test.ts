/** The helpers service tests rely on: in-process start and child-process spawn of a service. */
import { userService } from '../../services/user/service';
import { provisionTestNamespace } from '../support/namespace';
import { spawnService, startTestService } from '../support/services';

jest.setTimeout(60_000);

describe('test support', () => {
  it('startTestService runs a definition in process on a free port', async () => {
    const { env } = await provisionTestNamespace();
    const running = await startTestService(userService, env.user);
    try {
      expect(running.port).not.toBe(3001);
      const response = await fetch(`${running.url}/health/ready`);
      expect(response.status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('spawnService runs main.ts as a child that is ready on return and exits 0 on SIGTERM', async () => {
    const { env } = await provisionTestNamespace();
    const service = await spawnService('user', env.user);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(await service.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    await expect(fetch(`${service.url}/health/live`)).rejects.toThrow();
  });

  it('spawnService fails with the service output when it cannot start', async () => {
    const { env } = await provisionTestNamespace();
    await expect(spawnService('user', { ...env.user, TOKEN_VERIFY_JWKS: 'not json' }, { timeoutMs: 20_000 })).rejects.toThrow(
      /process exited before it was ready[\s\S]*TOKEN_VERIFY_JWKS/,
    );
  });
});
