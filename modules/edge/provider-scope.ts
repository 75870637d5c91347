import { Construct, type IConstruct } from 'constructs';
import { Aspects, TerraformResource, type TerraformProvider } from 'cdktf';

/**
 * A scope whose every resource is planned by `provider` (e.g. the us-east-1 alias): an aspect
 * sets `provider` on each resource under it at synthesis, so the shared constructs (KmsKey,
 * LogGroup, AlarmTopic, metricAlarm) can be placed in another region without a provider argument
 * each. A resource under it that names another provider itself is a mistake and fails synthesis.
 */
export class ProviderScope extends Construct {
  constructor(scope: Construct, id: string, readonly provider: TerraformProvider) {
    super(scope, id);
    Aspects.of(this).add({
      visit: (node: IConstruct) => {
        if (!(node instanceof TerraformResource)) return;
        if (node.provider && node.provider !== provider) {
          throw new Error(`${node.node.path}: names provider ${node.provider.node.path} inside the ${provider.node.path} scope`);
        }
        node.provider = provider;
      },
    });
  }
}
