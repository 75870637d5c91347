/**
 * The grant contract between constructs, shaped after AWS CDK's IGrantable and Grant: a resource
 * (or an imported reference to one) offers `grantX(grantee)` methods that add exact actions on its
 * exact ARNs and return a `Grant` saying what was added; the grantee (an ECS task or execution
 * role) collects statements and renders one inline policy document.
 */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect?: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** IAM condition block, e.g. `{ StringEquals: { 'aws:SourceAccount': '123' } }`. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface IGrantable {
  /** Human-readable name used in error messages and statement ids. */
  readonly grantName: string;
  addToPolicy(statement: PolicyStatement): void;
}

/** What one `grantX()` call added to a grantee (composable, inspectable in tests). */
export class Grant {
  constructor(
    readonly grantee: string,
    readonly statements: readonly PolicyStatement[],
  ) {}

  /** Adds `statements` to `grantee` and returns the grant. */
  static add(grantee: IGrantable, ...statements: PolicyStatement[]): Grant {
    for (const statement of statements) grantee.addToPolicy(statement);
    return new Grant(grantee.grantName, statements);
  }

  /** One grant made of several (e.g. a queue grant and the key grant it needs). */
  static combine(first: Grant, ...rest: Grant[]): Grant {
    return new Grant(first.grantee, [first, ...rest].flatMap((g) => g.statements));
  }

  get actions(): string[] {
    return [...new Set(this.statements.flatMap((s) => s.actions))].sort();
  }
}

/** Collects statements for one role; the owner renders them with `toPolicyJson()`. */
export class PolicyCollector implements IGrantable {
  private readonly statements: PolicyStatement[] = [];

  constructor(readonly grantName: string) {}

  addToPolicy(statement: PolicyStatement): void {
    if (statement.actions.length === 0) throw new Error(`${this.grantName}: a grant needs at least one action`);
    if (statement.actions.some((a) => a === '*' || a.endsWith(':*'))) {
      throw new Error(`${this.grantName}: wildcard action in ${JSON.stringify(statement.actions)}; grant exact actions`);
    }
    if (statement.resources.length === 0) throw new Error(`${this.grantName}: a grant needs at least one resource`);
    this.statements.push(statement);
  }

  get isEmpty(): boolean {
    return this.statements.length === 0;
  }

  toPolicyJson(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: this.statements.map((s) => ({
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect ?? 'Allow',
        Action: [...s.actions],
        Resource: [...s.resources],
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    });
  }
}
