/**
 * The delivery files outside TypeScript agree with the code: every variable a buildspec reads is
 * set by its CodeBuild project, its pipeline action or the buildspec itself; the workflows keep
 * the plan review read-only and re-run it when the override label changes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { pipelineJobName } from '../../modules/delivery/names';
import { BUILDSPEC } from '../../modules/delivery/unit-pipeline';
import { catalog, ENVIRONMENT_NAMES } from '../../services/catalog';
import { synthDelivery } from './support/ci-stacks';

const delivery = synthDelivery();
const units = ['platform', ...catalog.services.map((s) => s.name)];
/** Set by CodeBuild itself, or exported by the buildspec before use. */
const PROVIDED = ['CODEBUILD_SRC_DIR', 'AWS_PROFILE', 'PG_BIN_DIR'];

const yamlFile = (path: string) => parse(readFileSync(path, 'utf8'));
/** Upper-case shell variables a script reads (`$X`, `${X}`, `${X:-…}`); lower-case ones are the script's own. */
const readVariables = (text: string) => new Set([...text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));

function providedTo(job: 'build' | 'deploy'): Set<string> {
  const names = new Set(PROVIDED);
  for (const unit of units) {
    const jobs =
      job === 'build'
        ? [pipelineJobName('platform', unit, 'build')]
        : ENVIRONMENT_NAMES.map((e) => pipelineJobName('platform', unit, `deploy-${e}`));
    for (const name of jobs) {
      const project = delivery.only('aws_codebuild_project', (p) => p.name === name);
      for (const v of project.environment.environment_variable) names.add(v.name);
    }
    const pipeline = delivery.only('aws_codepipeline', (p) => p.name === `platform-${unit}`);
    for (const stage of pipeline.stage) {
      for (const action of stage.action) {
        const isJob = action.provider === 'CodeBuild' && (job === 'build' ? stage.name === 'Build' : stage.name.startsWith('Deploy-'));
        if (isJob) for (const v of JSON.parse(action.configuration.EnvironmentVariables)) names.add(v.name);
      }
    }
  }
  return names;
}

describe.each(['build', 'deploy'] as const)('buildspec %s', (job) => {
  const path = BUILDSPEC[job];
  const spec = yamlFile(path);

  it('is a version 0.2 buildspec in bash', () => {
    expect(spec.version).toBe(0.2);
    expect(spec.env.shell).toBe('bash');
  });

  it('reads only variables that its projects, its pipeline actions, the files it sources or itself set', () => {
    const text = readFileSync(path, 'utf8');
    const sourced = [...text.matchAll(/^\s*source (\S+)$/gm)].flatMap((m) =>
      [...readFileSync(m[1]!, 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((v) => v[1]!),
    );
    const known = new Set([...providedTo(job), ...Object.keys(spec.env.variables ?? {}), ...sourced]);
    const unknown = [...readVariables(text)].filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });
});

it('the build runs `npm run synth` once and ships cdktf.out, the buildspecs and the guard to the deploys', () => {
  const spec = yamlFile(BUILDSPEC.build);
  expect(spec.phases.build.commands.filter((c: string) => c.includes('npm run synth'))).toHaveLength(1);
  expect(spec.artifacts.files).toEqual(['cdktf.out/**/*', 'delivery/**/*', '.delivery/**/*']);
});

it('each deploy plans with the image tag, runs the guard on the saved plan, then applies that plan', () => {
  const script: string = yamlFile(BUILDSPEC.deploy).phases.build.commands.join('\n');
  const order = [
    'terraform plan',
    'terraform show -json plan.tfplan',
    'plan-guard.js" plan.json',
    'terraform apply -input=false -no-color plan.tfplan',
  ];
  const positions = order.map((step) => script.indexOf(step));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(script).toContain('-var "${IMAGE_TAG_VARIABLE}=${COMMIT_SHA}"');
});

describe('.github/workflows/plan.yml', () => {
  const workflow = yamlFile('.github/workflows/plan.yml');
  const planScript: string = workflow.jobs.plan.steps.map((s: any) => s.run ?? '').join('\n');

  it('re-runs when the override label is added or removed', () => {
    expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(['opened', 'synchronize', 'labeled', 'unlabeled']));
  });

  it('only the plan jobs get an OIDC token; only the review job may comment', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.synth.permissions).toBeUndefined();
    expect(workflow.jobs.plan.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(workflow.jobs['plan-review'].permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('plans every stack of the manifest without taking the lock, then runs the guard with the override label', () => {
    expect(workflow.jobs.plan.strategy.matrix.stack).toBe('${{ fromJSON(needs.synth.outputs.stacks) }}');
    expect(workflow.jobs.plan.strategy['fail-fast']).toBe(false);
    expect(planScript).toMatch(/terraform plan [^\n]*-lock=false/);
    // The plan role may read no data: a refresh would call e.g. GetSecretValue (docs/decisions/0012).
    expect(planScript).toMatch(/terraform plan [^\n]*-refresh=false/);
    // Service stacks have no image_tag default: the running tag, or a marker before the first deploy.
    expect(planScript).toContain('|| echo not-deployed');
    const guard = workflow.jobs.plan.steps.find((s: any) => s.name === 'Plan guard');
    expect(guard.env.PLAN_GUARD_ALLOW_DESTROY).toBe('${{ contains(github.event.pull_request.labels.*.name, env.OVERRIDE_LABEL) }}');
    expect(guard.run).toContain('--summary');
  });

  it('the review runs even when a plan failed, and fails the check then', () => {
    const review = workflow.jobs['plan-review'];
    expect(review.if).toBe("always() && needs.synth.result == 'success'");
    expect(review.steps.at(-1)).toMatchObject({ if: "needs.plan.result != 'success'" });
  });
});
