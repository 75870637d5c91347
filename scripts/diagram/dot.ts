/**
 * The diagram model as Graphviz DOT: tiers as clusters (edge / VPC with its public, private-app
 * and isolated-data subnets per availability zone / regional services / observability / delivery),
 * left-to-right request flow, one colour and line style per kind of arrow, and a legend of them.
 * Pure and deterministic: the same model gives the same text.
 */
import { NODE, type DiagramModel, type Link, type LinkKind, type ServiceModel, type TableModel, type Tier } from './model';

/** The one font of the diagram: Graphviz sizes boxes with its metrics, the PNG renders with it (render.ts). */
export const FONT_FAMILY = 'DejaVu Sans';

interface EdgeStyle {
  readonly legend: string;
  readonly color: string;
  readonly style: 'solid' | 'dashed' | 'dotted';
  readonly penwidth: number;
  readonly dir?: 'none';
}

/** How each kind of arrow looks, and what the legend calls it. */
export const EDGE_STYLES: Readonly<Record<LinkKind, EdgeStyle>> = {
  request: { legend: 'request path (HTTPS)', color: '#1c4f9c', style: 'solid', penwidth: 2.4 },
  call: { legend: 'synchronous call (Service Connect, AWS API)', color: '#8a3ffc', style: 'solid', penwidth: 1.6 },
  publish: { legend: 'event published to / consumed from a queue', color: '#198038', style: 'dashed', penwidth: 1.8 },
  consume: { legend: 'event published to / consumed from a queue', color: '#198038', style: 'dashed', penwidth: 1.8 },
  'dead-letter': { legend: 'redrive to the dead-letter queue', color: '#da1e28', style: 'dotted', penwidth: 1.6 },
  data: { legend: 'data access (security-group path / IAM grant)', color: '#8e5a2b', style: 'solid', penwidth: 1.4 },
  deploy: { legend: 'deployment (pipeline: image push, terraform apply)', color: '#007d79', style: 'dashed', penwidth: 1.4 },
  telemetry: { legend: 'telemetry (ADOT sidecar: traces, logs, EMF metrics)', color: '#6f6f6f', style: 'dotted', penwidth: 1.2 },
  alarm: { legend: 'alarm notification', color: '#ff832b', style: 'dotted', penwidth: 1.4 },
  egress: { legend: 'outbound HTTPS through NAT', color: '#a8a8a8', style: 'dashed', penwidth: 1 },
  protects: { legend: 'web ACL attached', color: '#525252', style: 'dashed', penwidth: 1, dir: 'none' },
};

const TIER_TITLES: Readonly<Record<Tier, string>> = {
  public: 'public subnets (NAT only)',
  private: 'private-app subnets (no public IPs)',
  isolated: 'isolated-data subnets (no internet route)',
};

const FILL = {
  edge: '#f3efff',
  vpc: '#fbfbfb',
  public: '#eefaf0',
  private: '#edf4ff',
  cluster: '#dde9fb',
  isolated: '#fff6e5',
  regional: '#f4f4f4',
  observability: '#fff0f5',
  delivery: '#e8f7f6',
} as const;

// --- DOT text helpers -------------------------------------------------------------------------

const quote = (id: string): string => `"${id.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const html = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A Graphviz HTML-like label (written between `<` and `>` instead of quotes). */
class HtmlLabel {
  constructor(readonly markup: string) {}
}

type Attributes = Record<string, string | number | HtmlLabel | undefined>;

const attrs = (values: Attributes): string =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v instanceof HtmlLabel ? `<${v.markup}>` : typeof v === 'number' ? v : quote(v!)}`)
    .join(', ');

/** A node label: a bold title and smaller detail lines. */
const label = (title: string, ...details: (string | undefined)[]): HtmlLabel => {
  const lines = details.filter((d): d is string => Boolean(d)).map((d) => `<font point-size="9" color="#393939">${html(d)}</font>`);
  return new HtmlLabel(`<b>${html(title)}</b>${lines.map((l) => `<br/>${l}`).join('')}`);
};

