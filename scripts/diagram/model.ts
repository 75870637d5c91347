/**
 * The diagram model of one environment, derived from the synthesized Terraform JSON: what exists
 * (resource types, counts, names, settings) and how it is connected (the references between
 * resources: listener rules → target groups → ECS services, security-group ingress between service
 * groups and to the data stores, task-role grants on tables and queues, queue redrive, alarm
 * actions, the delivery pipelines' deploy projects). The catalog adds only what the JSON cannot
 * say (a service's description). Plain data, deterministic order; rendering is dot.ts's job.
 */
import { DELIVERY_STACK_NAME, platformStackName } from '../../modules/stacks/naming';
import type { Catalog, EnvironmentName } from '../../services/catalog';
import { addressOf, DiagramError, list, num, obj, str, type Json, type Resource, type SynthesizedApp } from './terraform';

/** What an arrow means; dot.ts owns how each kind looks (and the legend). */
export type LinkKind =
  | 'request'
  | 'call'
  | 'publish'
  | 'consume'
  | 'dead-letter'
  | 'data'
  | 'deploy'
  | 'telemetry'
  | 'alarm'
  | 'egress'
  | 'protects';

export interface Link {
  readonly kind: LinkKind;
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

export type Tier = 'public' | 'private' | 'isolated';
export const TIERS: readonly Tier[] = ['public', 'private', 'isolated'];

export interface Zone {
  readonly name: string;
  readonly subnets: Partial<Record<Tier, string>>;
  readonly natGateway: boolean;
  /** Aurora instances placed in this zone (`writer`, `reader`). */
  readonly databaseInstances: readonly string[];
}

export interface ServiceModel {
  readonly id: string;
  readonly name: string;
  readonly stack: string;
  readonly description?: string;
  readonly port?: number;
  readonly cpu: number;
  readonly memory: number;
  readonly architecture?: string;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Share of tasks on FARGATE_SPOT, in percent. */
  readonly spotPercent: number;
  readonly sidecars: readonly { readonly name: string; readonly image: string }[];
  readonly routes: readonly { readonly priority: number; readonly paths: readonly string[] }[];
  readonly healthPath?: string;
  /** One-off task definitions of the service (e.g. `migrate`). */
  readonly oneOffTasks: readonly string[];
}

export interface TableModel {
  readonly id: string;
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly string[];
  readonly ttlAttribute?: string;
  readonly onDemand: boolean;
  readonly pointInTimeRecovery: boolean;
}

export interface QueueModel {
  readonly id: string;
  readonly name: string;
  readonly dlq?: { readonly id: string; readonly name: string; readonly maxReceiveCount?: number };
}

export interface PipelineModel {
  readonly id: string;
  readonly name: string;
  /** The catalog service it delivers, or `platform`. */
  readonly unit: string;
  readonly stages: readonly string[];
}

export interface DiagramModel {
  readonly environment: EnvironmentName;
  readonly region?: string;
  readonly edge: {
    /** Where CloudFront and WAF are managed (their provider's region). */
    readonly region?: string;
    readonly records: readonly { readonly name: string; readonly type: string; readonly target: string }[];
    readonly distribution: {
      readonly aliases: readonly string[];
      readonly httpVersion?: string;
      readonly ipv6: boolean;
      readonly minimumTls?: string;
      readonly priceClass?: string;
      readonly staticPaths: readonly string[];
    };
    readonly firewall?: { readonly name: string; readonly rules: readonly string[] };
    readonly certificates: readonly { readonly domain: string; readonly region?: string }[];
  };
  readonly network: {
    readonly cidr: string;
    readonly zones: readonly Zone[];
    readonly gatewayEndpoints: readonly string[];
    readonly interfaceEndpoints: readonly string[];
    readonly flowLogs: boolean;
  };
  readonly loadBalancer: { readonly name: string; readonly internal: boolean; readonly listeners: readonly string[] };
  readonly cluster: { readonly name: string; readonly capacityProviders: readonly string[]; readonly serviceConnectNamespace?: string };
  readonly services: readonly ServiceModel[];
  readonly aurora?: {
    readonly identifier: string;
    readonly engine: string;
    readonly version: string;
    readonly database?: string;
    readonly capacity?: { readonly minAcu: number; readonly maxAcu: number };
    readonly iamAuthentication: boolean;
    /** The cluster parameter group forces TLS (`rds.force_ssl`). */
    readonly tlsRequired: boolean;
    readonly instances: readonly { readonly role: string; readonly zone?: string; readonly instanceClass: string }[];
  };
  readonly cache?: {
    readonly id: string;
    readonly engine: string;
    readonly version: string;
    readonly nodeType: string;
    readonly nodes: number;
    readonly multiAz: boolean;
    readonly tlsRequired: boolean;
  };
  readonly tables: readonly TableModel[];
  readonly queues: readonly QueueModel[];
  readonly repositories: readonly { readonly id: string; readonly name: string }[];
  readonly buckets: readonly { readonly id: string; readonly name: string; readonly purpose: string }[];
  readonly email?: { readonly identity: string };
  readonly keys: number;
  readonly observability: {
    readonly logGroups: number;
    readonly alarms: number;
    readonly dashboards: number;
    readonly topics: readonly { readonly id: string; readonly name: string; readonly region?: string; readonly subscriptions: readonly string[] }[];
    readonly metricsNamespace?: string;
    /** Kept traces as the collectors configure them, e.g. `errors + 5 %`. */
    readonly traceSampling?: string;
  };
  readonly delivery?: { readonly source?: string; readonly pipelines: readonly PipelineModel[] };
  readonly links: readonly Link[];
}

/** Node ids shared by the model and the renderer. */
export const NODE = {
  clients: 'clients',
  dns: 'route53',
  cdn: 'cloudfront',
  waf: 'waf',
  alb: 'alb',
  cluster: 'ecs-cluster',
  nat: 'nat',
  endpoints: 'endpoints',
  aurora: 'aurora',
  cache: 'cache',
  email: 'ses',
  xray: 'xray',
  logs: 'logs',
  metrics: 'metrics',
  alarms: 'alarms',
  source: 'source',
  /** The platform stack as a whole (what the platform pipeline deploys). */
  platform: 'platform',
  service: (name: string) => `service:${name}`,
  table: (name: string) => `table:${name}`,
  queue: (name: string) => `queue:${name}`,
  repository: (name: string) => `ecr:${name}`,
  bucket: (name: string) => `s3:${name}`,
  topic: (name: string) => `sns:${name}`,
  pipeline: (name: string) => `pipeline:${name}`,
} as const;

// ---------------------------------------------------------------------------------------------

/** Derives the model of `environment` from the synthesized app (and the catalog's descriptions). */
export function diagramModel(app: SynthesizedApp, environment: EnvironmentName, catalog: Catalog): DiagramModel {
  return new ModelBuilder(app, environment, catalog).build();
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource?: string | string[];
}

interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly essential?: boolean;
  readonly portMappings?: readonly { containerPort: number }[];
  readonly environment?: readonly { name: string; value: string }[];
}

