/**
 * The AWS Distro for OpenTelemetry collector as a sidecar of every service task
 * (docs/decisions/0015): the app sends OTLP/HTTP to 127.0.0.1:4318; the collector keeps every
 * trace in dev and, elsewhere, every trace with an error plus a percentage of the others (tail
 * sampling), exports traces to X-Ray and metrics as CloudWatch embedded metric format (EMF) into
 * the service's own log group, from which CloudWatch extracts them (no cloudwatch:PutMetricData).
 */
import { Grant, type IGrantable } from '../security/grants';

/** ADOT collector image, pinned (public ECR; tasks pull it through the NAT gateways). */
export const COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.45.1';
/** Fixed share of the task for the sidecar: small, predictable, outside the app's budget. */
export const COLLECTOR_CPU_UNITS = 64;
export const COLLECTOR_MEMORY_MIB = 128;
/** The image's own non-root user (`aoc`). */
export const COLLECTOR_USER = '10001:10001';
/** Where the app sends OTLP/HTTP (the task's containers share one network namespace). */
export const OTLP_ENDPOINT = 'http://127.0.0.1:4318';

/** The environment variables the app's OpenTelemetry SDK reads (standard OTEL_* names). */
export const appTelemetryEnvironment = (serviceName: string, environment: string, project: string): Record<string, string> => ({
  OTEL_SERVICE_NAME: serviceName,
  OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_ENDPOINT,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${environment},service.namespace=${project}`,
  OTEL_PROPAGATORS: 'tracecontext',
  // The sampling decision is the collector's (tail sampling keeps every error): the SDK records all.
  OTEL_TRACES_SAMPLER: 'always_on',
});

export interface CollectorConfigProps {
  readonly region: string;
  /** Percentage of traces kept besides those with an error (100 = keep all, no tail sampling). */
  readonly samplePercent: number;
  /** EMF destination: the service's log group (metrics are extracted from it). */
  readonly logGroupName: string;
  /** CloudWatch namespace of the application metrics. */
  readonly metricsNamespace: string;
}

/**
 * The collector's configuration (YAML is a superset of JSON, so JSON it is), handed to ADOT through
 * `AOT_CONFIG_CONTENT`. Plain data: it holds no secret.
 */
export function collectorConfig(props: CollectorConfigProps): string {
  if (props.samplePercent < 0 || props.samplePercent > 100) throw new Error(`collector: samplePercent ${props.samplePercent} must be 0..100`);
  const sampling = props.samplePercent < 100;
  const config = {
    extensions: { health_check: {} },
    receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:4318' } } } },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      ...(sampling
        ? {
            tail_sampling: {
              decision_wait: '5s',
              policies: [
                { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
                { name: 'ratio', type: 'probabilistic', probabilistic: { sampling_percentage: props.samplePercent } },
              ],
            },
          }
        : {}),
      batch: { timeout: '1s' },
    },
    exporters: {
      awsxray: { region: props.region, indexed_attributes: ['http.route', 'service.name'] },
      awsemf: {
        region: props.region,
        namespace: props.metricsNamespace,
        log_group_name: props.logGroupName,
        log_stream_name: 'otel-emf/{TaskId}',
        resource_to_telemetry_conversion: { enabled: false },
        dimension_rollup_option: 'NoDimensionRollup',
      },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', ...(sampling ? ['tail_sampling'] : []), 'batch'], exporters: ['awsxray'] },
        metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['awsemf'] },
      },
    },
  };
  return JSON.stringify(config);
}

/**
 * What the collector may do with the task role: send traces (X-Ray has no resource-level
 * permissions, hence `*`) and write EMF records into the service's log group only.
 */
export function grantTelemetry(grantee: IGrantable, logGroupArn: string): Grant {
  return Grant.add(
    grantee,
    { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
    { actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], resources: [`${logGroupArn}:*`] },
  );
}
