/**
 * Jest global setup (project `services`): starts the local engines once for the whole run and
 * hands their addresses to the workers through TEST_* variables (workers fork after this).
 * DATABASE_URL / REDIS_URL / DYNAMODB_ENDPOINT / SQS_ENDPOINT reuse already-running engines.
 */
import { engineUrls, startEngines } from '../../scripts/engines';
import { ENGINES_HANDLE, TEST_ENGINE_VARS } from './engine-vars';

export default async function globalSetup(): Promise<void> {
  const engines = await startEngines();
  const urls = engineUrls(engines);
  for (const [key, variable] of Object.entries(TEST_ENGINE_VARS)) process.env[variable] = urls[key as keyof typeof urls];
  (globalThis as Record<symbol, unknown>)[ENGINES_HANDLE] = engines;
}
