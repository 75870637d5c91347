/**
 * Delivery units: what one pipeline builds and deploys. One for the platform, one per catalog
 * service; everything per unit (pipeline, CodeBuild jobs, deploy roles, state keys, trigger paths)
 * derives from this list, so a new catalog entry gets its pipeline and roles with no other change.
 */
import type { Catalog, EnvironmentName } from '../../services/catalog';
import { IMAGE_TAG_VARIABLE, platformStackName, platformStateKey, serviceStackName, serviceStateKey } from '../stacks/naming';

export const PLATFORM_UNIT = 'platform';

/**
 * What every stack is built from. A change here can change any stack, so it runs every pipeline
 * (each applies only its own stack): a pipeline that did not run when its stack's code changed
 * would leave the environment behind main until an unrelated commit deployed the change.
 */
export const INFRASTRUCTURE_PATHS = [
  'modules/**',
  'envs/**',
  'main.ts',
  'services/catalog*.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'delivery/buildspecs/**',
  'scripts/synth*.ts',
  'scripts/plan-guard.ts',
] as const;

/** What a service's image is built from, besides the infrastructure. */
export const serviceImagePaths = (service: string): readonly string[] => [
  `services/${service}/**`,
  'services/kit/**',
  'scripts/build-services.ts',
];

export interface DeliveryUnit {
  /** `platform` or the catalog service name. */
  readonly name: string;
  /** Set for service units: the image repository and the test folder are named after it. */
  readonly service?: string;
  /** The stack this unit applies in an environment. */
  stackName(env: EnvironmentName): string;
  /** The state key of that stack: the only key the unit's deploy role may write. */
  stateKey(env: EnvironmentName): string;
  /** Terraform variable carrying the image tag (service units). */
  readonly imageTagVariable?: string;
  /** Git paths whose change on the main branch starts this unit's pipeline. */
  readonly triggerPaths: readonly string[];
}

export function deliveryUnits(catalog: Catalog): readonly DeliveryUnit[] {
  const platform: DeliveryUnit = {
    name: PLATFORM_UNIT,
    stackName: platformStackName,
    stateKey: platformStateKey,
    triggerPaths: INFRASTRUCTURE_PATHS,
  };
  const services = catalog.services.map(
    (spec): DeliveryUnit => ({
      name: spec.name,
      service: spec.name,
      stackName: (env) => serviceStackName(env, spec.name),
      stateKey: (env) => serviceStateKey(env, spec.name),
      imageTagVariable: IMAGE_TAG_VARIABLE,
      triggerPaths: [...serviceImagePaths(spec.name), ...INFRASTRUCTURE_PATHS],
    }),
  );
  return [platform, ...services];
}
