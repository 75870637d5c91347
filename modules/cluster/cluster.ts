import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';

export interface ClusterProps {
  readonly name: string;
}

/** The cluster as service stacks see it (their services reference it by ARN and name). */
export interface ICluster {
  readonly arn: string;
  readonly name: string;
}

/** The ECS cluster: Container Insights on, FARGATE and FARGATE_SPOT available (services pick the mix). */
export class Cluster extends Construct implements ICluster {
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, 'cluster', {
      name: props.name,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    const providers = new EcsClusterCapacityProviders(this, 'capacity-providers', {
      clusterName: cluster.name,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
    });
    this.arn = cluster.arn;
    // Referencing the capacity-provider resource's name orders services after the providers exist.
    this.name = providers.clusterName;
  }
}
