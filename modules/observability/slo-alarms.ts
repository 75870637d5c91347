/**
 * A service's SLO alarms (docs/decisions/0017): availability (5xx ratio) and p99 latency per route
 * family, outbox lag per outbox, consumer lag per consumed queue. None of them notifies on its own;
 * one composite alarm per service is in ALARM while any is, and only it tells the alarm topic.
 */
import { Construct } from 'constructs';
import type { CloudwatchCompositeAlarm } from '@cdktf/provider-aws/lib/cloudwatch-composite-alarm';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EVENT_SLOS, type MetricKey, type RouteFamilySlo } from '../../services/telemetry';
import type { ApplicationMetrics } from './application-metrics';
import { anyAlarm } from './composite-alarm';
import type { EmittedMetrics } from './emitted-metrics';
import { metricAlarm, type MetricAlarmOptions } from './metric-alarm';

/** Five-minute windows; an alarm needs two bad windows of the last three (one bad window is noise). */
export const SLO_WINDOW = { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 2 } as const;

/** The 5xx share (percent) an availability objective allows: 99.9 → 0.1. */
export const errorBudgetPercent = (slo: RouteFamilySlo): number => Number((100 - slo.availabilityPercent).toFixed(6));

/** The kinds of SLO alarm: what each watches and when it fires (docs/metrics.md is written from this). */
export const SLO_ALARM_KINDS = {
  availability: {
    metrics: ['httpServerErrors', 'httpRequests'],
    per: 'route family',
    name: (servicePrefix: string, family: string) => `${servicePrefix}-slo-availability-${family}`,
    condition: '100 × FILL(HttpServerErrors, 0) / HttpRequests (Sum) > 100 − availabilityPercent',
  },
  latency: {
    metrics: ['httpDuration'],
    per: 'route family',
    name: (servicePrefix: string, family: string) => `${servicePrefix}-slo-latency-p99-${family}`,
    condition: 'p99 > p99Ms',
  },
  outboxLag: {
    metrics: ['outboxLag'],
    per: 'outbox',
    name: (servicePrefix: string, outbox: string) => `${servicePrefix}-slo-outbox-lag-${outbox}`,
    condition: `Maximum > EVENT_SLOS.outboxLagSeconds (${EVENT_SLOS.outboxLagSeconds} s)`,
  },
  consumerLag: {
    metrics: ['consumerLag'],
    per: 'consumed queue',
    name: (servicePrefix: string, queue: string) => `${servicePrefix}-slo-consumer-lag-${queue}`,
    condition: `p99 > EVENT_SLOS.consumerLagSeconds (${EVENT_SLOS.consumerLagSeconds} s)`,
  },
} as const satisfies Record<string, { metrics: readonly MetricKey[]; per: string; name: (prefix: string, subject: string) => string; condition: string }>;

/**
 * What a service's SLO alarms amount to: the alarms, the alarm metrics CloudWatch bills (metric
 * math bills each metric it reads: the availability ratio reads two) and the composite alarm.
 */
export function sloAlarmCounts(emitted: EmittedMetrics): { alarms: number; alarmMetrics: number; compositeAlarms: number } {
  const families = Object.keys(emitted.routeFamilies).length;
  const alarms = families * 2 + emitted.outboxes.length + emitted.queues.length;
  return { alarms, alarmMetrics: alarms + families, compositeAlarms: alarms > 0 ? 1 : 0 };
}

/** The composite alarm of a service's SLO alarms. */
export const sloCompositeName = (servicePrefix: string): string => `${servicePrefix}-slo`;

export interface SloAlarmsProps {
  /** `<prefix>-<service>`: every alarm name starts with it. */
  readonly namePrefix: string;
  readonly metrics: ApplicationMetrics;
  readonly emitted: EmittedMetrics;
  readonly alarmTopicArn: string;
}

export class SloAlarms extends Construct {
  /** The SLO alarms, quiet: the composite speaks for them. */
  readonly alarms: readonly CloudwatchMetricAlarm[];
  /** Undefined when the service has no objective (no route family, outbox or consumed queue). */
  readonly composite?: CloudwatchCompositeAlarm;

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    const { namePrefix, metrics, emitted } = props;
    const { service } = metrics;
    const period = SLO_WINDOW.periodSeconds;
    const alarm = (alarmId: string, options: MetricAlarmOptions) =>
      metricAlarm(this, alarmId, {
        ...options,
        evaluationPeriods: SLO_WINDOW.evaluationPeriods,
        datapointsToAlarm: SLO_WINDOW.datapointsToAlarm,
        treatMissingData: 'notBreaching',
        notifiedBy: 'composite',
      });
    const windows = `in ${SLO_WINDOW.datapointsToAlarm} of ${SLO_WINDOW.evaluationPeriods} windows of ${period / 60} minutes`;

    this.alarms = [
      ...Object.entries(emitted.routeFamilies).flatMap(([family, slo]) => [
        alarm(`availability-${family}`, {
          alarmName: SLO_ALARM_KINDS.availability.name(namePrefix, family),
          description: `${service} /${family}: more than ${errorBudgetPercent(slo)} % of requests answered 5xx ${windows} (objective ${slo.availabilityPercent} %)`,
          metric: metrics.httpServerErrorPercent(family, period),
          threshold: errorBudgetPercent(slo),
        }),
        alarm(`latency-${family}`, {
          alarmName: SLO_ALARM_KINDS.latency.name(namePrefix, family),
          description: `${service} /${family}: p99 response time above ${slo.p99Ms} ms ${windows}`,
          metric: metrics.httpDuration(family, 'p99', period),
          threshold: slo.p99Ms,
        }),
      ]),
      ...emitted.outboxes.map((outbox) =>
        alarm(`outbox-lag-${outbox}`, {
          alarmName: SLO_ALARM_KINDS.outboxLag.name(namePrefix, outbox),
          description: `${service}: an event waited more than ${EVENT_SLOS.outboxLagSeconds} s in ${outbox} ${windows} (the relay is stuck or SQS refuses it)`,
          metric: metrics.outboxLag(outbox, period),
          threshold: EVENT_SLOS.outboxLagSeconds,
        }),
      ),
      ...emitted.queues.map((queue) =>
        alarm(`consumer-lag-${queue}`, {
          alarmName: SLO_ALARM_KINDS.consumerLag.name(namePrefix, queue),
          description: `${service}: p99 time from send to receipt on ${queue} above ${EVENT_SLOS.consumerLagSeconds} s ${windows} (the consumer falls behind)`,
          metric: metrics.consumerLag(queue, 'p99', period),
          threshold: EVENT_SLOS.consumerLagSeconds,
        }),
      ),
    ];

    if (this.alarms.length > 0) {
      this.composite = anyAlarm(this, 'any', {
        alarmName: sloCompositeName(namePrefix),
        description: `${service}: an SLO is breached (any of ${this.alarms.length} SLO alarms; see which in the alarm's history)`,
        children: this.alarms,
        alarmTopicArn: props.alarmTopicArn,
      });
    }
  }
}
