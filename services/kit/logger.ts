import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Where JSON lines go; stdout by default (awslogs picks it up). Tests pass a capture stream. */
  destination?: pino.DestinationStream;
}

/** Paths never written to logs, whatever a caller passes in. */
export const REDACT_PATHS = [
  'authorization',
  'password',
  'token',
  'accessToken',
  '*.authorization',
  '*.password',
  '*.token',
  '*.accessToken',
  'headers.authorization',
  'req.headers.authorization',
];

/** pino JSON logger; request-scoped children carry `requestId` (see app.ts). */
export const createLogger = ({ service, level, destination }: LoggerOptions): Logger =>
  pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    // Asynchronous stdout: lines written while a write is in flight are coalesced into one
    // syscall under load (pino flushes synchronously on process exit, so nothing is lost).
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
