/**
 * `npm run dev`: the whole platform on this machine.
 *
 * Starts the local engines (PostgreSQL and DynamoDB data kept under .data/ unless --fresh),
 * provisions namespace `dev` from the catalog, starts the OTLP receiver where the collector
 * sidecar listens in AWS (127.0.0.1:4318), runs every implemented service as a child process on
 * its catalog port (output prefixed with its name, OpenTelemetry exporting to the receiver), and
 * the gateway on 8080 (--port or GATEWAY_PORT) once every service is ready: it answers as the edge
 * of the dev environment would (headers, error bodies, static/), and shows the traces at /_dev/.
 * Ctrl-C stops everything, engines included.
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
import { STATIC_ROOT, startGateway, type Gateway } from './gateway';
import { startOtlpReceiver, type OtlpReceiver } from './dev-traces/receiver';
import { TraceStore } from './dev-traces/store';
import { dev as devInput } from '../envs/dev';
import { loadEnvironment } from '../envs/schema';
import { appTelemetryEnvironment, OTLP_ENDPOINT } from '../modules/observability/telemetry-collector';
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

/** The dev environment's config: the project name in the telemetry resource, the edge's static prefix. */
const environment = loadEnvironment('dev', devInput, catalog);
/**
 * Each service's OpenTelemetry settings, as its task gets them (appTelemetryEnvironment), sending
 * to this stack's receiver. Spans are exported every 0.5 s instead of 5 s: a request's trace is
 * on the page by the time one looks.
 */
const telemetryEnvironment = (service: string, receiverUrl: string): Record<string, string> => ({
  ...appTelemetryEnvironment(service, environment.name, environment.project),
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OTEL_BSP_SCHEDULE_DELAY: '500',
});

let engines: RunningEngines | undefined;
let gateway: Gateway | undefined;
let receiver: OtlpReceiver | undefined;
const services = new Map<string, ManagedProcess>();
let shuttingDown: Promise<void> | undefined;

const shutdown = (exitCode: number) =>
  (shuttingDown ??= (async () => {
    log('stopping…');
    await gateway?.close();
    await Promise.all([...services.values()].map((proc) => proc.stop('SIGTERM', SERVICE_STOP_GRACE_MS)));
    // After the services: their last spans are exported as they stop.
    await receiver?.close();
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
  const traces = new TraceStore();
  receiver = await startOtlpReceiver(traces, { port: Number(new URL(OTLP_ENDPOINT).port) });

  const upstreams: Record<string, string> = {};
  await Promise.all(
    catalog.services.map(async (spec) => {
      if (!isServiceImplemented(spec.name)) {
        log(`skipping "${spec.name}": ${path.relative(REPO_ROOT, serviceEntry(spec.name))} does not exist yet`);
        return;
      }
      const env = { ...envs[spec.name], ...telemetryEnvironment(spec.name, receiver!.url) };
      const proc = spawnServiceProcess(spec.name, env, (line) => console.log(`[${spec.name}] ${line}`));
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
    traces,
    static: { root: STATIC_ROOT, pathPattern: environment.edge.staticPathPattern },
    onRequest: (r) =>
      log(`${r.method} ${r.path} → ${r.service ?? '-'} ${r.status} ${r.ms} ms${r.traceId ? ` trace ${r.traceId}` : ''}${r.detail ? ` (${r.detail})` : ''}`),
  });
  log(`gateway: ${gateway.url} (routes: ${catalog.services.flatMap((s) => s.routes.flatMap((r) => r.pathPatterns)).join(' ')})`);
  log(`traces: ${gateway.url}/_dev/ (OTLP receiver ${receiver.url}); static files: ${environment.edge.staticPathPattern} from static/`);
  log(`postgres: ${engines.postgres.url.replace(/:[^:@/]+@/, ':***@')}`);
  log(`redis: ${engines.redis.url}  dynamodb: ${engines.dynamodb.endpoint}  sqs: ${engines.sqs.endpoint}`);
  log('Ctrl-C to stop');
};

main().catch((error: unknown) => {
  console.error(`[dev] failed: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
