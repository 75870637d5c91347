/**
 * The SLO alarms and application-metric graphs of every service stack follow the metric catalog
 * (services/telemetry.ts) and the service catalog: names, namespace, dimensions and thresholds are
 * read from them here too, so a renamed metric or a changed objective moves the alarms with it.
 */
import { Testing } from 'cdktf';
import { ApplicationMetrics } from '../../modules/observability/application-metrics';
import { Dashboard } from '../../modules/observability/dashboard';
import { emittedKeys, emittedMetrics } from '../../modules/observability/emitted-metrics';
import { mathExpression, metric } from '../../modules/observability/metric';
import { SLO_WINDOW } from '../../modules/observability/slo-alarms';
import { applicationMetricsNamespace } from '../../modules/stacks/service-stack';
import { catalog, findService, type Catalog } from '../../services/catalog';
import { EVENT_SLOS, METRICS, OUTBOXES, ROUTE_FAMILY_SLOS, routeFamilyOf, UPSTREAM_OUTCOMES, type MetricKey } from '../../services/telemetry';
import { loadEnvironments } from '../../envs';
import { synthEnvironment, type SynthesizedStack } from './support/stacks';

const NAMESPACE = applicationMetricsNamespace(loadEnvironments().prod);
const TOPIC = '${data.terraform_remote_state.platform.outputs.alarm_topic_arn}';

type Alarm = Record<string, any>;
const sloAlarms = (stack: SynthesizedStack): Record<string, Alarm> =>
  Object.fromEntries(Object.entries(stack.resources('aws_cloudwatch_metric_alarm')).filter(([, a]) => a.alarm_name.includes('-slo-')));
const byName = (stack: SynthesizedStack, name: string): Alarm => {
  const alarm = Object.values(sloAlarms(stack)).find((a) => a.alarm_name === name);
  if (!alarm) throw new Error(`no alarm ${name} in ${stack.name}`);
  return alarm;
};
const queries = (alarm: Alarm): Record<string, Alarm> => Object.fromEntries(alarm.metric_query.map((q: Alarm) => [q.id, q]));

