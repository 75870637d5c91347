import { type SynthesizedResource, isOn, isReference, literal, one } from '../stack-view';
import type { Rule } from '../types';
import { type ContainerDefinition, containerDefinitions } from './containers-support';
import { controls, eachResource } from './define';

/** Per-container check over every task definition; `test` returns what is wrong with one container. */
function eachContainer(test: (c: ContainerDefinition, task: SynthesizedResource) => string | readonly string[] | undefined | false) {
  return eachResource(['aws_ecs_task_definition'], (task) =>
    (containerDefinitions(task) ?? []).flatMap((c) => {
      const result = test(c, task);
      return result ? (typeof result === 'string' ? [result] : result) : [];
    }),
  );
}

const ROOT_USER = /^(root|0)(:.*)?$/;
/** Variable names that announce a credential: *SECRET*, *PASSWORD*, *TOKEN*, *KEY*, *CREDENTIAL*. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|KEY|CREDENTIAL/i;
/** Names that point at a resource rather than hold a credential (TABLE_IDEMPOTENCY_KEYS, SIGNING_KEY_ARN). */
const RESOURCE_NAME = /^(TABLE|QUEUE|TOPIC|BUCKET|STREAM)_|_(ARN|URL|NAME|REGION|ALIAS)$/i;
const looksSecret = (name: string) => SECRET_NAME.test(name) && !RESOURCE_NAME.test(name);

export const containerRules: readonly Rule[] = [
  {
    id: 'ECS-01',
    area: 'containers',
    title: 'Containers run as a non-root user',
    fix: 'Set `user` to a numeric non-root uid:gid (the services use 65532:65532)',
    severity: 'error',
    controls: controls('CT.ECS.PR.3', 'ECS.1~'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachContainer((c) => {
      const user = c.user;
      if (isReference(user)) return undefined;
      return (typeof user !== 'string' || ROOT_USER.test(user)) && `container ${String(c.name)} runs as ${typeof user === 'string' ? user : 'root (no user)'}`;
    }),
  },
  {
    id: 'ECS-02',
    area: 'containers',
    title: 'Containers have a read-only root filesystem',
    fix: 'Set `readonlyRootFilesystem: true` and mount a writable volume where the app writes (e.g. /tmp)',
    severity: 'error',
    controls: controls('CKV_AWS_336', 'ECS.5', 'CT.ECS.PR.6'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachContainer((c) => !isOn(c.readonlyRootFilesystem) && `container ${String(c.name)} has a writable root filesystem`),
  },
  {
    id: 'ECS-03',
    area: 'containers',
    title: 'Containers are not privileged',
    fix: 'Remove `privileged: true`; add only the Linux capabilities the process needs',
    severity: 'error',
    controls: controls('CKV_AWS_334', 'ECS.4', 'CT.ECS.PR.11'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachContainer((c) => c.privileged === true && `container ${String(c.name)} is privileged`),
  },
  {
    id: 'ECS-04',
    area: 'containers',
    title: 'Credentials are not passed as plain container environment variables',
    fix: 'Move the value to Secrets Manager and reference it in `secrets` (valueFrom), never `environment`',
    severity: 'error',
    controls: controls('ECS.8', 'CT.ECS.PR.12', 'AwsSolutions-ECS2~'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachContainer((c) =>
      (Array.isArray(c.environment) ? c.environment : [])
        .map((e) => e as { name?: unknown; value?: unknown })
        .filter((e) => typeof e.name === 'string' && looksSecret(e.name) && typeof e.value === 'string' && e.value !== '' && !isReference(e.value))
        .map((e) => `container ${String(c.name)} has ${String(e.name)} as a literal environment value`),
    ),
  },
  {
    id: 'ECS-05',
    area: 'containers',
    title: "Task definitions do not share the host's network, process or IPC namespace",
    fix: 'Use `network_mode = "awsvpc"` and leave `pid_mode`/`ipc_mode` unset',
    severity: 'error',
    controls: controls('CKV_AWS_335', 'ECS.3', 'CT.ECS.PR.4', 'CT.ECS.PR.10'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachResource(['aws_ecs_task_definition'], (r) =>
      (['network_mode', 'pid_mode', 'ipc_mode'] as const).filter((k) => literal(r.attrs[k]) === 'host').map((k) => `${k} is "host"`),
    ),
  },
  {
    id: 'ECS-06',
    area: 'containers',
    title: 'Task definitions use separate task and execution roles',
    fix: 'Give ECS (image pull, logs, secrets) and the application different roles',
    severity: 'error',
    controls: controls('CKV_AWS_249'),
    resourceTypes: ['aws_ecs_task_definition'],
    check: eachResource(['aws_ecs_task_definition'], (r) =>
      r.attrs.task_role_arn !== undefined && r.attrs.task_role_arn === r.attrs.execution_role_arn && 'task_role_arn equals execution_role_arn',
    ),
  },
  {
    id: 'ECS-07',
    area: 'containers',
    title: 'Fargate services run on the latest platform version',
    fix: 'Leave `platform_version` unset or "LATEST"',
    severity: 'warning',
    controls: controls('CKV_AWS_332', 'ECS.10', 'CT.ECS.PR.1'),
    resourceTypes: ['aws_ecs_service'],
    check: eachResource(['aws_ecs_service'], (r) => {
      const version = literal(r.attrs.platform_version);
      return version !== undefined && version !== 'LATEST' && `platform_version is pinned to ${version}`;
    }),
  },
  {
    id: 'ECR-01',
    area: 'containers',
    title: 'ECR repositories have immutable tags',
    fix: 'Set `image_tag_mutability = "IMMUTABLE"`',
    severity: 'error',
    controls: controls('CKV_AWS_51', 'ECR.2'),
    resourceTypes: ['aws_ecr_repository'],
    check: eachResource(['aws_ecr_repository'], (r) => {
      const mutability = literal(r.attrs.image_tag_mutability) ?? 'MUTABLE';
      return !mutability.startsWith('IMMUTABLE') && !isReference(r.attrs.image_tag_mutability) && `image_tag_mutability is ${mutability}`;
    }),
  },
  {
    id: 'ECR-02',
    area: 'containers',
    title: 'ECR scans images on push',
    fix: 'Set `image_scanning_configuration { scan_on_push = true }` (or a registry scanning configuration)',
    severity: 'error',
    controls: controls('CKV_AWS_163', 'ECR.1'),
    resourceTypes: ['aws_ecr_repository', 'aws_ecr_registry_scanning_configuration'],
    check: eachResource(['aws_ecr_repository'], (r, view) =>
      !isOn(one(r.attrs.image_scanning_configuration)?.scan_on_push) &&
      view.ofType('aws_ecr_registry_scanning_configuration').length === 0 &&
      'scan_on_push is off',
    ),
  },
  {
    id: 'ECR-03',
    area: 'containers',
    title: 'ECR repositories have a lifecycle policy',
    fix: 'Add `aws_ecr_lifecycle_policy` for the repository (expire untagged images, keep N tagged)',
    severity: 'warning',
    controls: controls('ECR.3'),
    resourceTypes: ['aws_ecr_repository', 'aws_ecr_lifecycle_policy'],
    check: eachResource(['aws_ecr_repository'], (r, view) => view.referencing('aws_ecr_lifecycle_policy', r, 'repository').length === 0 && 'no lifecycle policy'),
  },
];
