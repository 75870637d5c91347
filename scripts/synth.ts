/** `npm run synth`: real-mode synthesis of every environment into cdktf.out/stacks/<env>. */
import { performance } from 'node:perf_hooks';
import { ENVIRONMENT_NAMES } from '../services/catalog';
import { run, synthesize } from './synth-support';

void run(() => {
  const started = performance.now();
  synthesize('cdktf.out', false);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`synthesized ${ENVIRONMENT_NAMES.map((e) => `cdktf.out/stacks/${e}`).join(', ')} in ${seconds} s`);
});
