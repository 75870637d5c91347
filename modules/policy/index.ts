/** The policy pack's public API (docs/decisions/0016-policy-pack.md, docs/policy-rules.md). */
export { applyPolicyPack, policyReport, synthesizeWithPolicy, PolicyViolationError, type PolicyPackOptions } from './pack';
export { suppress, type SuppressionOptions } from './suppressions';
export { evaluateStack, evaluateTerraform, blocking, SUPPRESSION_EXPIRED, SUPPRESSION_UNUSED, type StackReport } from './engine';
export { formatFinding, formatReport, formatTable, rulesMarkdown, toJson, toSarif, type PolicyReport } from './report';
export { RULES } from './rules';
export type { Finding, Rule, Severity, Control, Area } from './types';
