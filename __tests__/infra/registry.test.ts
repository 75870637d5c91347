import { REPOSITORY_PULL_ACTIONS, ServiceRepository } from '../../modules/registry/service-repository';
import { ref, synthDataPlane } from './support/data-plane';

describe('ServiceRepository', () => {
  const synth = synthDataPlane(({ scope, kmsKey, grantee }) => {
    const repo = new ServiceRepository(scope, 'user', { name: 'platform/user', kmsKey, untaggedExpiryDays: 3, keepTaggedImages: 20 });
    repo.grantPull(grantee('execution'));
  });
  const repo = synth.only('aws_ecr_repository');

  it('immutable tags, scan on push, KMS with the CMK, no force delete', () => {
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    expect(repo.image_scanning_configuration).toEqual({ scan_on_push: true });
    expect(repo.encryption_configuration).toEqual([
      { encryption_type: 'KMS', kms_key: ref('aws_kms_key', synth.only('aws_kms_key'), synth, 'arn') },
    ]);
    expect(repo.force_delete).toBe(false);
  });

  it('lifecycle: untagged expire after N days, last N tagged kept', () => {
    const lifecycle = synth.only('aws_ecr_lifecycle_policy');
    expect(lifecycle.repository).toBe(ref('aws_ecr_repository', repo, synth, 'name'));
    const [untagged, tagged] = JSON.parse(lifecycle.policy).rules;
    expect(untagged.selection).toEqual({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 });
    expect(tagged.selection).toMatchObject({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 20 });
    expect(untagged.action.type).toBe('expire');
  });

  it('grantPull: GetAuthorizationToken is the only Resource "*"; image reads on the repository ARN', () => {
    const [token, pull] = synth.statements('execution');
    expect(token).toEqual({ Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] });
    expect(pull.Action).toEqual([...REPOSITORY_PULL_ACTIONS]);
    expect(pull.Resource).toEqual([ref('aws_ecr_repository', repo, synth, 'arn')]);
  });
});
