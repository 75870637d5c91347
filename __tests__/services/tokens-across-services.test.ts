/**
 * Only the user service mints tokens; payment and notification verify them with public keys only
 * (docs/decisions/0008). Real services in process on one namespace: a user-service token is
 * accepted everywhere; an HS256 token (the old scheme) and tokens signed by an unknown key are
 * refused everywhere. Then the same through KMS (a stand-in speaking the KMS protocol), with a
 * signing-key rollover: two kids accepted during the overlap.
 */
import { randomUUID } from 'node:crypto';
import type { RunningService } from '../../services/kit/service';
import { createKms } from '../../services/kit/clients/kms';
import { issueAccessToken } from '../../services/kit/tokens/access-token';
import { createKmsSigner } from '../../services/kit/tokens/signer';
import { notificationService } from '../../services/notification/service';
import { paymentService } from '../../services/payment/service';
import { userService } from '../../services/user/service';
import { client, expectErrorBody, registerAndLogin, type Call } from '../support/http';
import { withCallee } from '../support/callees';
import { startKmsStandIn, type KmsStandIn } from '../support/kms-stand-in';
import { provisionTestNamespace } from '../support/namespace';
import { startTestService } from '../support/services';
import { claimsFor, es256, forge, hs256, kidOf, strangerKey } from '../support/tokens';

jest.setTimeout(60_000);

const running: RunningService[] = [];
afterAll(() => Promise.all(running.map((s) => s.stop())));
const start = async (...args: Parameters<typeof startTestService>): Promise<Call> => (await startCallee(...args)).call;
/** A service other services call (the user service, asked by payment before it charges): its client and address. */
const startCallee = async (...args: Parameters<typeof startTestService>): Promise<{ call: Call; address: string }> => {
  const svc = await startTestService(...args);
  running.push(svc);
  return { call: client(svc.url), address: `127.0.0.1:${svc.port}` };
};

