/**
 * The vocabulary of the policy pack: rules, the public controls they map to, and findings.
 * Rules read synthesized Terraform JSON (a StackView), never construct props.
 */
import type { StackView, SynthesizedResource } from './stack-view';

export type Severity = 'error' | 'warning';

/** A severity per environment class: prod (or an environment the pack cannot name) vs the rest. */
export interface EnvironmentSeverity {
  readonly prod: Severity;
  readonly nonProd: Severity;
}

export type ControlSource = 'checkov' | 'cdk-nag' | 'fsbp' | 'control-tower' | 'aws-config';

/** A public control a rule maps to. `related`: the control covers a close, not the same, condition. */
export interface Control {
  readonly source: ControlSource;
  readonly id: string;
  readonly related: boolean;
}

export type Area =
  | 'network'
  | 'iam'
  | 'encryption'
  | 'transport'
  | 'logging'
  | 'resilience'
  | 'edge'
  | 'containers'
  | 'messaging'
  | 'secrets'
  | 'aurora'
  | 'elasticache'
  | 's3'
  | 'monitoring';

/** One violation a rule reports: the resource and what exactly is wrong with it. */
export interface Violation {
  readonly resource: SynthesizedResource;
  readonly detail: string;
}

export interface Rule {
  /** Stable id used in findings, suppressions, docs and SARIF, e.g. `NET-01`. */
  readonly id: string;
  readonly area: Area;
  /** One line: what the rule requires. */
  readonly title: string;
  /** One line: how to fix a violation. */
  readonly fix: string;
  readonly severity: Severity | EnvironmentSeverity;
  readonly controls: readonly Control[];
  /** Terraform resource types the rule reads (documentation and SARIF help). */
  readonly resourceTypes: readonly string[];
  check(view: StackView): Iterable<Violation>;
}

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly stack: string;
  readonly environment: string | undefined;
  /** Construct path of the resource (the stack's path for resources added by a raw stack override). */
  readonly constructPath: string;
  /** Terraform address, e.g. `aws_sqs_queue.queue-events_queue_972D9A5B`. */
  readonly resource: string;
  /** The rule's one-line requirement. */
  readonly title: string;
  /** What exactly is wrong with this resource. */
  readonly message: string;
  readonly fix: string;
  readonly controls: readonly Control[];
  /** Set when a suppression with a reason covers the finding; suppressed findings never fail synth. */
  readonly suppressed?: { readonly reason: string; readonly expires: string };
}
