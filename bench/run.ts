/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks one after another (they compete for the
 * same two cores, so never in parallel). Each writes bench/results/<name>.{json,md} through
 * bench/report.ts and ends with a one-line summary; the summaries are repeated at the end.
 * `BENCH_VALIDATE=1` adds `npm run validate` of every stack to the scale bench (slow).
 */
import { runConsumerBench } from './consumer';
import { runInfraBench } from './infra';
import { runKitMiddlewareBench } from './kit-middleware';
import { runPaymentBench } from './payment';
import { runScaleBench } from './scale';
import { runStartupBench } from './startup';
import { runUserBench } from './user';

const benches: Record<string, () => Promise<{ summary?: string } | unknown>> = {
  user: runUserBench,
  payment: runPaymentBench,
  consumer: runConsumerBench,
  startup: runStartupBench,
  scale: runScaleBench,
  infra: runInfraBench,
  'kit-middleware': runKitMiddlewareBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
  }
  const summaries: string[] = [];
  for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
    console.log(`\n=== bench: ${name} ===`);
    const result = await benches[name]!();
    const summary = (result as { summary?: string } | undefined)?.summary;
    summaries.push(summary ?? `${name}: see bench/results/${name}.md`);
  }
  console.log(`\n=== summary ===\n${summaries.join('\n')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