class Dot {
  private readonly lines: string[] = [];
  private depth = 1;

  line(text: string): void {
    this.lines.push(`${'  '.repeat(this.depth)}${text}`);
  }

  node(id: string, values: Attributes): void {
    this.line(`${quote(id)} [${attrs(values)}];`);
  }

  edge(from: string, to: string, values: Attributes): void {
    this.line(`${quote(from)} -> ${quote(to)} [${attrs(values)}];`);
  }

  cluster(id: string, values: Attributes, body: () => void): void {
    this.line(`subgraph ${quote(`cluster_${id}`)} {`);
    this.depth++;
    this.line(`graph [${attrs(values)}];`);
    body();
    this.depth--;
    this.line('}');
  }

  text(): string {
    return this.lines.join('\n');
  }
}

// --- the diagram ------------------------------------------------------------------------------

const gib = (mib: number): string => (mib % 1024 === 0 ? `${mib / 1024} GB` : `${(mib / 1024).toFixed(1)} GB`);
const vcpu = (units: number): string => `${units / 1024} vCPU`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The model as a DOT digraph. */
export function toDot(model: DiagramModel): string {
  const dot = new Dot();
  const prefix = `${model.cluster.name}-`;
  const short = (name: string): string => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const { network, services, observability: o, delivery } = model;
  const region = model.region ?? 'the region';

  dot.node(NODE.clients, { label: label('Clients', 'browsers, mobile apps'), style: 'rounded', color: '#8d8d8d' });

  // Edge: Route 53, CloudFront, WAF, the static-assets bucket.
  dot.cluster('edge', cluster(`Edge: Route 53, CloudFront and WAF${model.edge.region ? ` (managed in ${model.edge.region})` : ''}`, FILL.edge, '#a48bd3'), () => {
    const viewer = model.edge.records.filter((r) => r.target === NODE.cdn);
    const others = model.edge.records.filter((r) => r.target !== NODE.cdn);
    dot.node(NODE.dns, {
      label: label(
        'Route 53',
        ...[...new Set(viewer.map((r) => r.name))].map((n) => `${n} ${viewer.filter((r) => r.name === n).map((r) => r.type).join('/')} → CloudFront`),
        ...others.map((r) => `${r.name} ${r.type} → ${r.target === NODE.alb ? 'ALB (origin TLS name)' : r.target}`),
      ),
    });
    const d = model.edge.distribution;
    dot.node(NODE.cdn, {
      label: label(
        'CloudFront distribution',
        [d.httpVersion?.replace('http2and3', 'HTTP/2+3'), d.ipv6 ? 'IPv6' : undefined, d.minimumTls, d.priceClass].filter(Boolean).join(' · '),
        ...model.edge.certificates.map((c) => `ACM ${c.domain}${c.region ? ` (${c.region})` : ''}`),
      ),
    });
    if (model.edge.firewall) dot.node(NODE.waf, { label: label(`WAF web ACL ${short(model.edge.firewall.name)}`, ...model.edge.firewall.rules) });
    for (const b of model.buckets) dot.node(b.id, { shape: 'cylinder', label: label(`S3 ${b.purpose}`, `${short(b.name)} (${region})`) });
  });

  // The VPC: one cluster per subnet tier, each with its subnets per availability zone. In a
  // left-to-right layout Graphviz stacks the clusters of one column bottom-up in the order they
  // are declared: isolated-data first puts it at the bottom, public at the top.
  dot.cluster('vpc', cluster(`VPC ${network.cidr} · ${region} · ${plural(network.zones.length, 'availability zone')}${network.flowLogs ? ' · flow logs' : ''}`, FILL.vpc, '#4589ff', 1.6), () => {
    dot.cluster('isolated', cluster(TIER_TITLES.isolated, FILL.isolated, '#f1c21b'), () => {
      const a = model.aurora;
      if (a) {
        dot.node(NODE.aurora, {
          shape: 'cylinder',
          label: label(
            `Aurora ${a.engine.replace('aurora-', '')} ${a.version}`,
            a.capacity ? `Serverless v2 ${a.capacity.minAcu}–${a.capacity.maxAcu} ACU` : undefined,
            a.instances.map((i) => `${i.role}${i.zone ? ` ${i.zone}` : ''}`).join(' · '),
            [a.database ? `database ${a.database}` : undefined, a.iamAuthentication ? 'IAM auth' : undefined, a.tlsRequired ? 'TLS required' : undefined].filter(Boolean).join(' · '),
          ),
        });
      }
      const c = model.cache;
      if (c) {
        dot.node(NODE.cache, {
          shape: 'cylinder',
          label: label(
            `ElastiCache ${c.engine === 'valkey' ? 'Valkey' : c.engine} ${c.version}`,
            `${c.nodeType} × ${c.nodes} (primary${c.nodes > 1 ? ` + ${plural(c.nodes - 1, 'replica')}` : ' only'})`,
            [c.multiAz ? 'Multi-AZ failover' : 'single AZ', c.tlsRequired ? 'TLS required' : undefined].filter(Boolean).join(' · '),
          ),
        });
      }
      dot.node('subnets-isolated', { shape: 'plain', label: zoneTable(network.zones, 'isolated', (z) => z.databaseInstances.map((i) => `Aurora ${i}`).join(', ') || undefined) });
    });
    dot.cluster('private', cluster(TIER_TITLES.private, FILL.private, '#4589ff'), () => {
      dot.node(NODE.alb, {
        label: label(`Application Load Balancer${model.loadBalancer.internal ? ' (internal)' : ''}`, model.loadBalancer.listeners.join(', '), 'listener rules → target groups'),
      });
      dot.node(`subnets-private`, { shape: 'plain', label: zoneTable(network.zones, 'private', () => undefined) });
      dot.node(NODE.endpoints, {
        label: label('VPC endpoints', `gateway: ${network.gatewayEndpoints.join(', ') || 'none'}`, `interface: ${network.interfaceEndpoints.join(', ') || 'none'}`),
        style: 'rounded,dashed',
      });
      const c = model.cluster;
      dot.cluster('ecs', cluster(`ECS cluster ${c.name} · ${c.capacityProviders.join(' + ')}${c.serviceConnectNamespace ? ' · Service Connect' : ''}`, FILL.cluster, '#0f62fe'), () => {
        for (const s of services) dot.node(s.id, { label: serviceLabel(s), color: '#0f62fe', penwidth: 1.4 });
      });
    });
    dot.cluster('public', cluster(TIER_TITLES.public, FILL.public, '#42be65'), () => {
      dot.node(NODE.nat, { shape: 'plain', label: zoneTable(network.zones, 'public', (z) => (z.natGateway ? 'NAT gateway' : undefined)) });
    });
  });

  // Regional services outside the VPC.
  dot.cluster('regional', cluster(`Regional services (${region}) · names prefixed ${prefix}`, FILL.regional, '#8d8d8d'), () => {
    if (model.tables.length > 0) dot.node('dynamodb', { shape: 'plain', label: tablesLabel(model.tables, short) });
    for (const q of model.queues) {
      dot.node(q.id, { style: 'filled', fillcolor: '#defbe6', label: label(`SQS queue ${short(q.name)}`) });
      if (q.dlq) dot.node(q.dlq.id, { style: 'filled', fillcolor: '#ffd7d9', label: label(`SQS DLQ ${short(q.dlq.name)}`) });
    }
    if (model.email) dot.node(NODE.email, { label: label('SES', `identity ${model.email.identity}`) });
    if (model.repositories.length > 0) dot.node('ecr', { shape: 'plain', label: rowsLabel('ECR repositories', model.repositories.map((r) => ({ port: portOf(r.id), text: r.name }))) });
    dot.node('kms', { label: label('KMS', `${plural(model.keys, 'customer managed key')}`), style: 'rounded,dashed' });
  });

  // Observability.
  dot.cluster('observability', cluster('Observability', FILL.observability, '#ee5396'), () => {
    dot.node(NODE.xray, { label: label('AWS X-Ray', o.traceSampling ? `traces kept: ${o.traceSampling}` : undefined) });
    dot.node(NODE.logs, { label: label('CloudWatch Logs', `${plural(o.logGroups, 'log group')}, KMS-encrypted`) });
    dot.node(NODE.metrics, { label: label('CloudWatch metrics', o.metricsNamespace ? `EMF namespace ${o.metricsNamespace}` : undefined, plural(o.dashboards, 'dashboard')) });
    dot.node(NODE.alarms, { label: label('CloudWatch alarms', `${o.alarms} alarms`) });
    for (const t of o.topics) dot.node(t.id, { label: label(`SNS ${short(t.name)}`, t.region, t.subscriptions.length ? `→ ${t.subscriptions.join(', ')}` : 'no subscription') });
  });

  // Delivery (tooling account).
  if (delivery && delivery.pipelines.length > 0) {
    const stages = [...new Set(delivery.pipelines.map((p) => p.stages.join(' → ')))];
    dot.cluster('delivery', cluster(`Delivery (tooling account): CodePipeline V2, CodeBuild${stages.length === 1 ? `\n${stages[0]}` : ''}`, FILL.delivery, '#009d9a'), () => {
      if (delivery.source) dot.node(NODE.source, { label: label('GitHub', delivery.source, 'CodeConnections') });
      for (const p of delivery.pipelines) {
        dot.node(p.id, { label: label(`pipeline ${p.name}`, p.unit === 'platform' ? 'platform stack' : `service ${p.unit}`, stages.length === 1 ? undefined : p.stages.join(' → ')) });
      }
    });
  }

  // Arrows: the request path, data access, events, telemetry and deployments order the columns
  // (left to right); calls, consumers, alarms and the rest only route, so peers stay in a column.
  const present = new Set<LinkKind>();
  for (const l of aggregateTelemetry(model.links, services)) {
    present.add(l.kind);
    const extra: Attributes = RANKS[l.kind] ? {} : { constraint: 'false' };
    let { from, to } = l;
    // The isolated tier stays in the private tier's columns, under it: the VPC reads top to bottom.
    if (to === NODE.aurora || to === NODE.cache) extra.constraint = 'false';
    // Observability gets its own column right of the regional services.
    if (l.kind === 'telemetry') extra.minlen = 2;
    // Arrows from the ECS cluster start at its border; the platform pipeline's end at the VPC's.
    if (from === NODE.cluster) {
      extra.ltail = 'cluster_ecs';
      from = services[Math.floor(services.length / 2)]?.id ?? NODE.alb;
    }
    if (to === NODE.platform) {
      Object.assign(extra, { lhead: 'cluster_vpc', constraint: 'false' });
      to = NODE.alb;
    }
    // Tables and repositories are rows of one node each: the arrow points at the row.
    if (to.startsWith('table:') || to.startsWith('ecr:')) {
      extra.headport = `${portOf(to)}:w`;
      // Pipelines sit left of the services; ECR's column is decided by the services' data.
      if (to.startsWith('ecr:')) extra.constraint = 'false';
      to = to.startsWith('ecr:') ? 'ecr' : 'dynamodb';
    }
    dot.edge(from, to, { ...edgeLook(l.kind), label: l.label, ...extra });
  }
  if (o.metricsNamespace) dot.edge(NODE.logs, NODE.metrics, { ...edgeLook('telemetry'), label: 'EMF', constraint: 'false' });
  present.add('alarm');
  dot.edge(NODE.metrics, NODE.alarms, { ...edgeLook('alarm'), constraint: 'false' });

  dot.node('legend', { shape: 'plain', label: legend([...present]) });

  // Top-to-bottom order within a column: an invisible flat edge (minlen 0) puts its tail below its
  // head in a left-to-right layout. Observability reads from traces down to notifications; the
  // regional column puts what the services use first on top and ECR last, next to the pipelines.
  const order = (topToBottom: readonly string[]) => {
    for (let i = 1; i < topToBottom.length; i++) dot.edge(topToBottom[i]!, topToBottom[i - 1]!, { style: 'invis', minlen: 0 });
  };
  order([NODE.xray, NODE.logs, NODE.metrics, NODE.alarms, ...o.topics.map((t) => t.id)]);
  order([...model.queues.map((q) => q.id), ...(model.tables.length ? ['dynamodb'] : []), ...(model.email ? [NODE.email] : []), 'kms', ...(model.repositories.length ? ['ecr'] : [])]);

  const title = `${model.cluster.name} · ${model.environment} (${region}) · generated by \`npm run diagram\` from the synthesized stacks and the catalog`;
  return [
    `digraph ${quote(model.environment)} {`,
    `  graph [${attrs({ rankdir: 'LR', compound: 'true', splines: 'spline', nodesep: 0.25, ranksep: 0.55, pad: 0.3, fontname: FONT_FAMILY, fontsize: 16, labelloc: 't', labeljust: 'l', label: title })}];`,
    `  node [${attrs({ fontname: FONT_FAMILY, fontsize: 12, shape: 'box', style: 'rounded,filled', fillcolor: 'white', color: '#6f6f6f', margin: '0.14,0.06' })}];`,
    `  edge [${attrs({ fontname: FONT_FAMILY, fontsize: 10, arrowsize: 0.8 })}];`,
    dot.text(),
    '}',
    '',
  ].join('\n');
}

