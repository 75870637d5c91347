/** Every rule of the pack, in documentation order. One owner for rule metadata: the rule objects. */
import type { Rule } from '../types';
import { auroraRules } from './aurora';
import { containerRules } from './containers';
import { edgeRules } from './edge';
import { elasticacheRules } from './elasticache';
import { encryptionRules } from './encryption';
import { iamRules } from './iam';
import { loggingRules } from './logging';
import { messagingRules } from './messaging';
import { monitoringRules } from './monitoring';
import { networkRules } from './network';
import { resilienceRules } from './resilience';
import { s3Rules } from './s3';
import { secretsRules } from './secrets';
import { transportRules } from './transport';

export const RULES: readonly Rule[] = [
  ...networkRules,
  ...iamRules,
  ...encryptionRules,
  ...transportRules,
  ...loggingRules,
  ...resilienceRules,
  ...edgeRules,
  ...containerRules,
  ...messagingRules,
  ...secretsRules,
  ...auroraRules,
  ...elasticacheRules,
  ...s3Rules,
  ...monitoringRules,
];
