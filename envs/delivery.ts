import { catalog, type Catalog } from '../services/catalog';
import { loadDeliveryConfig, type DeliveryConfig, type DeliveryInput } from './delivery-schema';

/**
 * The tooling account: one account outside the environments holds the delivery stack (GitHub
 * connection, artifact bucket, one pipeline per service plus the platform's). Each pipeline
 * deploys into an environment account by assuming that account's deploy role for its unit
 * (docs/decisions/0012).
 */
export const delivery: DeliveryInput = {
  accountId: '444444444444',
  region: 'eu-west-1',
  costCenter: 'platform-tooling',
  repository: { owner: 'example-org', name: 'platform' },
  branch: 'main',
  state: { bucket: 'example-platform-tfstate-444444444444' },
  approvalBefore: ['prod'],
};

/** The checked delivery config for these environments (the catalog by default). */
export const loadDelivery = (environments: Parameters<typeof loadDeliveryConfig>[1], from: Catalog = catalog): DeliveryConfig =>
  loadDeliveryConfig(delivery, environments, from);
