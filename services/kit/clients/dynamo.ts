import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HealthCheck } from '../health';
import { instrumentAwsClient } from '../telemetry/instrument';
import { awsClientConfig, type AwsClientTuning, type AwsConfig } from './aws';

export interface DynamoConfig extends AwsConfig {
  DYNAMODB_ENDPOINT?: string;
}

export interface Dynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

export const createDynamo = (cfg: DynamoConfig, tuning?: AwsClientTuning): Dynamo => {
  const client = instrumentAwsClient(new DynamoDBClient(awsClientConfig(cfg, cfg.DYNAMODB_ENDPOINT, tuning)));
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
};

/** Readiness: the table is reachable and ACTIVE (needs dynamodb:DescribeTable, part of the table grant). */
export const dynamoHealthCheck = (client: DynamoDBClient, table: string): HealthCheck => ({
  name: `dynamodb:${table}`,
  check: async () => {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    if (out.Table?.TableStatus !== 'ACTIVE' && out.Table?.TableStatus !== 'UPDATING') {
      throw new Error(`table ${table} is ${out.Table?.TableStatus ?? 'unknown'}`);
    }
  },
});
