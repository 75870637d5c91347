import pino from 'pino';
import { activeTraceIds } from './telemetry/trace-context';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Where JSON lines go; stdout by default (awslogs picks it up). Tests pass a capture stream. */
  destination?: pino.DestinationStream;
}

export const REDACTED = '[redacted]';

/**
 * Field names whose values never reach a log, at any depth: passwords, hashes (passwordHash,
 * password_hash), tokens, secrets, authorization and cookie headers, credentials and keys.
 */
export const SECRET_KEY = /passw(or)?d|passphrase|hash|token|secret|authori[sz]ation|cookie|credential|api[-_]?key|private[-_]?key/i;

/**
 * Error fields that carry the values a statement ran with: drizzle's `params`, other drivers'
 * `parameters`/`bindings`/`values`; PostgreSQL's `detail` (e.g. "Failing row contains (…)",
 * "Key (email)=(…) already exists"), `where` and `internalQuery`. Dropped from logged errors.
 */
const PARAM_FIELDS = ['params', 'parameters', 'bindings', 'values'];
const VALUE_FIELDS = new Set([...PARAM_FIELDS, 'detail', 'where', 'internalQuery']);
/** What a message that quotes its parameters appends: drizzle's `Failed query: …\nparams: …`. */
const QUOTED_PARAMS = /\n\s*params:[\s\S]*$/;
/** SQLSTATE class 22 (data exception) messages quote the offending value: `invalid input syntax for type uuid: "…"`. */
const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;
/** First to last double quote: a quoted value may itself contain quotes. */
const QUOTED = /"[\s\S]*"/;

/** Deeper than this, values are replaced (log lines stay small and the walk stays cheap). */
const MAX_DEPTH = 8;

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** An error's message without the values a database driver quotes in it. */
const safeMessage = (err: Error): string => {
  let message = String(err.message);
  if (PARAM_FIELDS.some((field) => field in err)) message = message.replace(QUOTED_PARAMS, '');
  const { code } = err as Error & { code?: unknown };
  if (typeof code === 'string' && DATA_EXCEPTION.test(code)) message = message.replace(QUOTED, `"${REDACTED}"`);
  return message;
};

/** The stack with its first lines (`Name: message`) rebuilt from the safe message. */
const safeStack = (err: Error, type: string, message: string): string | undefined => {
  if (typeof err.stack !== 'string') return undefined;
  const frames = err.stack.search(/\n\s+at /);
  return `${type}: ${message}${frames >= 0 ? err.stack.slice(frames) : ''}`;
};

type Seen = Set<object>;

const serializeError = (err: Error, depth: number, seen: Seen): Record<string, unknown> => {
  const type = err.constructor?.name && err.constructor.name !== 'Error' ? err.constructor.name : err.name;
  const message = safeMessage(err);
  const out: Record<string, unknown> = { type, message, stack: safeStack(err, type, message) };
  for (const key of Object.keys(err)) {
    if (key in out || VALUE_FIELDS.has(key)) continue;
    out[key] = SECRET_KEY.test(key) ? REDACTED : walk((err as unknown as Record<string, unknown>)[key], depth + 1, seen);
  }
  if (err.cause !== undefined && !('cause' in out)) out.cause = walk(err.cause, depth + 1, seen);
  if (err instanceof AggregateError) out.errors = walk(err.errors, depth + 1, seen);
  return out;
};

/**
 * A copy of `value` that is safe to log: secret-named fields redacted and errors serialized
 * without parameter values, at any depth. Returns `value` itself when nothing needed changing
 * (the common case, e.g. an access-log line), so a log call allocates nothing extra.
 */
const walk = (value: unknown, depth: number, seen: Seen): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const safe = walk(item, depth + 1, seen);
        if (safe !== item) (copy ??= [...value])[i] = safe;
      });
      return copy ?? value;
    }
    if (!isPlainObject(value)) {
      // Class instances are logged as JSON.stringify would write them: check that form.
      const json = (value as { toJSON?: () => unknown }).toJSON?.();
      if (json !== undefined) return json === value ? value : walk(json, depth, seen);
      if (ArrayBuffer.isView(value)) return value;
    }
    let copy: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const safe = SECRET_KEY.test(key) && item !== undefined ? REDACTED : walk(item, depth + 1, seen);
      if (safe !== item) (copy ??= { ...record })[key] = safe;
    }
    return copy ?? value;
  } finally {
    seen.delete(value);
  }
};

/** `redact(obj)`: what every log line and child binding goes through (exported for tests and other sinks). */
export const redact = <T>(value: T): T => walk(value, 0, new Set()) as T;

/** Idempotent: a serialized error (a plain object) passes through. */
const errSerializer = (err: unknown): unknown => (err instanceof Error ? redact(err) : err);

/**
 * pino JSON logger; request-scoped children carry `requestId` (see app.ts), and every line written
 * while a span is active carries its `trace_id` and `span_id` (telemetry/trace-context.ts).
 */
export const createLogger = ({ service, level, destination }: LoggerOptions): Logger => {
  const logger = pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redact(bindings),
        log: (obj) => redact(obj),
      },
      serializers: { err: errSerializer },
      // A fresh object each time: pino merges the line's fields into what the mixin returns.
      mixin: () => activeTraceIds() ?? {},
      hooks: {
        // pino uses an error's message as the line's message when none is given
        // (`logger.error(err)`, `logger.error({ err })`): give it the safe message instead.
        logMethod(args, method) {
          const [first] = args;
          if (args.length === 1 && first !== null && typeof first === 'object') {
            const err = first instanceof Error ? first : (first as { err?: unknown }).err;
            if (err instanceof Error) {
              method.apply(this, [first instanceof Error ? { err } : first, safeMessage(err)]);
              return;
            }
          }
          method.apply(this, args);
        },
      },
    },
    // Asynchronous stdout: lines written while a write is in flight are coalesced into one
    // syscall under load (pino flushes synchronously on process exit, so nothing is lost).
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  // pino formats a child's bindings without `formatters.bindings`: redact them on the way in.
  // Children inherit this method from the root logger (pino builds them with Object.create).
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    return child.call(this, redact(bindings), options);
  } as Logger['child'];
  return logger;
};
