/**
 * The cdktf app: for each environment in envs/, the platform stack and one stack per catalog
 * service (modules/stacks). `cdktf synth|deploy` runs this file (cdktf.json: `npx tsx main.ts`);
 * `npm run synth` and `npm run validate` call `buildApp` directly.
 *
 * PLATFORM_VALIDATION_MODE=1 switches every stack to validation mode (docs/decisions/0002). The policy
 * pack (modules/policy) runs over every stack: unsuppressed errors fail synthesis.
 */
import { App } from 'cdktf';
import { loadEnvironments } from './envs';
import { loadDelivery } from './envs/delivery';
import { BootstrapStack } from './modules/bootstrap/bootstrap-stack';
import { DeliveryStack } from './modules/delivery/delivery-stack';
import { applyPolicyPack } from './modules/policy';
import { bootstrapStackName, DELIVERY_STACK_NAME, platformStackName, serviceStackName } from './modules/stacks/naming';
import { PlatformStack } from './modules/stacks/platform-stack';
import { ServiceStack } from './modules/stacks/service-stack';
import { catalog as defaultCatalog, ENVIRONMENT_NAMES, type Catalog } from './services/catalog';

export interface BuildOptions {
  /** Where stacks are written; default: cdktf's (CDKTF_OUTDIR or `cdktf.out`). */
  readonly outdir?: string;
  readonly validationMode: boolean;
  /** The services to build stacks for; default the catalog (the scale bench passes a generated one). */
  readonly catalog?: Catalog;
}

export function buildApp(options: BuildOptions): App {
  const catalog = options.catalog ?? defaultCatalog;
  const environments = loadEnvironments(catalog);
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  const { validationMode } = options;
  for (const name of ENVIRONMENT_NAMES) {
    const config = environments[name];
    new PlatformStack(app, platformStackName(name), { config, catalog, validationMode });
    for (const spec of catalog.services) {
      new ServiceStack(app, serviceStackName(name, spec.name), { config, catalog, spec, validationMode });
    }
  }
  // Delivery (docs/decisions/0012): a bootstrap stack per environment account, the tooling account's pipelines.
  const delivery = loadDelivery(environments, catalog);
  for (const name of ENVIRONMENT_NAMES) {
    new BootstrapStack(app, bootstrapStackName(name), {
      environment: environments[name],
      delivery,
      catalog,
      validationMode,
    });
  }
  new DeliveryStack(app, DELIVERY_STACK_NAME, {
    delivery,
    environments: ENVIRONMENT_NAMES.map((name) => environments[name]),
    catalog,
    validationMode,
  });
  // Every synth runs the policy pack (docs/policy-rules.md): an error fails it.
  applyPolicyPack(app);
  return app;
}

export const validationModeFromEnv = (env: NodeJS.ProcessEnv = process.env): boolean =>
  ['1', 'true'].includes((env.PLATFORM_VALIDATION_MODE ?? '').toLowerCase());

if (require.main === module) {
  buildApp({ validationMode: validationModeFromEnv() }).synth();
}