/** What each verifying service answers for a token: payment (create) and notification (list). */
const statusesFor = async (payment: Call, notification: Call, token: string) => ({
  payment: (await payment('POST', '/payments', { token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': randomUUID() } })).status,
  notification: (await notification('GET', '/notifications', { token })).status,
});

describe('local keys (as provisioned for tests and npm run dev)', () => {
  let envs: Record<string, Record<string, string>>;
  let user: Call;
  let payment: Call;
  let notification: Call;
  beforeAll(async () => {
    envs = (await provisionTestNamespace()).env;
    const users = await startCallee(userService, envs.user!);
    user = users.call;
    [payment, notification] = await Promise.all([
      start(paymentService, withCallee(envs.payment!, 'user', users.address)),
      start(notificationService, envs.notification!),
    ]);
  });

  it('payment and notification accept a token the user service issued, and hold no signing key', async () => {
    const { token } = await registerAndLogin(user);
    expect(await statusesFor(payment, notification, token)).toEqual({ payment: 201, notification: 200 });
    expect(envs.payment!.TOKEN_SIGNING_JWK).toBeUndefined();
    expect(envs.notification!.TOKEN_SIGNING_JWK).toBeUndefined();
    // No private key material at all: the JWKS they verify with holds public keys only.
    expect(envs.payment!.TOKEN_VERIFY_JWKS).not.toContain('"d"');
  });

  it.each<[string, (sub: string) => string]>([
    ['an HS256 token (the old scheme)', (sub) => forge({ alg: 'HS256', typ: 'JWT' }, claimsFor(envs.user!, sub), hs256('test-secret-that-is-long-enough-0123456789'))],
    ['an HS256 token carrying the real kid', (sub) => forge({ alg: 'HS256', typ: 'JWT', kid: kidOf(envs.user!) }, claimsFor(envs.user!, sub), hs256(envs.user!.TOKEN_VERIFY_JWKS!))],
    ['a token signed by an unknown key under the real kid', (sub) => forge({ alg: 'ES256', typ: 'JWT', kid: kidOf(envs.user!) }, claimsFor(envs.user!, sub), es256(strangerKey()))],
    ['a token signed by an unknown key and kid', (sub) => forge({ alg: 'ES256', typ: 'JWT', kid: randomUUID() }, claimsFor(envs.user!, sub), es256(strangerKey()))],
  ])('payment, notification and user refuse %s with 401', async (_label, token) => {
    const { user: registered } = await registerAndLogin(user);
    const forged = token(registered.id);
    expect(await statusesFor(payment, notification, forged)).toEqual({ payment: 401, notification: 401 });
    expectErrorBody(await user('GET', '/users/me', { token: forged }), 401, 'unauthorized');
  });
});

describe('KMS keys (the AWS code path, against a KMS stand-in)', () => {
  let kms: KmsStandIn;
  beforeAll(async () => {
    kms = await startKmsStandIn();
  });
  afterAll(() => kms?.close());

  /** The environment of a service in AWS: KMS key ARNs instead of local keys. */
  const kmsEnv = (env: Record<string, string>, verify: string[], signing?: string): Record<string, string> => ({
    ...env,
    TOKEN_VERIFY_JWKS: '',
    TOKEN_SIGNING_JWK: '',
    TOKEN_VERIFY_KMS_KEYS: verify.join(','),
    ...(signing ? { TOKEN_SIGNING_KMS_KEY: signing } : {}),
    KMS_ENDPOINT: kms.endpoint,
  });

  it('rolls the signing key over without downtime: old and new kids accepted during the overlap, then only the new one', async () => {
    const [old, next] = [kms.createKey(), kms.createKey()];
    const envs = (await provisionTestNamespace()).env;

    // Before: everyone knows the old key only; the user service signs with it.
    const users = await startCallee(userService, kmsEnv(envs.user!, [old.arn], old.arn));
    const userBefore = users.call;
    // Payment asks this user service (one database for all of them) whether the payer still exists.
    const paymentEnv = withCallee(envs.payment!, 'user', users.address);
    const paymentBefore = await start(paymentService, kmsEnv(paymentEnv, [old.arn]));
    const notificationBefore = await start(notificationService, kmsEnv(envs.notification!, [old.arn]));
    const { user: ada, token: oldToken, password } = await registerAndLogin(userBefore);
    expect(await statusesFor(paymentBefore, notificationBefore, oldToken)).toEqual({ payment: 201, notification: 200 });
    expect(kms.calls.filter((c) => c.operation === 'Sign').map((c) => c.body.KeyId)).toContain(old.arn);

    // Step 1: verifiers learn the new key. Step 2: the user service signs with it.
    const paymentOverlap = await start(paymentService, kmsEnv(paymentEnv, [old.arn, next.arn]));
    const notificationOverlap = await start(notificationService, kmsEnv(envs.notification!, [old.arn, next.arn]));
    const userOverlap = await start(userService, kmsEnv(envs.user!, [old.arn, next.arn], next.arn));
    const login = await userOverlap('POST', '/auth/login', { body: { email: ada.email, password } });
    const newToken = login.body.accessToken as string;
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe(next.keyId);
    expect(await statusesFor(paymentOverlap, notificationOverlap, oldToken)).toEqual({ payment: 201, notification: 200 });
    expect(await statusesFor(paymentOverlap, notificationOverlap, newToken)).toEqual({ payment: 201, notification: 200 });
    expect((await userOverlap('GET', '/users/me', { token: oldToken })).status).toBe(200);

    // Step 3, after the longest token lifetime: the old key leaves the lists.
    const paymentAfter = await start(paymentService, kmsEnv(paymentEnv, [next.arn]));
    const notificationAfter = await start(notificationService, kmsEnv(envs.notification!, [next.arn]));
    expect(await statusesFor(paymentAfter, notificationAfter, oldToken)).toEqual({ payment: 401, notification: 401 });
    expect(await statusesFor(paymentAfter, notificationAfter, newToken)).toEqual({ payment: 201, notification: 200 });

    // A token "signed" by the KMS key of another account's service is just another unknown key.
    const stranger = kms.createKey();
    const kmsClient = createKms({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }, kms.endpoint);
    const strangerToken = await issueAccessToken(
      { sub: ada.id, email: ada.email },
      { signer: createKmsSigner(kmsClient, stranger.arn), issuer: envs.user!.JWT_ISSUER!, audience: envs.user!.JWT_AUDIENCE! },
    );
    kmsClient.destroy();
    expect(await statusesFor(paymentAfter, notificationAfter, strangerToken)).toEqual({ payment: 401, notification: 401 });
  });

  it('a user service whose signing key is not among its verification keys does not start', async () => {
    const [verifying, signing] = [kms.createKey(), kms.createKey()];
    const envs = (await provisionTestNamespace()).env;
    await expect(startTestService(userService, kmsEnv(envs.user!, [verifying.arn], signing.arn))).rejects.toThrow(
      /is not among the verification keys/,
    );
  });
});
