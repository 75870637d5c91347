import { KMSClient } from '@aws-sdk/client-kms';
import { instrumentAwsClient } from '../telemetry/instrument';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

/** KMS in the service's region; `endpoint` only for a local stand-in in tests (there is no local KMS). */
export const createKms = (cfg: AwsConfig, endpoint?: string, tuning?: AwsClientTuning): KMSClient =>
  instrumentAwsClient(new KMSClient(awsClientConfig(cfg, endpoint, tuning)));
