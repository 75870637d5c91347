/** `npm run synth`: real-mode synthesis of every stack into cdktf.out/stacks/<stack>. */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { run, synthesize } from './synth-support';

const OUT_DIR = 'cdktf.out';

void run(() => {
  const started = performance.now();
  synthesize(OUT_DIR, false);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { stacks } = JSON.parse(readFileSync(`${OUT_DIR}/manifest.json`, 'utf8')) as { stacks: Record<string, unknown> };
  console.log(`synthesized ${Object.keys(stacks).length} stacks into ${OUT_DIR}/stacks in ${seconds} s: ${Object.keys(stacks).sort().join(', ')}`);
});
