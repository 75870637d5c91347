/** The synth entry points as processes: a config error is one line on stderr and exit code 1. */
import { spawnSync } from 'node:child_process';

const tsx = (code: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });

describe('synth error reporting', () => {
  it('prints a configuration error as one message and exits 1', () => {
    const result = tsx(`
      const { run } = require('./scripts/synth-support');
      const { loadEnvironment } = require('./envs/schema');
      const { prod } = require('./envs/prod');
      const { catalog } = require('./services/catalog');
      run(() => loadEnvironment('prod', { ...prod, network: { ...prod.network, natGateways: 'single' } }, catalog));
    `);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'configuration error: prod: network.natGateways: prod needs one NAT gateway per availability zone (rule: prod-nat-per-az)',
    );
  });
});