/**
 * One pass over an environment's stacks: `<env>-platform`, the stacks that read its state and run
 * an ECS service (one per catalog service), and the delivery stack's pipelines that deploy them.
 */
class ModelBuilder {
  private readonly platform: string;
  private readonly serviceStacks: string[];
  private readonly links: Link[] = [];
  /** Resource address → node id, for references that land on a drawn resource. */
  private readonly nodeOf = new Map<string, string>();

  constructor(
    private readonly app: SynthesizedApp,
    private readonly environment: EnvironmentName,
    private readonly catalog: Catalog,
  ) {
    this.platform = platformStackName(environment);
    const position = (stack: string): number => {
      const index = catalog.services.findIndex((s) => s.name === this.ecsService(stack).body.name);
      return index < 0 ? catalog.services.length : index;
    };
    this.serviceStacks = app
      .readersOf(this.platform)
      .filter((stack) => app.resources(stack, 'aws_ecs_service').length > 0)
      .sort((a, b) => position(a) - position(b) || a.localeCompare(b));
  }

  build(): DiagramModel {
    const network = this.network();
    const edge = this.edge();
    const services = this.serviceStacks.map((stack) => this.service(stack));
    const stores = this.dataStores();
    const access = this.serviceAccess(services);
    const observability = this.observability(services);
    const delivery = this.app.has(DELIVERY_STACK_NAME) ? this.delivery(services, stores.repositories) : undefined;
    const vpc = this.app.only(this.platform, 'aws_vpc');
    return {
      environment: this.environment,
      ...optional('region', this.app.region(vpc)),
      edge,
      network,
      loadBalancer: this.loadBalancer(),
      cluster: this.cluster(),
      services,
      ...stores,
      ...access,
      observability,
      ...optional('delivery', delivery),
      links: dedupe(this.links),
    };
  }