describe('SLO alarms (prod)', () => {
  const prod = synthEnvironment('prod');

  describe.each(catalog.services.map((s) => [s.name] as const))('%s', (service) => {
    const stack = prod.services[service]!;
    const prefix = `platform-prod-${service}`;
    const families = Object.entries(ROUTE_FAMILY_SLOS[service] ?? {});

    it.each(families)('route family %s: availability from the 5xx ratio (metric math over 5 minutes), missing data not breaching', (family, slo) => {
      const alarm = byName(stack, `${prefix}-slo-availability-${family}`);
      expect(alarm.threshold).toBeCloseTo(100 - slo.availabilityPercent, 9);
      expect(alarm).toMatchObject({
        comparison_operator: 'GreaterThanThreshold',
        treat_missing_data: 'notBreaching',
        evaluation_periods: SLO_WINDOW.evaluationPeriods,
        datapoints_to_alarm: SLO_WINDOW.datapointsToAlarm,
      });
      expect(alarm.metric_name).toBeUndefined();
      const q = queries(alarm);
      const result = alarm.metric_query.find((x: Alarm) => x.return_data === true);
      const [errors, requests] = [METRICS.httpServerErrors.name, METRICS.httpRequests.name].map((name) =>
        Object.entries(q).find(([, x]) => x.metric?.metric_name === name),
      );
      expect(errors && requests).toBeDefined();
      expect(result.expression).toBe(`100 * FILL(${errors![0]}, 0) / ${requests![0]}`);
      for (const [, query] of [errors!, requests!]) {
        expect(query.return_data).toBe(false);
        expect(query.metric).toMatchObject({ namespace: NAMESPACE, stat: 'Sum', period: 300, dimensions: { Service: service, RouteFamily: family } });
      }
    });

    it.each(families)('route family %s: p99 of the response time against the objective', (family, slo) => {
      expect(byName(stack, `${prefix}-slo-latency-p99-${family}`)).toMatchObject({
        namespace: NAMESPACE,
        metric_name: METRICS.httpDuration.name,
        dimensions: { Service: service, RouteFamily: family },
        extended_statistic: 'p99',
        period: 300,
        threshold: slo.p99Ms,
        treat_missing_data: 'notBreaching',
      });
    });

    it('outbox lag per outbox and consumer lag per consumed queue', () => {
      for (const outbox of OUTBOXES[service] ?? []) {
        expect(byName(stack, `${prefix}-slo-outbox-lag-${outbox}`)).toMatchObject({
          metric_name: METRICS.outboxLag.name,
          namespace: NAMESPACE,
          dimensions: { Service: service, Outbox: outbox },
          statistic: 'Maximum',
          threshold: EVENT_SLOS.outboxLagSeconds,
        });
      }
      for (const queue of findService(service).needs.consumes ?? []) {
        expect(byName(stack, `${prefix}-slo-consumer-lag-${queue}`)).toMatchObject({
          metric_name: METRICS.consumerLag.name,
          namespace: NAMESPACE,
          dimensions: { Service: service, Queue: queue },
          extended_statistic: 'p99',
          threshold: EVENT_SLOS.consumerLagSeconds,
        });
      }
      const expected = families.length * 2 + (OUTBOXES[service]?.length ?? 0) + (findService(service).needs.consumes?.length ?? 0);
      expect(Object.keys(sloAlarms(stack))).toHaveLength(expected);
    });

    it('one composite alarm reads every SLO alarm and is the only one of them that notifies', () => {
      const composite = stack.only('aws_cloudwatch_composite_alarm');
      expect(composite).toMatchObject({ alarm_name: `${prefix}-slo`, alarm_actions: [TOPIC], ok_actions: [TOPIC] });
      const children = Object.keys(sloAlarms(stack)).map((id) => `ALARM("\${aws_cloudwatch_metric_alarm.${id}.arn}")`);
      expect(composite.alarm_rule.split(' OR ').sort()).toEqual(children.sort());
      for (const alarm of Object.values(sloAlarms(stack))) {
        expect(alarm.alarm_actions).toEqual([]);
        expect(alarm.ok_actions).toEqual([]);
      }
      // The infrastructure alarms keep notifying on their own.
      const others = Object.values(stack.resources('aws_cloudwatch_metric_alarm')).filter((a) => !a.alarm_name.includes('-slo-'));
      expect(others.length).toBeGreaterThan(0);
      for (const alarm of others) expect(alarm.alarm_actions).toEqual([TOPIC]);
    });

    it('its dashboard draws each metric it emits with the namespace and exactly the dimensions of the metric catalog', () => {
      const body = JSON.parse(stack.only('aws_cloudwatch_dashboard').dashboard_body);
      const rows: unknown[][] = body.widgets.flatMap((w: { properties: { metrics: unknown[][] } }) => w.properties.metrics);
      const application = rows.filter((r) => r[0] === NAMESPACE);
      const byMetricName = Object.fromEntries(Object.values(METRICS).map((m) => [m.name, m]));
      for (const row of application) {
        const definition = byMetricName[row[1] as string];
        expect(definition).toBeDefined();
        const dimensions = Object.fromEntries(Array.from({ length: (row.length - 3) / 2 }, (_, i) => [row[2 + 2 * i], row[3 + 2 * i]]));
        expect(Object.keys(dimensions).sort()).toEqual([...definition!.dimensions].sort());
        expect(dimensions.Service).toBe(service);
      }
      const drawn = new Set(application.map((r) => r[1]));
      const emitted = emittedKeys(emittedMetrics(findService(service))).map((key) => METRICS[key].name);
      expect([...drawn].sort()).toEqual([...new Set(emitted)].sort());
    });
  });

  it('draws payments created, failed and replayed; notifications sent and failed; the cache hit ratio; calls by outcome and circuit state', () => {
    const body = (s: string) => JSON.parse(prod.services[s]!.only('aws_cloudwatch_dashboard').dashboard_body);
    const graph = (s: string, title: string) => body(s).widgets.find((w: Alarm) => w.properties.title === title)?.properties.metrics;
    const names = (rows: unknown[][]) => rows.map((r) => r[1]);
    expect(names(graph('payment', 'Payments'))).toEqual(['paymentsCreated', 'paymentsFailed', 'idempotentReplays'].map((k) => METRICS[k as MetricKey].name));
    expect(names(graph('notification', 'Notifications'))).toEqual([METRICS.notificationsSent.name, METRICS.notificationsFailed.name]);
    const [ratio, ...used] = graph('user', 'Cache hit ratio (%)');
    expect(ratio[0]).toMatchObject({ expression: '100 * hits / (hits + misses)' });
    expect(used.map((r: unknown[]) => [r[1], (r.at(-1) as Alarm).id, (r.at(-1) as Alarm).visible])).toEqual([
      [METRICS.cacheHits.name, 'hits', false],
      [METRICS.cacheMisses.name, 'misses', false],
    ]);
    for (const caller of catalog.services.filter((s) => s.needs.calls?.length)) {
      for (const upstream of caller.needs.calls!) {
        const calls = graph(caller.name, `Calls to ${upstream} by outcome`);
        expect(calls.map((r: unknown[]) => r.slice(1, 8))).toEqual(
          UPSTREAM_OUTCOMES.map((o) => [METRICS.upstreamCalls.name, 'Service', caller.name, 'Upstream', upstream, 'Outcome', o]),
        );
      }
    }
    expect(graph('user', 'Calls to user by outcome')).toBeUndefined();
    expect(names(graph('notification', 'Consumer lag p50 / p99 (s)'))).toEqual([METRICS.consumerLag.name, METRICS.consumerLag.name]);
  });
});

