/**
 * Service lifecycle: config → build → listen → workers; and the one graceful shutdown path
 * that SIGTERM and tests both take.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app';
import { ConfigError } from './config';
import { runChecks, withTimeout, type HealthCheck } from './health';
import { createLogger, type Logger, type LogLevel } from './logger';
import { listen } from './server';
import { startTelemetry } from './telemetry/sdk';

/** ECS sends SIGKILL 30 s after SIGTERM (default stopTimeout); finish well before. */
export const SHUTDOWN_DEADLINE_MS = 25_000;
/** After the drain: the last spans and metrics go to the collector within this (inside ECS's 30 s). */
export const TELEMETRY_FLUSH_MS = 4000;

/** The part of every config startService reads (all from `baseShape`). */
export interface BaseConfig {
  SERVICE_NAME: string;
  PORT: number;
  LOG_LEVEL: LogLevel;
}

export interface Worker {
  name: string;
  start(): void;
  /** Finish the in-flight unit of work, then resolve. */
  stop(): Promise<void>;
}

export interface BuildContext<C> {
  config: C;
  logger: Logger;
  /** Pass to `createApp({ isShuttingDown })`: readiness turns 503 as soon as shutdown begins. */
  isShuttingDown: () => boolean;
}

export interface BuiltService {
  app: OpenAPIHono<AppEnv>;
  /** The dependency checks also given to createApp; run once at start-up and logged. */
  checks: HealthCheck[];
  workers?: Worker[];
  /** Close pools and clients; called last on shutdown. */
  close(): Promise<void>;
}

export interface ServiceDefinition<C extends BaseConfig> {
  name: string;
  loadConfig(env: NodeJS.ProcessEnv): C;
  build(ctx: BuildContext<C>): Promise<BuiltService>;
}

export interface ShutdownResult {
  /** False when the hard deadline cut the drain short. */
  clean: boolean;
}

export interface RunningService {
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<ShutdownResult>;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** Overrides PORT (0 = a free port, for tests). */
  port?: number;
  hostname?: string;
  /** Overrides SHUTDOWN_DEADLINE_MS (tests). */
  shutdownDeadlineMs?: number;
}

export const startService = async <C extends BaseConfig>(def: ServiceDefinition<C>, opts: StartOptions): Promise<RunningService> => {
  const config = def.loadConfig(opts.env);
  const logger = createLogger({ service: def.name, level: config.LOG_LEVEL });
  let shuttingDown = false;
  const built = await def.build({ config, logger, isShuttingDown: () => shuttingDown });

  let http;
  try {
    http = await listen(built.app.fetch, { port: opts.port ?? config.PORT, hostname: opts.hostname });
  } catch (err) {
    await built.close();
    throw err;
  }
  const workers = built.workers ?? [];
  for (const w of workers) w.start();
  logger.info({ port: http.port, workers: workers.map((w) => w.name) }, 'service started');
  void reportStartupChecks(built.checks, logger);

  const deadlineMs = opts.shutdownDeadlineMs ?? SHUTDOWN_DEADLINE_MS;
  let stopping: Promise<ShutdownResult> | undefined;
  const shutdown = async (): Promise<ShutdownResult> => {
    shuttingDown = true;
    const started = Date.now();
    const remaining = (): number => Math.max(0, deadlineMs - (Date.now() - started));
    logger.info({ inFlight: http.inFlight(), deadlineMs }, 'shutdown: draining');
    let clean = await http.close(deadlineMs);
    try {
      await withTimeout(Promise.all(workers.map((w) => w.stop())), remaining(), 'stopping workers');
      await withTimeout(built.close(), remaining(), 'closing clients');
    } catch (err) {
      clean = false;
      logger.error({ err }, 'shutdown: cleanup failed');
    }
    logger.info({ clean, durationMs: Date.now() - started }, 'shutdown: done');
    return { clean };
  };
  return { url: http.url, port: http.port, logger, stop: () => (stopping ??= shutdown()) };
};

const reportStartupChecks = async (checks: readonly HealthCheck[], logger: Logger): Promise<void> => {
  const results = await runChecks(checks);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) logger.warn({ failed }, 'start-up: some dependencies are not ready');
  else logger.info({ checks: results.map((r) => r.name) }, 'start-up: dependencies ready');
};

/**
 * Entry point for a service's main.ts: start telemetry (OpenTelemetry from the OTEL_* variables,
 * before any client exists: telemetry/sdk.ts), then the service from process.env; SIGTERM/SIGINT
 * → graceful stop → telemetry flushed → exit 0 (1 if the deadline was hit); a config error or
 * start-up failure → exit 1.
 */
export const runMain = <C extends BaseConfig>(def: ServiceDefinition<C>): void => {
  const telemetry = startTelemetry(def.name, process.env);
  const fallback = createLogger({ service: def.name, level: 'info' });
  const fail = (err: unknown, msg: string): never => {
    if (err instanceof ConfigError) fallback.fatal({ issues: err.issues }, err.message);
    else fallback.fatal({ err }, msg);
    process.exit(1);
  };
  startService(def, { env: process.env }).then(
    (running) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        running.logger.info({ signal }, 'signal received');
        void running.stop().then(async ({ clean }) => {
          await withTimeout(telemetry.shutdown(), TELEMETRY_FLUSH_MS, 'flushing telemetry').catch((err: unknown) =>
            running.logger.warn({ err }, 'shutdown: telemetry not flushed'),
          );
          process.exit(clean ? 0 : 1);
        });
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      process.on('uncaughtException', (err) => fail(err, 'uncaught exception'));
      process.on('unhandledRejection', (err) => fail(err, 'unhandled rejection'));
    },
    (err: unknown) => fail(err, 'start-up failed'),
  );
};