  private link(kind: LinkKind, from: string, to: string, label?: string): void {
    this.links.push({ kind, from, to, ...optional('label', label) });
  }

  private mark(resources: readonly Resource[], id: string): void {
    for (const r of resources) this.nodeOf.set(addressOf(r), id);
  }

  private nodesIn(stack: string, value: unknown): string[] {
    return this.app.refs(stack, value).flatMap((r) => this.nodeOf.get(addressOf(r)) ?? []);
  }

  private all(type: string): Resource[] {
    return [this.platform, ...this.serviceStacks].flatMap((stack) => this.app.resources(stack, type));
  }

  private resources(type: string): Resource[] {
    return this.app.resources(this.platform, type);
  }

  private ecsService(stack: string): Resource {
    return this.app.only(stack, 'aws_ecs_service');
  }

  private taskDefinition(stack: string): Resource {
    const task = this.app.refsOfType(stack, this.ecsService(stack).body.task_definition, 'aws_ecs_task_definition')[0];
    if (!task) throw new DiagramError(`diagram: ${stack}: the ECS service references no task definition`);
    return task;
  }

  /** Subnets per tier and zone (the `Tier` tag), NAT gateways, endpoints; egress through NAT. */
  private network(): DiagramModel['network'] {
    const vpc = this.app.only(this.platform, 'aws_vpc');
    const subnets = this.resources('aws_subnet');
    const natZones = this.resources('aws_nat_gateway').flatMap((nat) =>
      this.app.refsOfType(this.platform, nat.body.subnet_id, 'aws_subnet').map((s) => str(s.body.availability_zone)),
    );
    const databaseInstances = this.resources('aws_rds_cluster_instance');
    const zones = [...new Set(subnets.map((s) => str(s.body.availability_zone)!))].sort().map((zone) => {
      const inZone = subnets.filter((s) => s.body.availability_zone === zone);
      const cidrs = TIERS.flatMap((tier) => {
        const cidr = str(inZone.find((s) => obj(s.body.tags).Tier === tier)?.body.cidr_block);
        return cidr ? [[tier, cidr] as const] : [];
      });
      return {
        name: zone,
        subnets: Object.fromEntries(cidrs),
        natGateway: natZones.includes(zone),
        databaseInstances: databaseInstances.filter((i) => i.body.availability_zone === zone).map(instanceRole),
      };
    });
    if (natZones.length > 0) this.link('egress', NODE.cluster, NODE.nat, 'HTTPS egress');
    const endpoints = this.resources('aws_vpc_endpoint');
    const endpointsOfType = (type: string) =>
      endpoints.filter((e) => e.body.vpc_endpoint_type === type).map((e) => str(e.body.service_name)!.split('.').slice(3).join('.'));
    return {
      cidr: str(vpc.body.cidr_block)!,
      zones,
      gatewayEndpoints: endpointsOfType('Gateway'),
      interfaceEndpoints: endpointsOfType('Interface'),
      flowLogs: this.resources('aws_flow_log').length > 0,
    };
  }

