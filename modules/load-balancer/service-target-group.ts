import { Construct } from 'constructs';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import type { RouteSpec } from '../../services/catalog';
import { metric, type Metric } from '../observability/metric';
import type { ILoadBalancer } from './load-balancer';

export interface ServiceTargetGroupProps {
  readonly loadBalancer: ILoadBalancer;
  /** `<prefix>-<service>`: target group names are limited to 32 characters. */
  readonly name: string;
  readonly port: number;
  readonly healthPath: string;
  readonly routes: readonly RouteSpec[];
  /** Seconds the ALB keeps sending in-flight requests to a deregistering task; default 30. */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * One service's target group (IP targets, health check on its readiness path) and the HTTPS
 * listener rules for its catalog routes. Lives in the service's stack; the listener is the
 * platform's.
 */
export class ServiceTargetGroup extends Construct {
  readonly arn: string;
  /** `targetgroup/...` suffix for CloudWatch dimensions and ALBRequestCountPerTarget. */
  readonly arnSuffix: string;
  private readonly loadBalancer: ILoadBalancer;

  constructor(scope: Construct, id: string, props: ServiceTargetGroupProps) {
    super(scope, id);
    if (props.name.length > 32) throw new Error(`ServiceTargetGroup: target group name "${props.name}" exceeds 32 characters`);
    this.loadBalancer = props.loadBalancer;
    const group = new LbTargetGroup(this, 'group', {
      name: props.name,
      vpcId: props.loadBalancer.vpcId,
      targetType: 'ip',
      port: props.port,
      protocol: 'HTTP',
      // The services drain in-flight requests within their 25 s shutdown deadline.
      deregistrationDelay: String(props.deregistrationDelaySeconds ?? 30),
      healthCheck: {
        enabled: true,
        path: props.healthPath,
        protocol: 'HTTP',
        matcher: '200',
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    for (const route of props.routes) {
      new LbListenerRule(this, `rule-${route.priority}`, {
        listenerArn: props.loadBalancer.httpsListenerArn,
        priority: route.priority,
        action: [{ type: 'forward', targetGroupArn: group.arn }],
        condition: [{ pathPattern: { values: [...route.pathPatterns] } }],
      });
    }
    this.arn = group.arn;
    this.arnSuffix = group.arnSuffix;
  }

  /** A per-target-group metric (`AWS/ApplicationELB`, dimensions LoadBalancer + TargetGroup). */
  metric(metricName: string, statistic: Metric['statistic'] = 'Sum'): Metric {
    return metric(
      'AWS/ApplicationELB',
      metricName,
      { LoadBalancer: this.loadBalancer.arnSuffix, TargetGroup: this.arnSuffix },
      statistic,
      { label: metricName },
    );
  }

  /** `resource_label` of ALBRequestCountPerTarget scaling. */
  get requestCountResourceLabel(): string {
    return `${this.loadBalancer.arnSuffix}/${this.arnSuffix}`;
  }
}
