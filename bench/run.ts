/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks one after another (they compete for the
 * same two cores, so never in parallel). Each writes JSON + Markdown to bench/results/ and
 * reports its target as a ratio against a baseline measured in the same run.
 */
import { runInfraBench } from './infra';
import { runKitMiddlewareBench } from './kit-middleware';
import { runPaymentBench } from './payment';
import { runUserBench } from './user';

const benches: Record<string, () => Promise<unknown>> = {
  infra: runInfraBench,
  'kit-middleware': runKitMiddlewareBench,
  user: runUserBench,
  payment: runPaymentBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
  }
  for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
    console.log(`\n=== bench: ${name} ===`);
    await benches[name]();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