  /** Route 53 aliases, the distribution and its origins (ALB through a VPC origin, S3), the web ACL. */
  private edge(): DiagramModel['edge'] {
    const { app, platform } = this;
    const distribution = app.only(platform, 'aws_cloudfront_distribution');
    const loadBalancer = app.only(platform, 'aws_lb');
    this.mark([distribution], NODE.cdn);
    this.mark([loadBalancer], NODE.alb);
    const records = this.resources('aws_route53_record')
      .filter((r) => isLiteral(str(r.body.name)) && r.body.alias)
      .map((r) => ({ name: str(r.body.name)!, type: str(r.body.type)!, target: this.nodesIn(platform, obj(r.body.alias).name)[0] ?? 'other' }));
    const viewerNames = [...new Set(records.filter((r) => r.target === NODE.cdn).map((r) => r.name))];
    if (viewerNames.length > 0) {
      this.link('request', NODE.clients, NODE.dns, 'HTTPS');
      this.link('request', NODE.dns, NODE.cdn, `${viewerNames.join(', ')} (alias)`);
    } else {
      this.link('request', NODE.clients, NODE.cdn, 'HTTPS');
    }
    const behaviors = list(distribution.body.ordered_cache_behavior).map(obj);
    for (const origin of list(distribution.body.origin).map(obj)) {
      const vpcOrigin = app.refsOfType(platform, origin.vpc_origin_config, 'aws_cloudfront_vpc_origin')[0];
      if (vpcOrigin && app.refsOfType(platform, vpcOrigin.body.vpc_origin_endpoint_config, 'aws_lb').length > 0) {
        this.link('request', NODE.cdn, NODE.alb, 'VPC origin, HTTPS 443');
      }
      for (const bucket of app.refsOfType(platform, origin.domain_name, 'aws_s3_bucket')) {
        const paths = behaviors.filter((b) => b.target_origin_id === origin.origin_id).map((b) => str(b.path_pattern)!);
        this.mark([bucket], NODE.bucket(str(bucket.body.bucket)!));
        this.link('request', NODE.cdn, NODE.bucket(str(bucket.body.bucket)!), `${paths.join(', ') || 'default'} (OAC)`);
      }
    }
    const webAcl = app.refsOfType(platform, distribution.body.web_acl_id, 'aws_wafv2_web_acl')[0];
    if (webAcl) this.link('protects', NODE.waf, NODE.cdn);
    const viewerCertificate = obj(distribution.body.viewer_certificate);
    return {
      ...optional('region', app.region(distribution)),
      records,
      distribution: {
        aliases: list(distribution.body.aliases).map((a) => str(a)!),
        ...optional('httpVersion', str(distribution.body.http_version)),
        ipv6: distribution.body.is_ipv6_enabled === true,
        ...optional('minimumTls', str(viewerCertificate.minimum_protocol_version)),
        ...optional('priceClass', str(distribution.body.price_class)),
        staticPaths: behaviors.map((b) => str(b.path_pattern)!),
      },
      ...optional('firewall', webAcl && { name: str(webAcl.body.name)!, rules: list(webAcl.body.rule).map(wafRule) }),
      certificates: this.resources('aws_acm_certificate').map((c) => ({ domain: str(c.body.domain_name)!, ...optional('region', app.region(c)) })),
    };
  }

  private loadBalancer(): DiagramModel['loadBalancer'] {
    const alb = this.app.only(this.platform, 'aws_lb');
    return {
      name: str(alb.body.name)!,
      internal: alb.body.internal === true,
      listeners: this.resources('aws_lb_listener').map((l) => `${str(l.body.protocol)} ${num(l.body.port)}`),
    };
  }

  private cluster(): DiagramModel['cluster'] {
    const namespace = this.app.optional(this.platform, 'aws_service_discovery_http_namespace');
    return {
      name: str(this.app.only(this.platform, 'aws_ecs_cluster').body.name)!,
      capacityProviders: this.resources('aws_ecs_cluster_capacity_providers').flatMap((c) => list(c.body.capacity_providers).map((p) => str(p)!)),
      ...optional('serviceConnectNamespace', namespace && str(namespace.body.name)),
    };
  }

