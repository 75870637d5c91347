import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';

/**
 * What the dashboard draws. Each input is structural, so the platform's constructs (DynamoTable,
 * Queue, Cache, AuroraPostgres) can be passed as they are.
 */
export interface PlatformDashboardProps {
  readonly name: string;
  readonly region: string;
  readonly loadBalancer?: {
    /** `aws_lb.arn_suffix` (`app/<name>/<id>`). */
    readonly arnSuffix: string;
    readonly targetGroups: readonly { readonly service: string; readonly arnSuffix: string }[];
  };
  readonly ecs?: { readonly clusterName: string; readonly serviceNames: readonly string[] };
  readonly aurora?: { readonly clusterIdentifier: string };
  readonly cache?: { readonly nodeIds: readonly string[] };
  readonly tables?: readonly { readonly name: string }[];
  readonly queues?: readonly { readonly name: string; readonly dlqName: string }[];
}

type Metric = (string | { stat?: string; label?: string })[];

interface Widget {
  type: 'metric';
  width: number;
  height: number;
  properties: { title: string; region: string; metrics: Metric[]; stat: string; period: number; view: 'timeSeries' };
}

/** One CloudWatch dashboard per environment: edge traffic, compute, data stores and queues. */
export class PlatformDashboard extends Construct {
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    const widgets = PlatformDashboard.widgets(props);
    if (widgets.length === 0) throw new Error(`PlatformDashboard ${props.name}: nothing to draw`);
    const dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      dashboardBody: JSON.stringify({ widgets }),
    });
    this.name = props.name;
    this.arn = dashboard.dashboardArn;
  }

  private static widgets(props: PlatformDashboardProps): Widget[] {
    const widget = (title: string, metrics: Metric[], stat = 'Average'): Widget => ({
      type: 'metric',
      width: 12,
      height: 6,
      properties: { title, region: props.region, metrics, stat, period: 60, view: 'timeSeries' },
    });
    const out: Widget[] = [];
    const { loadBalancer: lb, ecs, aurora, cache, tables = [], queues = [] } = props;
    if (lb) {
      const alb = ['AWS/ApplicationELB'];
      const byTargetGroup = (metric: string, stat: string): Metric[] =>
        lb.targetGroups.map((tg) => [
          ...alb, metric, 'LoadBalancer', lb.arnSuffix, 'TargetGroup', tg.arnSuffix, { stat, label: tg.service },
        ]);
      out.push(
        widget(
          'ALB requests and 5xx',
          [
            [...alb, 'RequestCount', 'LoadBalancer', lb.arnSuffix, { stat: 'Sum' }],
            [...alb, 'HTTPCode_ELB_5XX_Count', 'LoadBalancer', lb.arnSuffix, { stat: 'Sum' }],
            [...alb, 'HTTPCode_Target_5XX_Count', 'LoadBalancer', lb.arnSuffix, { stat: 'Sum' }],
          ],
          'Sum',
        ),
        widget('Target p99 latency (s)', byTargetGroup('TargetResponseTime', 'p99'), 'p99'),
        widget('Healthy targets', byTargetGroup('HealthyHostCount', 'Minimum'), 'Minimum'),
      );
    }
    if (ecs) {
      const byService = (metric: string): Metric[] =>
        ecs.serviceNames.map((s) => ['AWS/ECS', metric, 'ClusterName', ecs.clusterName, 'ServiceName', s, { label: s }]);
      out.push(widget('Service CPU %', byService('CPUUtilization')), widget('Service memory %', byService('MemoryUtilization')));
    }
    if (aurora) {
      const db = (metric: string): Metric => ['AWS/RDS', metric, 'DBClusterIdentifier', aurora.clusterIdentifier];
      out.push(
        widget('Aurora CPU % and ACU', [db('CPUUtilization'), db('ServerlessDatabaseCapacity')]),
        widget('Aurora connections', [db('DatabaseConnections')], 'Maximum'),
      );
    }
    if (cache && cache.nodeIds.length > 0) {
      const node = (metric: string): Metric[] =>
        cache.nodeIds.map((n) => ['AWS/ElastiCache', metric, 'CacheClusterId', n, { label: n }]);
      out.push(
        widget('Cache memory % and CPU %', [...node('DatabaseMemoryUsagePercentage'), ...node('EngineCPUUtilization')]),
        widget('Cache hits / misses', [...node('CacheHits'), ...node('CacheMisses')], 'Sum'),
      );
    }
    if (tables.length > 0) {
      const table = (metric: string): Metric[] =>
        tables.map((t) => ['AWS/DynamoDB', metric, 'TableName', t.name, { label: `${t.name} ${metric}` }]);
      out.push(
        widget('DynamoDB consumed capacity', [...table('ConsumedReadCapacityUnits'), ...table('ConsumedWriteCapacityUnits')], 'Sum'),
        widget('DynamoDB throttles', [...table('ReadThrottleEvents'), ...table('WriteThrottleEvents')], 'Sum'),
      );
    }
    if (queues.length > 0) {
      const sqs = (metric: string, pick: (q: { name: string; dlqName: string }) => string, stat: string): Metric[] =>
        queues.map((q) => ['AWS/SQS', metric, 'QueueName', pick(q), { stat, label: pick(q) }]);
      out.push(
        widget('Queue backlog and DLQ depth', [
          ...sqs('ApproximateNumberOfMessagesVisible', (q) => q.name, 'Maximum'),
          ...sqs('ApproximateNumberOfMessagesVisible', (q) => q.dlqName, 'Maximum'),
        ], 'Maximum'),
        widget('Oldest message age (s)', sqs('ApproximateAgeOfOldestMessage', (q) => q.name, 'Maximum'), 'Maximum'),
      );
    }
    return out;
  }
}
