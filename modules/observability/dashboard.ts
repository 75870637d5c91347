import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { dashboardRows, isExpression, type MetricOrExpression } from './metric';

/** One time-series graph: a title and the metrics it draws (each with its own statistic, or metric math). */
export interface GraphWidget {
  readonly title: string;
  readonly metrics: readonly MetricOrExpression[];
  /** Where the metrics are published, when not the dashboard's region (e.g. CloudFront's us-east-1). */
  readonly region?: string;
}

export interface DashboardProps {
  readonly name: string;
  readonly region: string;
  /** Drawn two per row, in order. */
  readonly widgets: readonly GraphWidget[];
}

const WIDGET = { width: 12, height: 6, period: 60 } as const;

/**
 * A CloudWatch dashboard of graphs built from `Metric`s, the same descriptions the alarms and the
 * scaling policies use. The environment dashboard (platform stack) and each service's dashboard
 * (its stack) are both made of it.
 */
export class Dashboard extends Construct {
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const widgets = props.widgets.filter((w) => w.metrics.length > 0);
    if (widgets.length === 0) throw new Error(`Dashboard ${props.name}: nothing to draw`);
    for (const w of widgets) {
      // Metric math ids are scoped to the graph: two expressions in it must not reuse one.
      const ids = w.metrics.flatMap((m) => (isExpression(m) ? Object.keys(m.usingMetrics) : []));
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated) throw new Error(`Dashboard ${props.name}: graph "${w.title}" uses the metric id "${repeated}" twice`);
    }
    const dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      dashboardBody: JSON.stringify({
        widgets: widgets.map((w) => ({
          type: 'metric',
          width: WIDGET.width,
          height: WIDGET.height,
          properties: {
            title: w.title,
            region: w.region ?? props.region,
            metrics: w.metrics.flatMap(dashboardRows),
            period: WIDGET.period,
            view: 'timeSeries',
          },
        })),
      }),
    });
    this.name = props.name;
    this.arn = dashboard.dashboardArn;
  }
}