  /** One ECS service: its task (size, sidecars, one-off tasks), scaling, Spot share; ALB routes to it. */
  private service(stack: string): ServiceModel {
    const { app } = this;
    const ecs = this.ecsService(stack);
    const name = str(ecs.body.name)!;
    const id = NODE.service(name);
    const task = this.taskDefinition(stack);
    const containers = containersOf(task);
    const scaling = app.resources(stack, 'aws_appautoscaling_target').find((t) => app.refs(stack, t.body.resource_id).some((r) => r.name === ecs.name));
    const strategy = list(ecs.body.capacity_provider_strategy).map(obj);
    const weight = (provider: string) => strategy.filter((s) => s.capacity_provider === provider).reduce((n, s) => n + (num(s.weight) ?? 0), 0);
    const totalWeight = weight('FARGATE') + weight('FARGATE_SPOT');
    const targetGroups = app.refsOfType(stack, ecs.body.load_balancer, 'aws_lb_target_group');
    const serviceConnect = obj(list(obj(ecs.body.service_connect_configuration).service)[0]);
    const desired = num(ecs.body.desired_count) ?? 1;
    this.mark(app.refsOfType(stack, obj(ecs.body.network_configuration).security_groups, 'aws_security_group'), id);

    // Listener rules of the ALB's listener that forward to this service's target group.
    const routes = app
      .resources(stack, 'aws_lb_listener_rule')
      .filter((rule) => {
        const listener = app.refsOfType(stack, rule.body.listener_arn, 'aws_lb_listener')[0];
        const onAlb = listener && this.nodesIn(listener.stack, listener.body.load_balancer_arn).includes(NODE.alb);
        return onAlb && app.refsOfType(stack, rule.body.action, 'aws_lb_target_group').some((tg) => targetGroups.some((own) => own.name === tg.name));
      })
      .map((rule) => ({ priority: num(rule.body.priority)!, paths: pathsOf(rule) }))
      .sort((a, b) => a.priority - b.priority);
    for (const route of routes) this.link('request', NODE.alb, id, route.paths.join(', '));

    return {
      id,
      name,
      stack,
      ...optional('description', this.catalog.services.find((s) => s.name === name)?.description),
      ...optional('port', num(obj(serviceConnect.client_alias).port) ?? containers[0]?.portMappings?.[0]?.containerPort),
      cpu: num(task.body.cpu)!,
      memory: num(task.body.memory)!,
      ...optional('architecture', str(obj(task.body.runtime_platform).cpu_architecture)),
      minTasks: num(scaling?.body.min_capacity) ?? desired,
      maxTasks: num(scaling?.body.max_capacity) ?? desired,
      spotPercent: totalWeight > 0 ? Math.round((100 * weight('FARGATE_SPOT')) / totalWeight) : 0,
      sidecars: containers.filter((c) => c.essential === false).map((c) => ({ name: c.name, image: c.image.split('/').pop()! })),
      routes,
      ...optional('healthPath', targetGroups[0] && str(obj(targetGroups[0].body.health_check).path)),
      oneOffTasks: app
        .resources(stack, 'aws_ecs_task_definition')
        .filter((t) => t.name !== task.name)
        .map((t) => str(t.body.family)!.replace(`${str(task.body.family)}-`, '')),
    };
  }

  /** Aurora, the cache, tables, queues with their DLQs, ECR repositories, KMS keys. */
  private dataStores(): Pick<DiagramModel, 'aurora' | 'cache' | 'tables' | 'queues' | 'repositories' | 'buckets' | 'keys'> {
    const { app, platform } = this;
    const aurora = app.optional(platform, 'aws_rds_cluster');
    const cache = app.optional(platform, 'aws_elasticache_replication_group');
    if (aurora) this.mark([aurora, ...app.refsOfType(platform, aurora.body.vpc_security_group_ids, 'aws_security_group')], NODE.aurora);
    if (cache) this.mark([cache, ...app.refsOfType(platform, cache.body.security_group_ids, 'aws_security_group')], NODE.cache);
    this.mark(app.refsOfType(platform, app.only(platform, 'aws_lb').body.security_groups, 'aws_security_group'), NODE.alb);
    this.mark(this.all('aws_cloudwatch_log_group'), NODE.logs);

    const tables = this.resources('aws_dynamodb_table').map((t) => {
      const name = str(t.body.name)!;
      this.mark([t], NODE.table(name));
      const ttl = obj(t.body.ttl);
      return {
        id: NODE.table(name),
        name,
        partitionKey: str(t.body.hash_key)!,
        ...optional('sortKey', str(t.body.range_key)),
        indexes: list(t.body.global_secondary_index).map((i) => str(obj(i).name)!),
        ...optional('ttlAttribute', ttl.enabled === true ? str(ttl.attribute_name) : undefined),
        onDemand: t.body.billing_mode === 'PAY_PER_REQUEST',
        pointInTimeRecovery: obj(t.body.point_in_time_recovery).enabled === true,
      };
    });

    const sqs = this.resources('aws_sqs_queue');
    for (const q of sqs) this.mark([q], NODE.queue(str(q.body.name)!));
    const dlqOf = (q: Resource) => {
      const policy = str(q.body.redrive_policy);
      const target = policy ? app.refsOfType(platform, policy, 'aws_sqs_queue')[0] : undefined;
      if (!target) return undefined;
      const maxReceiveCount = num(/"maxReceiveCount":\s*(\d+)/.exec(policy!)?.[1]);
      return { id: NODE.queue(str(target.body.name)!), name: str(target.body.name)!, ...optional('maxReceiveCount', maxReceiveCount) };
    };
    const dlqs = new Set(sqs.flatMap((q) => dlqOf(q)?.name ?? []));
    const queues = sqs
      .filter((q) => !dlqs.has(str(q.body.name)!))
      .map((q) => ({ id: NODE.queue(str(q.body.name)!), name: str(q.body.name)!, ...optional('dlq', dlqOf(q)) }));
    for (const q of queues) if (q.dlq) this.link('dead-letter', q.id, q.dlq.id, q.dlq.maxReceiveCount ? `after ${q.dlq.maxReceiveCount} receives` : undefined);

    const repositories = this.resources('aws_ecr_repository').map((r) => {
      const name = str(r.body.name)!;
      this.mark([r], NODE.repository(name));
      return { id: NODE.repository(name), name };
    });
    // The buckets CloudFront serves (edge() linked them).
    const buckets = this.resources('aws_s3_bucket')
      .filter((b) => this.nodeOf.get(addressOf(b)) === NODE.bucket(str(b.body.bucket)!))
      .map((b) => ({ id: NODE.bucket(str(b.body.bucket)!), name: str(b.body.bucket)!, purpose: 'static assets' }));

    return {
      ...optional('aurora', aurora && this.aurora(aurora)),
      ...optional(
        'cache',
        cache && {
          id: str(cache.body.replication_group_id)!,
          engine: str(cache.body.engine)!,
          version: str(cache.body.engine_version)!,
          nodeType: str(cache.body.node_type)!,
          nodes: num(cache.body.num_cache_clusters) ?? 1,
          multiAz: cache.body.multi_az_enabled === true,
          tlsRequired: String(cache.body.transit_encryption_enabled) === 'true',
        },
      ),
      tables,
      queues,
      repositories,
      buckets,
      keys: this.resources('aws_kms_key').length,
    };
  }

