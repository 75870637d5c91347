/**
 * The validated environment configs. Importing this module checks every environment (and the
 * catalog first), so a broken config fails before any construct is built.
 */
import { catalog, type EnvironmentName } from '../services/catalog';
import { validateCatalog } from '../services/catalog-validation';
import { dev } from './dev';
import { prod } from './prod';
import { loadEnvironment, type EnvironmentConfig, type EnvironmentInput } from './schema';
import { staging } from './staging';

export type { EnvironmentConfig } from './schema';

const inputs: Record<EnvironmentName, EnvironmentInput> = { dev, staging, prod };

/** Loads every environment against `from` (the catalog by default); throws on the first problem. */
export function loadEnvironments(from = catalog): Record<EnvironmentName, EnvironmentConfig> {
  validateCatalog(from);
  return {
    dev: loadEnvironment('dev', inputs.dev, from),
    staging: loadEnvironment('staging', inputs.staging, from),
    prod: loadEnvironment('prod', inputs.prod, from),
  };
}
