/** From a caller's configuration to one client per declared callee, sharing one token cache. */
import type { AwsConfig } from '../clients/aws';
import type { ServiceCallSettings } from '../config';
import type { Logger } from '../logger';
import { createServiceTokenSigner } from '../tokens/from-config';
import { createServiceTokens } from '../tokens/service-token';
import { createServiceClient, type CallSettings, type ServiceClient } from './client';

export interface ServiceCalls {
  /** The client of a declared callee; a callee the catalog does not declare is a start-up error. */
  clientFor(upstream: string, settings?: Partial<CallSettings>): ServiceClient;
  close(): void;
}

export const createServiceCalls = (service: string, calls: ServiceCallSettings, aws: AwsConfig, logger: Logger): ServiceCalls => {
  const { signer, close } = createServiceTokenSigner(calls.signing, aws, calls.kmsEndpoint);
  const tokens = createServiceTokens({ caller: service, signer });
  return {
    clientFor(upstream, settings) {
      const baseUrl = calls.upstreams[upstream];
      if (!baseUrl) throw new Error(`${service} calls ${upstream}, which its catalog entry does not declare in needs.calls`);
      return createServiceClient({ upstream, baseUrl, tokens, logger, settings, localAddresses: calls.localAddresses });
    },
    close,
  };
};

