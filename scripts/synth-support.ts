/** Shared by `npm run synth` and `npm run validate`: synthesize, and turn config errors into one line. */
import { EnvironmentConfigError } from '../envs/schema';
import { buildApp } from '../main';
import { PolicyViolationError, synthesizeWithPolicy } from '../modules/policy';
import { CatalogError } from '../services/catalog-validation';

/** Synthesizes every stack; prints the policy pack's open warnings; throws on its errors. */
export function synthesize(outdir: string, validationMode: boolean): void {
  // Warnings (and the pack's one-line summary) are printed; errors throw PolicyViolationError.
  synthesizeWithPolicy(buildApp({ outdir, validationMode }));
}

/** Runs `main`; a configuration error prints its one message (no stack) and exits 1. */
export async function run(main: () => void | Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof EnvironmentConfigError || error instanceof CatalogError) {
      console.error(`configuration error: ${error.message}`);
    } else if (error instanceof PolicyViolationError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  }
}
