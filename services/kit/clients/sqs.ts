import { SQSClient } from '@aws-sdk/client-sqs';
import { instrumentAwsClient } from '../telemetry/instrument';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

export interface SqsConfig extends AwsConfig {
  SQS_ENDPOINT?: string;
}

/** The queue's name, the last segment of its URL (span names, `messaging.destination.name`). */
export const queueNameOf = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

export interface SqsOptions extends AwsClientTuning {
  /** Consumers long-polling with WaitTimeSeconds=N: the request timeout becomes N + 5 s. */
  longPollSeconds?: number;
}

export const createSqs = (cfg: SqsConfig, { longPollSeconds, ...tuning }: SqsOptions = {}): SQSClient =>
  instrumentAwsClient(
    new SQSClient(
      awsClientConfig(cfg, cfg.SQS_ENDPOINT, {
        ...tuning,
        requestTimeoutMs: longPollSeconds === undefined ? tuning.requestTimeoutMs : (longPollSeconds + 5) * 1000,
      }),
    ),
  );