  private aurora(cluster: Resource): NonNullable<DiagramModel['aurora']> {
    const scaling = obj(cluster.body.serverlessv2_scaling_configuration);
    const instances = [...this.resources('aws_rds_cluster_instance')].sort((a, b) => instanceRole(b).localeCompare(instanceRole(a)) || a.name.localeCompare(b.name));
    return {
      identifier: str(cluster.body.cluster_identifier)!,
      engine: str(cluster.body.engine)!,
      version: str(cluster.body.engine_version)!,
      ...optional('database', str(cluster.body.database_name)),
      ...optional('capacity', scaling.min_capacity !== undefined ? { minAcu: num(scaling.min_capacity)!, maxAcu: num(scaling.max_capacity)! } : undefined),
      iamAuthentication: cluster.body.iam_database_authentication_enabled === true,
      tlsRequired: this.app
        .refsOfType(this.platform, cluster.body.db_cluster_parameter_group_name, 'aws_rds_cluster_parameter_group')
        .some((g) => list(g.body.parameter).some((p) => obj(p).name === 'rds.force_ssl' && String(obj(p).value) === '1')),
      instances: instances.map((i) => ({ role: instanceRole(i), ...optional('zone', str(i.body.availability_zone)), instanceClass: str(i.body.instance_class)! })),
    };
  }

