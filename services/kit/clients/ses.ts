import { SESClient } from '@aws-sdk/client-ses';
import { instrumentAwsClient } from '../telemetry/instrument';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

/** SES in the service's region (no local endpoint: locally NOTIFICATION_SENDER=log). */
export const createSes = (cfg: AwsConfig, tuning?: AwsClientTuning): SESClient =>
  instrumentAwsClient(new SESClient(awsClientConfig(cfg, undefined, tuning)));
