import { Construct } from 'constructs';
import { suppress } from '../policy/suppressions';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { GITHUB_DEPLOY_ROLE, GITHUB_PLAN_ROLE } from '../delivery/names';
import { AWS_MANAGED_POLICY, CiRole, GITHUB_OIDC, githubTrust } from './ci-role';
import { denyDataReads } from './guardrails';
import type { StateBackend } from './state-backend';

export interface GithubRepository {
  readonly owner: string;
  readonly name: string;
}

/** OIDC subject of a workflow run for a pull request of `repository` (any branch of the repository itself). */
export const pullRequestSubject = (repository: GithubRepository): string => `repo:${repository.owner}/${repository.name}:pull_request`;

/** OIDC subject of a job that runs in the GitHub environment `environment` (its protection rules apply). */
export const environmentSubject = (repository: GithubRepository, environment: string): string =>
  `repo:${repository.owner}/${repository.name}:environment:${environment}`;

export interface GithubCiProps {
  readonly repository: GithubRepository;
  /** GitHub environment allowed to apply this account's CI stack: the environment's name, or `tooling`. */
  readonly deployEnvironment: string;
  readonly state: StateBackend;
  readonly stateRegion: string;
}

/**
 * GitHub Actions' way into one account: the OIDC provider (url and thumbprints as constants, no
 * lookup) and two roles.
 *
 * - `ci-github-plan`, for pull requests: ReadOnlyAccess (what a refresh needs) minus data reads,
 *   plus reading every state of the account. A pull request's plan runs code its author wrote, so
 *   this role can change nothing and read no data.
 * - `ci-github-deploy`, for the account's GitHub environment only: applies this account's CI stack
 *   (bootstrap or delivery). That stack writes IAM, so the role is administrator-equivalent by
 *   nature; its control is the trust (one environment, whose protection rules require a review
 *   and the main branch), not its policy (docs/decisions/0012).
 */
export class GithubCi extends Construct {
  readonly providerArn: string;
  readonly planRole: CiRole;
  readonly deployRole: CiRole;

  constructor(scope: Construct, id: string, props: GithubCiProps) {
    super(scope, id);
    const provider = new IamOpenidConnectProvider(this, 'oidc', {
      url: GITHUB_OIDC.url,
      clientIdList: [GITHUB_OIDC.audience],
      thumbprintList: [...GITHUB_OIDC.thumbprints],
    });
    this.providerArn = provider.arn;

    this.planRole = new CiRole(this, 'plan', {
      name: GITHUB_PLAN_ROLE,
      description: `terraform plan for pull requests of ${props.repository.owner}/${props.repository.name}: read-only, no data reads`,
      trust: [githubTrust(provider.arn, pullRequestSubject(props.repository))],
      managedPolicyArns: [AWS_MANAGED_POLICY.readOnlyAccess],
      managedPolicyReason: 'Pull-request plans of every stack read every resource type; the guardrails deny reading any data',
      guardrails: denyDataReads(props.state.bucketArn, props.stateRegion),
    });
    props.state.grant(this.planRole, { read: 'all' });

    this.deployRole = new CiRole(this, 'deploy', {
      name: GITHUB_DEPLOY_ROLE,
      description: `applies this account's CI stack from the GitHub environment "${props.deployEnvironment}"`,
      trust: [githubTrust(provider.arn, environmentSubject(props.repository, props.deployEnvironment))],
      managedPolicyArns: [AWS_MANAGED_POLICY.administratorAccess],
      managedPolicyReason: 'Applies the account CI stack itself, from the protected GitHub environment only',
    });
    suppress(this.deployRole, 'IAM-05', {
      reason:
        'Applies the account CI stack itself (IAM roles, OIDC provider, state bucket, boundary): only from the protected GitHub environment of this account (docs/decisions/0012)',
      expires: '2027-06-30',
    });
  }
}
