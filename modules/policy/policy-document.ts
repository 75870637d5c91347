/**
 * IAM policy documents as rules see them: JSON strings in resource attributes (references inside
 * strings are kept as text) or `data.aws_iam_policy_document` blocks of the same stack, normalized
 * to one statement shape. A document only known at apply time (e.g. `${jsonencode(...)}`) is
 * `undefined`: rules cannot judge it and report nothing.
 */
import { type StackView, type SynthesizedResource, list } from './stack-view';

export interface Principal {
  /** `*` for `"Principal": "*"`. */
  readonly type: 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | '*';
  readonly id: string;
}

export interface Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  /** Empty for identity policies (no Principal element). */
  readonly principals: readonly Principal[];
  readonly conditions: readonly Condition[];
}

const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');

function principalsOf(value: unknown): Principal[] {
  if (value === undefined) return [];
  if (value === '*') return [{ type: '*', id: '*' }];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([type, ids]) =>
    strings(ids).map((id) => ({ type: type as Principal['type'], id })),
  );
}

function conditionsOf(value: unknown): Condition[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, Record<string, unknown>>).flatMap(([operator, byKey]) =>
    Object.entries(byKey ?? {}).map(([key, values]) => ({ operator, key, values: strings(values) })),
  );
}

function fromJson(document: unknown): Statement[] | undefined {
  if (!document || typeof document !== 'object') return undefined;
  const raw = (document as { Statement?: unknown }).Statement;
  return list(raw).map((s) => {
    const st = s as Record<string, unknown>;
    return {
      effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
      actions: strings(st.Action),
      notActions: strings(st.NotAction),
      resources: strings(st.Resource),
      principals: principalsOf(st.Principal),
      conditions: conditionsOf(st.Condition),
    };
  });
}

function fromDataDocument(block: SynthesizedResource): Statement[] {
  return list(block.attrs.statement).map((s) => {
    const st = s as Record<string, unknown>;
    return {
      effect: st.effect === 'Deny' ? 'Deny' : 'Allow',
      actions: strings(st.actions),
      notActions: strings(st.not_actions),
      resources: strings(st.resources),
      principals: list(st.principals).flatMap((p) => {
        const { type, identifiers } = p as { type?: string; identifiers?: unknown };
        return strings(identifiers).map((id) => ({ type: (type === '*' ? '*' : type) as Principal['type'], id }));
      }),
      conditions: list(st.condition).map((c) => {
        const { test, variable, values } = c as { test?: string; variable?: string; values?: unknown };
        return { operator: test ?? '', key: variable ?? '', values: strings(values) };
      }),
    };
  });
}

/** The statements of a policy attribute, or undefined when they are only known at apply time. */
export function statementsOf(view: StackView, value: unknown): Statement[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') return fromJson(value);
  if (typeof value !== 'string') return undefined;
  const target = view.target(value);
  if (target?.type === 'aws_iam_policy_document' && target.address.startsWith('data.')) return fromDataDocument(target);
  // A whole-value expression such as `${jsonencode(...)}` is only known at apply time.
  if (value.trim().startsWith('${')) return undefined;
  try {
    return fromJson(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** Case-insensitive IAM wildcard match (`*` and `?`) of a pattern against a concrete action. */
export function matchesAction(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/** A statement that allows `action` (through an exact name or a wildcard). */
export const allows = (s: Statement, action: string): boolean =>
  s.effect === 'Allow' && s.actions.some((pattern) => matchesAction(pattern, action));

export const isWildcardPrincipal = (p: Principal): boolean => p.type === '*' || (p.type === 'AWS' && p.id === '*');

/** Condition keys that tie a service principal to this account or resource (confused-deputy guard). */
const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths', 'aws:sourceowner'];

export const hasSourceCondition = (s: Statement): boolean =>
  s.conditions.some((c) => SOURCE_KEYS.includes(c.key.toLowerCase()) || /^kms:encryptioncontext:aws:/i.test(c.key));

/** A Deny to everyone of one of `actions` (e.g. `*`, `sqs:*`) when `aws:SecureTransport` is false. */
export const isTlsOnlyStatement = (s: Statement, actions: readonly string[]): boolean =>
  s.effect === 'Deny' &&
  s.principals.some(isWildcardPrincipal) &&
  s.actions.some((a) => actions.some((wanted) => wanted.toLowerCase() === a.toLowerCase())) &&
  s.conditions.some((c) => /^bool(ifexists)?$/i.test(c.operator) && c.key.toLowerCase() === 'aws:securetransport' && c.values.includes('false'));

/** Where IAM identity policies live in synthesized Terraform, attribute by resource type. */
export const IDENTITY_POLICY_TYPES = ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy'] as const;

export interface LocatedPolicy {
  readonly resource: SynthesizedResource;
  readonly statements: readonly Statement[];
}

/** Every identity policy of the stack (standalone, inline role policies, `inline_policy` blocks). */
export function identityPolicies(view: StackView): LocatedPolicy[] {
  const out: LocatedPolicy[] = [];
  for (const resource of view.ofTypes(IDENTITY_POLICY_TYPES)) {
    const statements = statementsOf(view, resource.attrs.policy);
    if (statements) out.push({ resource, statements });
  }
  for (const role of view.ofType('aws_iam_role')) {
    for (const inline of list(role.attrs.inline_policy)) {
      const statements = statementsOf(view, (inline as { policy?: unknown }).policy);
      if (statements) out.push({ resource: role, statements });
    }
  }
  return out;
}

/** Resource-policy attributes, by resource type: which service they protect. */
export const RESOURCE_POLICY_SOURCES: Readonly<Record<string, { readonly service: string; readonly attribute: string }>> = {
  aws_s3_bucket_policy: { service: 's3', attribute: 'policy' },
  aws_s3_bucket: { service: 's3', attribute: 'policy' },
  aws_sqs_queue_policy: { service: 'sqs', attribute: 'policy' },
  aws_sqs_queue: { service: 'sqs', attribute: 'policy' },
  aws_sns_topic_policy: { service: 'sns', attribute: 'policy' },
  aws_sns_topic: { service: 'sns', attribute: 'policy' },
  aws_kms_key: { service: 'kms', attribute: 'policy' },
  aws_kms_key_policy: { service: 'kms', attribute: 'policy' },
  aws_secretsmanager_secret_policy: { service: 'secretsmanager', attribute: 'policy' },
  aws_secretsmanager_secret: { service: 'secretsmanager', attribute: 'policy' },
  aws_ecr_repository_policy: { service: 'ecr', attribute: 'policy' },
};

/** Every resource policy (bucket, queue, topic, key, secret, repository) of the stack. */
export function resourcePolicies(view: StackView): (LocatedPolicy & { readonly service: string })[] {
  return Object.entries(RESOURCE_POLICY_SOURCES).flatMap(([type, { service, attribute }]) =>
    view.ofType(type).flatMap((resource) => {
      const statements = statementsOf(view, resource.attrs[attribute]);
      return statements ? [{ resource, statements, service }] : [];
    }),
  );
}

/** The policies that apply to `target` (its own `policy` attribute and policy resources naming it). */
export function policiesOf(view: StackView, target: SynthesizedResource, policyType: string, link: string): Statement[] {
  const own = statementsOf(view, target.attrs.policy) ?? [];
  const attached = view.referencing(policyType, target, link).flatMap((p) => statementsOf(view, p.attrs.policy) ?? []);
  return [...own, ...attached];
}
