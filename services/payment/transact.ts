import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** One item of a document-client TransactWriteItems call. */
export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
