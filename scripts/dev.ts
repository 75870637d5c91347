/**
 * `npm run dev`: the whole platform on this machine.
 *
 * Starts the local engines (PostgreSQL and DynamoDB data kept under .data/ unless --fresh),
 * provisions namespace `dev` from the catalog, runs every implemented service as a child
 * process on its catalog port (output prefixed with its name), and the gateway on 8080
 * (--port or GATEWAY_PORT) once every service is ready. Ctrl-C stops everything, engines included.
 * --data-dir DIR keeps the engines' data elsewhere (the end-to-end test uses a temp dir).
 *
 * Nothing outlives it: every child gets a parent-death signal (scripts/engines/process.ts), so a
 * SIGKILL of this process or of its process group takes the engines and services with it; a
 * closed terminal (SIGHUP) or the death of a launcher above it (npm, tsx) stops it cleanly.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { provisionNamespace, startEngines, type RunningEngines } from './engines';
import { watchLaunchers } from './engines/launcher-watch';
import type { ManagedProcess } from './engines/process';
import { isServiceImplemented, REPO_ROOT, serviceEntry, spawnServiceProcess, waitForHttpOk } from './engines/service-process';
import { startGateway, type Gateway } from './gateway';
import { catalog } from '../services/catalog';

const NAMESPACE = 'dev';
const args = process.argv.slice(2);
const flagValue = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const DATA_DIR = path.resolve(flagValue('--data-dir') ?? path.join(REPO_ROOT, '.data'));
/** Above the kit's 25 s drain deadline. */
const SERVICE_STOP_GRACE_MS = 30_000;
/** How often a service that is still starting is reported (the wait itself has no deadline). */
const STARTING_NOTICE_MS = 30_000;

const fresh = args.includes('--fresh');
const gatewayPort = Number(flagValue('--port') ?? process.env.GATEWAY_PORT ?? 8080);

const log = (message: string) => console.log(`[dev] ${message}`);

let engines: RunningEngines | undefined;
let gateway: Gateway | undefined;
const services = new Map<string, ManagedProcess>();
let shuttingDown: Promise<void> | undefined;

const shutdown = (exitCode: number) =>
  (shuttingDown ??= (async () => {
    log('stopping…');
    await gateway?.close();
    await Promise.all([...services.values()].map((proc) => proc.stop('SIGTERM', SERVICE_STOP_GRACE_MS)));
    await engines?.stopAll();
    log('stopped');
    process.exit(exitCode);
  })());

// `on`, not `once`: Ctrl-C signals the whole process group, and tsx relays the same signal to
// this process again; a second delivery must not hit Node's default handler mid-shutdown.
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
watchLaunchers((launcher) => {
  log(`launcher process ${launcher.pid} is gone`);
  void shutdown(0);
});

/**
 * Resolves once the service answers its readiness path, however long the machine takes; rejects
 * only when the process exits first. A slow start is reported, never turned into a failure.
 */
const waitReady = async (name: string, url: string, proc: ManagedProcess): Promise<void> => {
  for (let waited = STARTING_NOTICE_MS; ; waited += STARTING_NOTICE_MS) {
    try {
      return await waitForHttpOk(url, proc, STARTING_NOTICE_MS);
    } catch (error) {
      if (proc.hasExited()) throw error;
      log(`"${name}" is not ready after ${waited / 1000} s; still waiting`);
    }
  }
};

const main = async () => {
  if (fresh) {
    log(`--fresh: deleting ${path.relative(REPO_ROOT, DATA_DIR)}/`);
    rmSync(DATA_DIR, { recursive: true, force: true });
  }
  log('starting engines…');
  engines = await startEngines({
    postgres: { dataDir: path.join(DATA_DIR, 'postgres') },
    dynamodb: { dataDir: path.join(DATA_DIR, 'dynamodb') },
  });
  if (engines.external.length) log(`using already-running engines from the environment: ${engines.external.join(', ')}`);
  // A shorter long poll than production's 20 s: the consumer finishes its pending receive before
  // it stops, so this is what Ctrl-C waits for.
  const envs = await provisionNamespace(engines, NAMESPACE, undefined, { CONSUMER_WAIT_SECONDS: '5' });

  const upstreams: Record<string, string> = {};
  await Promise.all(
    catalog.services.map(async (spec) => {
      if (!isServiceImplemented(spec.name)) {
        log(`skipping "${spec.name}": ${path.relative(REPO_ROOT, serviceEntry(spec.name))} does not exist yet`);
        return;
      }
      const proc = spawnServiceProcess(spec.name, envs[spec.name], (line) => console.log(`[${spec.name}] ${line}`));
      services.set(spec.name, proc);
      void proc.exited.then(({ code, signal }) => {
        if (!shuttingDown) log(`"${spec.name}" exited (${signal ?? `code ${code}`}); its routes now answer 503`);
      });
      const url = `http://127.0.0.1:${spec.containerPort}`;
      upstreams[spec.name] = url;
      try {
        await waitReady(spec.name, `${url}${spec.healthPath}`, proc);
        log(`"${spec.name}" ready on ${url}`);
      } catch (error) {
        log(`"${spec.name}" did not start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );

  gateway = await startGateway({
    upstreams,
    port: gatewayPort,
    onRequest: (r) => log(`${r.method} ${r.path} → ${r.service ?? '-'} ${r.status} ${r.ms} ms`),
  });
  log(`gateway: ${gateway.url} (routes: ${catalog.services.flatMap((s) => s.routes.flatMap((r) => r.pathPatterns)).join(' ')})`);
  log(`postgres: ${engines.postgres.url.replace(/:[^:@/]+@/, ':***@')}`);
  log(`redis: ${engines.redis.url}  dynamodb: ${engines.dynamodb.endpoint}  sqs: ${engines.sqs.endpoint}`);
  log('Ctrl-C to stop');
};

main().catch((error: unknown) => {
  console.error(`[dev] failed: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