/** Whether an arrow of this kind puts its head in a column right of its tail. */
const RANKS: Readonly<Record<LinkKind, boolean>> = {
  request: true,
  call: false,
  publish: true,
  consume: false,
  'dead-letter': true,
  data: true,
  deploy: true,
  telemetry: true,
  alarm: false,
  egress: false,
  protects: false,
};

const cluster = (title: string, fill: string, color: string, penwidth = 1) => ({ label: title, style: 'rounded,filled', fillcolor: fill, color, penwidth, fontsize: 13 });

const edgeLook = (kind: LinkKind) => {
  const s = EDGE_STYLES[kind];
  return { color: s.color, fontcolor: s.color, style: s.style, penwidth: s.penwidth, dir: s.dir };
};

/** A tier's subnets, one cell per availability zone: zone, CIDR and what sits there. */
function zoneTable(zones: DiagramModel['network']['zones'], tier: Tier, extra: (zone: DiagramModel['network']['zones'][number]) => string | undefined): HtmlLabel {
  const cells = zones
    .filter((z) => z.subnets[tier])
    .map((z) => {
      const more = extra(z);
      return `<td bgcolor="white" cellpadding="4"><font point-size="10"><b>${html(z.name)}</b><br/>${html(z.subnets[tier]!)}${more ? `<br/>${html(more)}` : ''}</font></td>`;
    });
  return new HtmlLabel(`<table border="0" cellborder="1" cellspacing="3" color="#8d8d8d"><tr>${cells.join('')}</tr></table>`);
}

