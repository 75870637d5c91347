import type { RunningEngines } from '../../scripts/engines';
import { ENGINES_HANDLE } from './engine-vars';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<symbol, unknown>)[ENGINES_HANDLE] as RunningEngines | undefined)?.stopAll();
}
