import { Grant, type IGrantable } from './grants';
import type { IKey } from './kms-key';

/** Read access to one secret encrypted with `kmsKey`: GetSecretValue on it, Decrypt through Secrets Manager only. */
export function grantSecretRead(grantee: IGrantable, secretArn: string, kmsKey: IKey): Grant {
  return Grant.combine(
    Grant.add(grantee, { actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
    kmsKey.grantDecrypt(grantee, 'secretsmanager'),
  );
}