/** A record node: a bold title and one row per item, each row a port arrows can point at. */
function rowsLabel(title: string, rows: readonly { port: string; text: string; detail?: string }[]): HtmlLabel {
  const cells = rows.map(
    (r) => `<tr><td port="${html(r.port)}" align="left" bgcolor="white">${html(r.text)}${r.detail ? ` <font point-size="9" color="#525252">${html(r.detail)}</font>` : ''}</td></tr>`,
  );
  return new HtmlLabel(`<table border="1" cellborder="0" cellspacing="2" cellpadding="3" bgcolor="#f2f4f8" color="#8d8d8d"><tr><td><b>${html(title)}</b></td></tr>${cells.join('')}</table>`);
}

/** DynamoDB: one row per table with its key, indexes and TTL. */
function tablesLabel(tables: readonly TableModel[], short: (name: string) => string): HtmlLabel {
  const facts = [tables.every((t) => t.onDemand) ? 'on-demand' : undefined, tables.every((t) => t.pointInTimeRecovery) ? 'PITR' : undefined].filter(Boolean);
  return rowsLabel(
    `DynamoDB tables${facts.length ? ` (${facts.join(', ')})` : ''}`,
    tables.map((t) => ({
      port: portOf(t.id),
      text: short(t.name),
      detail: [`key ${t.partitionKey}${t.sortKey ? ` + ${t.sortKey}` : ''}`, t.indexes.length ? `GSI ${t.indexes.join(', ')}` : undefined, t.ttlAttribute ? `TTL ${t.ttlAttribute}` : undefined]
        .filter(Boolean)
        .join(' · '),
    })),
  );
}

