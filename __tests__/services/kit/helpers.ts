/** Shared by the kit tests: a silent-or-captured logger and a minimal valid environment. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../services/kit/logger';

export interface CapturedLogger {
  logger: Logger;
  lines: () => Record<string, unknown>[];
}

/** A real pino logger writing JSON lines into memory. */
export const captureLogger = (service = 'kit-test'): CapturedLogger => {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service, level: 'debug', destination });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
};

export const JWT = {
  issuer: 'http://localhost:8080',
  audience: 'platform-api',
};

export const baseEnv = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SERVICE_NAME: 'kit-test',
  PORT: '0',
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  AWS_REGION: 'us-east-1',
  ...over,
});
