import { findService } from '../catalog';
import {
  baseShape,
  callerKeySource,
  serviceCalleeShape,
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
  // The callee side of `calls`: the public keys of the services that call it.
  ...serviceCalleeShape,
};

export function loadUserConfig(env: NodeJS.ProcessEnv) {
  const raw = loadConfig(shape, env);
  return { ...raw, eventsQueueUrl: queueUrl(raw, 'events'), tokens: tokenSettings(raw), signing: signingKeySource(raw), callers: callerKeySource(raw) };
}

export type UserConfig = ReturnType<typeof loadUserConfig>;
