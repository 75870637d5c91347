import { SESClient } from '@aws-sdk/client-ses';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

/** SES in the service's region (no local endpoint: locally NOTIFICATION_SENDER=log). */
export const createSes = (cfg: AwsConfig, tuning?: AwsClientTuning): SESClient =>
  new SESClient(awsClientConfig(cfg, undefined, tuning));
