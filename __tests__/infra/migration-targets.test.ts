/** delivery/migration-targets.mjs: what a deploy applies before it runs the migration task. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthEnvironment } from './support/stacks';

const SCRIPT = resolve(__dirname, '../../delivery/migration-targets.mjs');

const targetsFor = (json: string): string[] => {
  const dir = mkdtempSync(join(tmpdir(), 'migration-targets-'));
  writeFileSync(join(dir, 'cdk.tf.json'), json);
  const result = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
};

describe('migration targets', () => {
  const prod = synthEnvironment('prod');

  it('the postgres owner: its migration task definition and every security-group rule of its stack', () => {
    const user = prod.services.user!;
    const targets = targetsFor(user.json);
    const [task] = Object.entries(user.resources('aws_ecs_task_definition')).find(([, t]) => t.family === 'platform-prod-user-migrate')!;
    expect(targets).toContain(`aws_ecs_task_definition.${task}`);
    const rules = user.addresses().filter((a) => /^aws_vpc_security_group_(ingress|egress)_rule\./.test(a));
    expect(targets.filter((t) => t.startsWith('aws_vpc_security_group'))).toEqual(rules.sort());
    expect(targets).toHaveLength(rules.length + 1);
  });

  it('a service without a database: nothing', () => {
    expect(targetsFor(prod.services.payment!.json)).toEqual([]);
  });
});
