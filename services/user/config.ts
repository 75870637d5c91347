import { findService } from '../catalog';
import {
  baseShape,
  loadConfig,
  postgresShape,
  queuesShape,
  queueUrl,
  redisShape,
  signingKeySource,
  sqsShape,
  tokenSettings,
  tokenSignShape,
  tokenVerifyShape,
} from '../kit/config';

export const spec = findService('user');

const shape = {
  ...baseShape,
  // The catalog's `tokens: 'sign'`: the only service that issues tokens; it verifies them too.
  ...tokenVerifyShape,
  ...tokenSignShape,
  ...postgresShape,
  ...redisShape,
  ...sqsShape,
  // QUEUE_EVENTS_URL, derived from the catalog like the task definition's environment.
  ...queuesShape(spec.needs.publishes ?? []),
};

export function loadUserConfig(env: NodeJS.ProcessEnv) {
  const raw = loadConfig(shape, env);
  return { ...raw, eventsQueueUrl: queueUrl(raw, 'events'), tokens: tokenSettings(raw), signing: signingKeySource(raw) };
}

export type UserConfig = ReturnType<typeof loadUserConfig>;