  /**
   * What each service reaches: its task role's grants (tables, queues to publish to or consume,
   * SES, X-Ray, its log group) and its security-group paths (callees on their port, data stores).
   */
  private serviceAccess(services: readonly ServiceModel[]): Pick<DiagramModel, 'email'> {
    const iamAuth = new Set<string>();
    let email: DiagramModel['email'];
    for (const service of services) {
      for (const statement of this.taskRoleStatements(service.stack)) {
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        const targets = this.nodesIn(service.stack, statement.Resource);
        const has = (prefix: string) => actions.some((a) => a.startsWith(prefix));
        if (has('rds-db:connect') || has('elasticache:Connect')) for (const t of targets) iamAuth.add(`${service.id}>${t}`);
        if (has('dynamodb:')) for (const t of targets) this.link('data', service.id, t, dynamoAccess(actions));
        if (has('sqs:SendMessage')) for (const t of targets) this.link('publish', service.id, t, 'publish');
        if (has('sqs:ReceiveMessage')) for (const t of targets) this.link('consume', t, service.id, 'consume');
        if (has('ses:SendEmail')) {
          const identity = list(statement.Resource as Json).flatMap((r) => str(r)?.split(':identity/')[1] ?? [])[0];
          email = { identity: identity ?? 'SES' };
          this.link('call', service.id, NODE.email, 'ses:SendEmail');
        }
        if (has('xray:PutTraceSegments')) this.link('telemetry', service.id, NODE.xray, 'traces');
        if (has('logs:PutLogEvents') && targets.includes(NODE.logs)) this.link('telemetry', service.id, NODE.logs, 'logs + EMF metrics');
      }
    }
    for (const stack of [this.platform, ...this.serviceStacks]) {
      for (const rule of this.app.resources(stack, 'aws_vpc_security_group_ingress_rule')) {
        const to = this.nodesIn(stack, rule.body.security_group_id)[0];
        const from = this.nodesIn(stack, rule.body.referenced_security_group_id)[0];
        if (!to || !from?.startsWith('service:')) continue;
        const port = num(rule.body.from_port);
        if (to.startsWith('service:')) this.link('call', from, to, `:${port} Service Connect`);
        else this.link('data', from, to, `:${port}${iamAuth.has(`${from}>${to}`) ? ' IAM auth' : ''}`);
      }
    }
    return optional('email', email);
  }

  /** The statements of the inline policies of the ECS service's task role. */
  private taskRoleStatements(stack: string): Statement[] {
    const role = this.app.refsOfType(stack, this.taskDefinition(stack).body.task_role_arn, 'aws_iam_role')[0];
    if (!role) return [];
    return this.app
      .resources(stack, 'aws_iam_role_policy')
      .filter((p) => this.app.refs(stack, p.body.role).some((r) => r.name === role.name))
      .flatMap((p) => (JSON.parse(str(p.body.policy)!) as { Statement: Statement[] }).Statement);
  }

  /** Counts of log groups, alarms and dashboards; alarm topics; the collectors' exporters. */
  private observability(services: readonly ServiceModel[]): DiagramModel['observability'] {
    const { app, platform } = this;
    const vpcRegion = app.region(app.only(platform, 'aws_vpc'));
    const topics = this.resources('aws_sns_topic').map((t) => {
      const name = str(t.body.name)!;
      this.mark([t], NODE.topic(name));
      const region = app.region(t);
      const subscriptions = this.resources('aws_sns_topic_subscription')
        .filter((s) => app.refs(platform, s.body.topic_arn).some((r) => r.name === t.name))
        .map((s) => str(s.body.protocol)!);
      return { id: NODE.topic(name), name, ...optional('region', region !== vpcRegion ? region : undefined), subscriptions };
    });
    const alarms = this.all('aws_cloudwatch_metric_alarm');
    const alarmsByTopic = new Map<string, number>();
    for (const alarm of alarms) {
      for (const topic of new Set(this.nodesIn(alarm.stack, alarm.body.alarm_actions))) alarmsByTopic.set(topic, (alarmsByTopic.get(topic) ?? 0) + 1);
    }
    for (const [topic, count] of [...alarmsByTopic].sort(([a], [b]) => a.localeCompare(b))) this.link('alarm', NODE.alarms, topic, `${count} alarms`);
    return {
      logGroups: this.all('aws_cloudwatch_log_group').length,
      alarms: alarms.length,
      dashboards: this.all('aws_cloudwatch_dashboard').length,
      topics,
      ...this.collector(services),
    };
  }

  /** The collector sidecar's exporters (`AOT_CONFIG_CONTENT`): EMF namespace and kept share of traces. */
  private collector(services: readonly ServiceModel[]): Pick<DiagramModel['observability'], 'metricsNamespace' | 'traceSampling'> {
    const configs = services.flatMap((s) => containersOf(this.taskDefinition(s.stack)).flatMap((c) => c.environment?.find((e) => e.name === 'AOT_CONFIG_CONTENT')?.value ?? []));
    if (configs.length === 0) return {};
    const config = JSON.parse(configs[0]!) as {
      exporters?: { awsemf?: { namespace?: string } };
      processors?: { tail_sampling?: { policies?: { type: string; probabilistic?: { sampling_percentage: number } }[] } };
    };
    const policies = config.processors?.tail_sampling?.policies;
    const ratio = policies?.find((p) => p.type === 'probabilistic')?.probabilistic?.sampling_percentage ?? 0;
    const errors = policies?.some((p) => p.type === 'status_code');
    return {
      ...optional('metricsNamespace', config.exporters?.awsemf?.namespace),
      traceSampling: policies ? `${errors ? 'errors + ' : ''}${ratio} %` : 'all',
    };
  }

