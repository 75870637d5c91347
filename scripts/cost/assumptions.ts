/**
 * Usage assumptions of `npm run cost`: what the configs and the catalog cannot say (traffic, data
 * volumes, average scale). Each is named and printed with the estimate; change them here.
 */
import type { EnvironmentName } from '../../services/catalog';

export interface UsageAssumptions {
  /** Hours billed per month (AWS's 730 = 8,760 / 12). */
  readonly hoursPerMonth: number;
  /** Average running tasks per service = minTasks + scaleOutShare × (maxTasks − minTasks). */
  readonly scaleOutShare: number;
  /** OpenTelemetry collector sidecar per task, added to the task size (to align with the task definition). */
  readonly otelSidecar: { readonly cpuUnits: number; readonly memoryMiB: number };
  /** Viewer traffic through CloudFront → WAF → ALB, as an average hour (peaks cost more LCUs). */
  readonly traffic: {
    readonly requestsPerMonth: number;
    readonly averageResponseKiB: number;
    readonly averageRequestKiB: number;
    /** Share of requests that open a new ALB connection (CloudFront reuses origin connections). */
    readonly newConnectionsPerRequest: number;
  };
  /** GB through the NAT gateways per month (image pulls and AWS APIs when there are no interface endpoints, SES, updates). */
  readonly natProcessedGbPerMonth: number;
  /** GB through the interface endpoints per month (only when the environment has them). */
  readonly interfaceEndpointGbPerMonth: number;
  readonly aurora: {
    /** Average capacity per instance = min + averageCapacityShare × (max − min) ACU; readers scale like the writer. */
    readonly averageCapacityShare: number;
    readonly storageGb: number;
    readonly ioRequestsPerMonth: number;
    /** Share of the data changed per day; backups beyond 100 % of the volume ≈ storage × share × retention days. */
    readonly dailyChangeShare: number;
  };
  /** Snapshot size; snapshots beyond the first free one are billed. */
  readonly cache: { readonly dataGb: number };
  readonly dynamodb: {
    readonly readRequestUnitsPerMonth: number;
    readonly writeRequestUnitsPerMonth: number;
    /** All tables and indexes; PITR is billed on the same size. */
    readonly storageGb: number;
  };
  readonly sqs: {
    readonly messagesPerMonth: number;
    /** Send + receive + delete per message (each up to 64 KB). */
    readonly requestsPerMessage: number;
    /** Long-polling receivers per consumer task (each receive waits the queue's receiveWaitSeconds when idle). */
    readonly pollersPerConsumerTask: number;
  };
  readonly logs: {
    readonly appGbPerTaskMonth: number;
    readonly flowLogGbPerMonth: number;
    /** Per data-store log group (Aurora postgresql log, cache slow log). */
    readonly dataStoreLogGbPerMonth: number;
    /** Per edge log group (CloudFront access log, WAF log; both follow the request volume). */
    readonly edgeLogGbPerMonth: number;
  };
  /** Application (EMF/OTLP) and Container Insights metrics per service. */
  readonly customMetricsPerService: number;
  readonly kmsRequestsPerMonth: number;
  readonly secretsManagerApiCallsPerMonth: number;
  /** Non-alias queries (alias A/AAAA records to CloudFront are free). */
  readonly route53QueriesPerMonth: number;
  /** Unique layer data per repository (30 tagged images kept, sharing base layers). */
  readonly ecrGbPerRepository: number;
}

const shared = {
  hoursPerMonth: 730,
  otelSidecar: { cpuUnits: 64, memoryMiB: 128 },
  sqs: { requestsPerMessage: 3, pollersPerConsumerTask: 1 },
  ecrGbPerRepository: 1.5,
} as const;

export const DEFAULT_ASSUMPTIONS: Readonly<Record<EnvironmentName, UsageAssumptions>> = {
  dev: {
    ...shared,
    scaleOutShare: 0,
    traffic: { requestsPerMonth: 1_000_000, averageResponseKiB: 8, averageRequestKiB: 2, newConnectionsPerRequest: 0.1 },
    natProcessedGbPerMonth: 30,
    interfaceEndpointGbPerMonth: 0,
    aurora: { averageCapacityShare: 0, storageGb: 2, ioRequestsPerMonth: 5_000_000, dailyChangeShare: 0.02 },
    cache: { dataGb: 0.1 },
    dynamodb: { readRequestUnitsPerMonth: 2_000_000, writeRequestUnitsPerMonth: 1_000_000, storageGb: 1 },
    sqs: { ...shared.sqs, messagesPerMonth: 20_000 },
    logs: { appGbPerTaskMonth: 1, flowLogGbPerMonth: 2, dataStoreLogGbPerMonth: 0.2, edgeLogGbPerMonth: 0.2 },
    customMetricsPerService: 20,
    kmsRequestsPerMonth: 200_000,
    secretsManagerApiCallsPerMonth: 5_000,
    route53QueriesPerMonth: 10_000,
  },
  staging: {
    ...shared,
    scaleOutShare: 0,
    traffic: { requestsPerMonth: 5_000_000, averageResponseKiB: 8, averageRequestKiB: 2, newConnectionsPerRequest: 0.1 },
    natProcessedGbPerMonth: 10,
    interfaceEndpointGbPerMonth: 30,
    aurora: { averageCapacityShare: 0.1, storageGb: 10, ioRequestsPerMonth: 30_000_000, dailyChangeShare: 0.02 },
    cache: { dataGb: 0.5 },
    dynamodb: { readRequestUnitsPerMonth: 10_000_000, writeRequestUnitsPerMonth: 4_000_000, storageGb: 5 },
    sqs: { ...shared.sqs, messagesPerMonth: 200_000 },
    logs: { appGbPerTaskMonth: 0.5, flowLogGbPerMonth: 5, dataStoreLogGbPerMonth: 0.5, edgeLogGbPerMonth: 2 },
    customMetricsPerService: 20,
    kmsRequestsPerMonth: 500_000,
    secretsManagerApiCallsPerMonth: 10_000,
    route53QueriesPerMonth: 50_000,
  },
  prod: {
    ...shared,
    scaleOutShare: 0.1,
    traffic: { requestsPerMonth: 100_000_000, averageResponseKiB: 8, averageRequestKiB: 2, newConnectionsPerRequest: 0.1 },
    natProcessedGbPerMonth: 50,
    interfaceEndpointGbPerMonth: 300,
    aurora: { averageCapacityShare: 0.2, storageGb: 100, ioRequestsPerMonth: 500_000_000, dailyChangeShare: 0.02 },
    cache: { dataGb: 5 },
    dynamodb: { readRequestUnitsPerMonth: 150_000_000, writeRequestUnitsPerMonth: 40_000_000, storageGb: 50 },
    sqs: { ...shared.sqs, messagesPerMonth: 5_000_000 },
    logs: { appGbPerTaskMonth: 1, flowLogGbPerMonth: 60, dataStoreLogGbPerMonth: 2, edgeLogGbPerMonth: 60 },
    customMetricsPerService: 20,
    kmsRequestsPerMonth: 5_000_000,
    secretsManagerApiCallsPerMonth: 20_000,
    route53QueriesPerMonth: 500_000,
  },
};
