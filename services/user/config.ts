import { findService } from '../catalog';
import { baseShape, loadConfig, postgresShape, queuesShape, queueUrl, redisShape, sqsShape } from '../kit/config';

export const spec = findService('user');

const shape = {
  ...baseShape,
  ...postgresShape,
  ...redisShape,
  ...sqsShape,
  // QUEUE_EVENTS_URL, derived from the catalog like the task definition's environment.
  ...queuesShape(spec.needs.publishes ?? []),
};

export function loadUserConfig(env: NodeJS.ProcessEnv) {
  const raw = loadConfig(shape, env);
  return { ...raw, eventsQueueUrl: queueUrl(raw, 'events') };
}

export type UserConfig = ReturnType<typeof loadUserConfig>;
