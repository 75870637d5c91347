/**
 * `npm run dev` leaves nothing behind, however it dies. The running stack is SIGKILLed three ways:
 * its whole process group (a crashed terminal), only the process that runs the engines and the
 * services (dev.ts), and only the launcher an IDE started (npm). Each time, every process of the
 * stack is gone soon after, and the next start on the same data dir succeeds with the data kept.
 * The stack's processes are its process tree, recorded before the kill (support/process-tree.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processInfo, type ProcessInfo } from '../../scripts/engines/procfs';
import { isServiceImplemented } from '../../scripts/engines/service-process';
import { catalog } from '../../services/catalog';
import { DEV_START_TIMEOUT_MS, startDevStack, type DevStack } from '../support/dev-stack';
import { killSurvivors, processTree, waitAllGone } from '../support/process-tree';

/** The bound: every child of a SIGKILLed stack is gone within 5 s. */
const ORPHAN_DEADLINE_MS = 5000;
/** A launcher's death stops the stack cleanly: the services drain (up to the kit's 25 s) first. */
const CLEAN_STOP_DEADLINE_MS = 60_000;

jest.setTimeout(DEV_START_TIMEOUT_MS + CLEAN_STOP_DEADLINE_MS + 60_000);

const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-kill-'));
const account = { email: `kill-${Date.now()}@example.com`, password: 'correct horse battery' };
let dev: DevStack | undefined;
/** Every process a test recorded: whatever survives a failed test is killed afterwards. */
const recorded: ProcessInfo[] = [];

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The running stack's processes: npm at the root; the engines and services each lead their own
 * process group, all started by one process of npm's group (dev.ts). (PostgreSQL's workers lead
 * groups of their own too, below the postmaster.)
 */
const snapshot = (stack: DevStack) => {
  const npm = processInfo(stack.proc.child.pid!);
  if (!npm) throw new Error('npm run dev is not running');
  const tree = processTree(npm);
  recorded.push(...tree);
  const launchers = new Set(tree.filter((p) => p.pgid === npm.pgid).map((p) => p.pid));
  const children = tree.filter((p) => p.pgid === p.pid && p.pid !== npm.pid && launchers.has(p.ppid));
  const owners = [...new Set(children.map((p) => p.ppid))];
  expect(owners).toHaveLength(1);
  const engines = 4;
  expect(children.length).toBeGreaterThanOrEqual(engines + catalog.services.filter((s) => isServiceImplemented(s.name)).length);
  return { npm, devPid: owners[0]!, tree };
};

/** The next start on the same data dir: the gateway comes up and the account made before logs in. */
const restart = async (): Promise<void> => {
  dev = await startDevStack({ dataDir });
  const login = await post(`${dev.gateway}/auth/login`, account);
  expect(login.status).toBe(200);
};

beforeAll(async () => {
  dev = await startDevStack({ dataDir, fresh: true });
  expect((await post(`${dev.gateway}/users`, { ...account, name: 'Kill Test' })).status).toBe(201);
}, DEV_START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (dev && !dev.proc.hasExited()) {
    process.kill(-dev.proc.child.pid!, 'SIGINT');
    await dev.proc.exited;
  }
  killSurvivors(recorded);
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGKILL of the whole process group (a crashed terminal): no process left, the next start succeeds', async () => {
  const { npm, tree } = snapshot(dev!);
  process.kill(-npm.pgid, 'SIGKILL');
  await waitAllGone(tree, ORPHAN_DEADLINE_MS);
  await restart();
});

test('SIGKILL of the dev process alone: no process left, the next start succeeds', async () => {
  const { devPid, tree } = snapshot(dev!);
  process.kill(devPid, 'SIGKILL');
  await waitAllGone(tree, ORPHAN_DEADLINE_MS);
  await restart();
});

test('SIGKILL of npm alone (an IDE stop button): the stack stops cleanly, the next start succeeds', async () => {
  const stack = dev!;
  const { npm, tree } = snapshot(stack);
  process.kill(npm.pid, 'SIGKILL');
  await waitAllGone(tree, CLEAN_STOP_DEADLINE_MS);
  // dev.ts noticed and stopped everything itself (its output still reaches the test's pipe).
  await stack.waitForLine('[dev] stopped', 10_000);
  await restart();
});
