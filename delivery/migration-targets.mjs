// Prints the Terraform `-target` addresses a deploy applies before it runs the stack's migration
// task (delivery/buildspecs/deploy.yml): the migration task definition (Terraform adds what it
// depends on: its roles, policies, log group) and the stack's security-group rules (the task runs
// with the service's group and needs its path to the database). Prints nothing when the stack has
// no migration task. Reads cdk.tf.json in the current directory (a synthesized stack).
import { readFileSync } from 'node:fs';

const stack = JSON.parse(readFileSync('cdk.tf.json', 'utf8'));
const migration = stack.output?.migrate_task_definition_arn?.value;
if (typeof migration === 'string') {
  const [, taskDefinition] = /^\$\{(aws_ecs_task_definition\.[\w-]+)\.arn\}$/.exec(migration) ?? [];
  if (!taskDefinition) throw new Error(`migrate_task_definition_arn is not a task definition reference: ${migration}`);
  const rules = Object.entries(stack.resource ?? {})
    .filter(([type]) => type === 'aws_vpc_security_group_ingress_rule' || type === 'aws_vpc_security_group_egress_rule')
    .flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`));
  for (const address of [taskDefinition, ...rules].sort()) console.log(address);
}
