/**
 * The engines of a bench that needs DynamoDB Local and fauxqs only (payment, consumer): started
 * here unless DYNAMODB_ENDPOINT / SQS_ENDPOINT name running ones. Each engine started here adds
 * its stop to `stops`.
 */
import { startDynamoDb, startSqs, type Engines } from '../scripts/engines';

export const startAwsEngines = async (bench: string, stops: (() => Promise<void>)[]): Promise<Engines> => {
  const dynamodb = process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : await startDynamoDb();
  if ('destroy' in dynamodb) stops.push(dynamodb.destroy);
  const sqs = process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : await startSqs();
  if ('destroy' in sqs) stops.push(sqs.destroy);
  return {
    postgres: { url: '', createDatabase: () => Promise.reject(new Error(`the ${bench} bench provisions no database`)) },
    redis: { url: '' },
    dynamodb: { endpoint: dynamodb.endpoint },
    sqs: { endpoint: sqs.endpoint },
  };
};