/** Sample strokes drawn as text: solid ━, dashed ╍, dotted ┅, in each kind's colour. */
const STROKES: Readonly<Record<EdgeStyle['style'], string>> = { solid: '━━━━', dashed: '╍╍╍╍', dotted: '┅┅┅┅' };

function legend(kinds: readonly LinkKind[]): HtmlLabel {
  const present = (Object.keys(EDGE_STYLES) as LinkKind[]).filter((k) => kinds.includes(k));
  const rows = present
    .filter((k, i) => present.findIndex((other) => EDGE_STYLES[other].legend === EDGE_STYLES[k].legend) === i)
    .map((k) => {
      const s = EDGE_STYLES[k];
      return `<tr><td align="left"><font color="${s.color}">${STROKES[s.style]}${s.dir === 'none' ? '' : '▶'}</font></td><td align="left">${html(s.legend)}</td></tr>`;
    });
  return new HtmlLabel(`<table border="1" cellborder="0" cellspacing="2" cellpadding="2" color="#8d8d8d" bgcolor="white"><tr><td colspan="2" align="left"><b>Legend</b></td></tr>${rows.join('')}</table>`);
}

/** A service node: what runs, how big, how many, and its sidecars. */
function serviceLabel(s: ServiceModel): HtmlLabel {
  return label(
    `ECS service ${s.name}`,
    s.description,
    `${s.port !== undefined ? `:${s.port} · ` : ''}${vcpu(s.cpu)} / ${gib(s.memory)}${s.architecture ? ` · ${s.architecture}` : ''} · ${s.minTasks}–${s.maxTasks} tasks${s.spotPercent > 0 ? ` · Spot ${s.spotPercent} %` : ''}`,
    ...s.sidecars.map((c) => `+ sidecar ${c.name} (${c.image})`),
    s.oneOffTasks.length ? `+ one-off task: ${s.oneOffTasks.join(', ')}` : undefined,
  );
}

/** A port name for a row of a record node (`ecr:platform/user` → `platform_user`). */
const portOf = (id: string): string => id.replace(/^[a-z0-9]+:/, '').replace(/[^A-Za-z0-9]/g, '_');

/**
 * Telemetry arrows from every service to the same place become one arrow from the ECS cluster:
 * every task runs the same collector sidecar; drawing it per service would be a hairball.
 */
function aggregateTelemetry(links: readonly Link[], services: readonly ServiceModel[]): Link[] {
  const key = (l: Link) => `${l.to}|${l.label ?? ''}`;
  const telemetry = links.filter((l) => l.kind === 'telemetry');
  const shared = [...new Set(telemetry.map(key))].filter((k) => services.every((s) => telemetry.some((l) => l.from === s.id && key(l) === k)));
  const rest = links.filter((l) => !(l.kind === 'telemetry' && shared.includes(key(l))));
  return [...rest, ...shared.map((k) => ({ kind: 'telemetry' as const, from: NODE.cluster, to: k.split('|')[0]!, label: `every task: ${k.split('|')[1]}` }))];
}