  /**
   * The pipelines with a deploy project (`STACK` variable) for one of this environment's stacks:
   * each applies that stack and pushes its image (`IMAGE_REPOSITORY`) to the environment's ECR.
   */
  private delivery(services: readonly ServiceModel[], repositories: readonly { id: string; name: string }[]): DiagramModel['delivery'] {
    const { app } = this;
    const stacks = [this.platform, ...this.serviceStacks];
    let source: string | undefined;
    const pipelines: PipelineModel[] = [];
    for (const pipeline of app.resources(DELIVERY_STACK_NAME, 'aws_codepipeline')) {
      const name = str(pipeline.body.name)!;
      const id = NODE.pipeline(name);
      const stages = list(pipeline.body.stage).map(obj);
      let unit = 'platform';
      let deploys = false;
      for (const action of stages.flatMap((s) => list(s.action).map(obj))) {
        const configuration = obj(action.configuration);
        source ??= str(configuration.FullRepositoryId);
        const project = app.refsOfType(DELIVERY_STACK_NAME, configuration.ProjectName, 'aws_codebuild_project')[0];
        const variables = Object.fromEntries(list(obj(project?.body.environment).environment_variable).map((v) => [str(obj(v).name)!, str(obj(v).value)!]));
        if (variables.SERVICE) unit = variables.SERVICE;
        if (!variables.STACK || !stacks.includes(variables.STACK)) continue;
        deploys = true;
        this.link('deploy', id, services.find((s) => s.stack === variables.STACK)?.id ?? NODE.platform, `apply ${variables.STACK}`);
        const repository = repositories.find((r) => r.name === variables.IMAGE_REPOSITORY);
        if (repository) this.link('deploy', id, repository.id, 'push image');
      }
      if (!deploys) continue;
      if (source) this.link('deploy', NODE.source, id);
      pipelines.push({ id, name, unit, stages: stages.map((s) => str(s.name)!) });
    }
    return { ...optional('source', source), pipelines };
  }
}

// ---------------------------------------------------------------------------------------------

/** `{ [key]: value }` when value is defined, else `{}` (optional properties stay absent, not undefined). */
const optional = <K extends string, V>(key: K, value: V | undefined | null | false | ''): { [P in K]?: V } =>
  (value === undefined || value === null || value === false || value === '' ? {} : { [key]: value }) as { [P in K]?: V };

const isLiteral = (value: string | undefined): value is string => value !== undefined && !value.includes('${');

/**
 * `writer` or `reader`. Terraform has no such attribute (Aurora makes the first instance the
 * writer); modules/aurora names that instance's construct `writer`, which its logical id keeps.
 */
const instanceRole = (r: Resource): string => (/(^|_)writer(_|$)/.test(r.name) ? 'writer' : 'reader');

const pathsOf = (rule: Resource): string[] => list(rule.body.condition).flatMap((c) => list(obj(obj(c).path_pattern).values).map((v) => str(v)!));

function wafRule(rule: Json): string {
  const r = obj(rule);
  const rate = obj(obj(r.statement).rate_based_statement);
  return rate.limit !== undefined ? `${str(r.name)} (${num(rate.limit)} / ${Math.round((num(rate.evaluation_window_sec) ?? 300) / 60)} min per IP)` : str(r.name)!;
}

const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const dynamoAccess = (actions: readonly string[]): string => (actions.some((a) => WRITES.includes(a) || a === 'dynamodb:*') ? 'read/write' : 'read');

const containersOf = (task: Resource): ContainerDefinition[] => JSON.parse(str(task.body.container_definitions)!) as ContainerDefinition[];

const dedupe = (links: readonly Link[]): Link[] => {
  const seen = new Set<string>();
  return links.filter((l) => {
    const key = `${l.kind}|${l.from}|${l.to}|${l.label ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
