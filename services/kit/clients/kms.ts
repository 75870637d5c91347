import { KMSClient } from '@aws-sdk/client-kms';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

/** KMS in the service's region; `endpoint` only for a local stand-in in tests (there is no local KMS). */
export const createKms = (cfg: AwsConfig, endpoint?: string, tuning?: AwsClientTuning): KMSClient =>
  new KMSClient(awsClientConfig(cfg, endpoint, tuning));
