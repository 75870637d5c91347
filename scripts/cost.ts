/**
 * `npm run cost [-- --env <name>] [-- --json]`: the monthly cost of each environment, derived from
 * envs/ and the catalog with the unit prices of scripts/cost/prices.ts. Runs offline.
 */
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../envs';
import { catalog, ENVIRONMENT_NAMES, type EnvironmentName } from '../services/catalog';
import { DEFAULT_ASSUMPTIONS } from './cost/assumptions';
import { estimate } from './cost/estimate';
import { formatJson, formatTable } from './cost/format';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `usage: npm run cost -- [--env ${ENVIRONMENT_NAMES.join('|')}] [--json]`;

/** The report for these arguments (without the node/script prefix). */
export function costReport(args: readonly string[]): string {
  let values: { env?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: [...args], options: { env: { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.env !== undefined && !(ENVIRONMENT_NAMES as readonly string[]).includes(values.env)) {
    throw new UsageError(`unknown environment "${values.env}" (expected one of ${ENVIRONMENT_NAMES.join(', ')})\n${USAGE}`);
  }
  const names = values.env ? [values.env as EnvironmentName] : ENVIRONMENT_NAMES;
  const environments = loadEnvironments(catalog);
  const estimates = names.map((name) => estimate(environments[name], catalog, DEFAULT_ASSUMPTIONS[name]));
  return values.json ? formatJson(estimates) : estimates.map(formatTable).join('\n\n');
}

if (require.main === module) {
  try {
    console.log(costReport(process.argv.slice(2)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
