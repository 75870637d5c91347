import { SESClient } from '@aws-sdk/client-ses';
import { awsClientConfig, type AwsClientTuning } from './aws';

/** SES in the service's region (no local endpoint: locally NOTIFICATION_SENDER=log). */
export const createSes = (cfg: { AWS_REGION: string }, tuning?: AwsClientTuning): SESClient =>
  new SESClient(awsClientConfig(cfg.AWS_REGION, undefined, tuning));