describe('what each service emits follows the catalog', () => {
  it('every public route family has objectives, and every metric of the list is emitted (and drawn) by some service', () => {
    for (const service of catalog.services) {
      const families = service.routes.flatMap((r) => r.pathPatterns.map(routeFamilyOf));
      expect(Object.keys(ROUTE_FAMILY_SLOS[service.name] ?? {})).toEqual(expect.arrayContaining([...new Set(families)]));
    }
    for (const name of [...Object.keys(ROUTE_FAMILY_SLOS), ...Object.keys(OUTBOXES)]) expect(catalog.services.map((s) => s.name)).toContain(name);
    const emitted = new Set(catalog.services.flatMap((s) => emittedKeys(emittedMetrics(s))));
    expect([...emitted].sort()).toEqual((Object.keys(METRICS) as MetricKey[]).sort());
  });

  it('a new consumer gets its consumer-lag alarm and graphs without another list to edit', () => {
    const digest = { ...findService('notification'), name: 'digest', containerPort: 3098, routes: [], needs: { consumes: ['events'] } };
    const withDigest: Catalog = { ...catalog, services: [...catalog.services, digest] };
    const stack = synthEnvironment('dev', { catalog: withDigest }).services.digest!;
    expect(Object.values(sloAlarms(stack)).map((a) => a.alarm_name)).toEqual(['platform-dev-digest-slo-consumer-lag-events']);
    expect(stack.only('aws_cloudwatch_composite_alarm').alarm_name).toBe('platform-dev-digest-slo');
    const titles = JSON.parse(stack.only('aws_cloudwatch_dashboard').dashboard_body).widgets.map((w: Alarm) => w.properties.title);
    expect(titles).toEqual(expect.arrayContaining(['Consumer lag p50 / p99 (s)', 'Message processing time p50 / p99 (ms)']));
    expect(titles).not.toContain('Requests by route family');
  });

  it('a metric renamed in services/telemetry.ts renames what its alarms and graphs watch', () => {
    jest.isolateModules(() => {
      jest.doMock('../../services/telemetry', () => {
        const actual = jest.requireActual('../../services/telemetry');
        return { ...actual, METRICS: { ...actual.METRICS, httpDuration: { ...actual.METRICS.httpDuration, name: 'HttpLatency' } } };
      });
      const { synthEnvironment: synthAgain } = require('./support/stacks') as typeof import('./support/stacks');
      const payment = synthAgain('staging').services.payment!;
      const latency = Object.values(payment.resources('aws_cloudwatch_metric_alarm')).find((a) => a.alarm_name === 'platform-staging-payment-slo-latency-p99-payments')!;
      expect(latency.metric_name).toBe('HttpLatency');
      expect(payment.only('aws_cloudwatch_dashboard').dashboard_body).toContain('"HttpLatency"');
      expect(payment.only('aws_cloudwatch_dashboard').dashboard_body).not.toContain(`"${METRICS.httpDuration.name}"`);
    });
    jest.dontMock('../../services/telemetry');
  });
});

describe('application metric helpers', () => {
  const metrics = new ApplicationMetrics('platform/dev', 'payment');

  it('build a metric only with exactly the dimensions the catalog gives it (no rollup: a missing one finds nothing)', () => {
    expect(metrics.metric('outboxLag', { Outbox: 'payment-outbox' }, 'Maximum')).toMatchObject({
      namespace: 'platform/dev',
      metricName: METRICS.outboxLag.name,
      dimensions: { Service: 'payment', Outbox: 'payment-outbox' },
    });
    expect(() => metrics.metric('outboxLag', {}, 'Maximum')).toThrow(/carries the dimensions Service, Outbox/);
    expect(() => metrics.metric('paymentsCreated', { Queue: 'events' }, 'Sum')).toThrow(/carries the dimensions Service;/);
  });

  it('refuse metric math that names a metric it does not use, and a graph that reuses a metric id', () => {
    const m = metric('N', 'M', {}, 'Sum');
    expect(() => mathExpression('a + 1', { a: m, b: m }, 'x')).toThrow(/does not use "b"/);
    expect(() => mathExpression('A', { A: m }, 'x')).toThrow(/id "A" must match/);
    const scope = Testing.synthScope;
    expect(() =>
      scope((s) => {
        new Dashboard(s, 'd', { name: 'd', region: 'eu-west-1', widgets: [{ title: 'twice', metrics: [metrics.cacheHitPercent(), metrics.cacheHitPercent()] }] });
      }),
    ).toThrow(/uses the metric id "hits" twice/);
  });
});
