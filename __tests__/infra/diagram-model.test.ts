/**
 * The diagram model is derived from the synthesized Terraform JSON (scripts/diagram/model.ts):
 * whatever the catalog declares must show up through the references between resources, and a
 * service added to the catalog appears with no change to the diagram code.
 */
import { namePrefix } from '../../modules/stacks/environment';
import { DELIVERY_STACK_NAME } from '../../modules/stacks/naming';
import { EDGE_STYLES, toDot } from '../../scripts/diagram/dot';
import { diagramModel, NODE, type DiagramModel, type LinkKind } from '../../scripts/diagram/model';
import { diagramFonts, fontDirectories } from '../../scripts/diagram/fonts';
import { readTextChunk, sha256, withTextChunk } from '../../scripts/diagram/png';
import { SynthesizedApp } from '../../scripts/diagram/terraform';
import { allTables, callersOf, catalog, type Catalog, type EnvironmentName } from '../../services/catalog';
import { environments, synthDelivery } from './support/ci-stacks';
import { synthEnvironment } from './support/stacks';

function modelOf(env: EnvironmentName, options: { catalog?: Catalog; delivery?: boolean } = {}): DiagramModel {
  const stacks = synthEnvironment(env, { catalog: options.catalog ?? catalog });
  const json = Object.fromEntries(stacks.all.map((s) => [s.name, s.parsed]));
  if (options.delivery !== false) json[DELIVERY_STACK_NAME] = synthDelivery({ catalog: options.catalog ?? catalog }).parsed;
  return diagramModel(new SynthesizedApp(json), env, options.catalog ?? catalog);
}

const linksOf = (model: DiagramModel, kind: LinkKind): string[] => model.links.filter((l) => l.kind === kind).map((l) => `${l.from} > ${l.to}`);

describe('diagram model of prod, from the synthesized stacks', () => {
  const model = modelOf('prod');
  const prefix = namePrefix(environments.prod);
  const queue = (name: string) => NODE.queue(`${prefix}-${name}`);

  it('has every catalog service, routed from the ALB by its listener rules, with the collector sidecar', () => {
    expect(model.services.map((s) => s.name)).toEqual(catalog.services.map((s) => s.name));
    for (const spec of catalog.services) {
      const service = model.services.find((s) => s.name === spec.name)!;
      expect(service.routes.map((r) => r.paths)).toEqual(spec.routes.map((r) => r.pathPatterns));
      expect(service.sidecars.map((c) => c.name)).toEqual(['otel-collector']);
      expect([service.minTasks, service.maxTasks]).toEqual([spec.sizing.prod.minTasks, spec.sizing.prod.maxTasks]);
      expect(linksOf(model, 'request')).toContain(`${NODE.alb} > ${service.id}`);
    }
    expect(linksOf(model, 'request')).toEqual(
      expect.arrayContaining([`${NODE.clients} > ${NODE.dns}`, `${NODE.dns} > ${NODE.cdn}`, `${NODE.cdn} > ${NODE.alb}`]),
    );
  });

  it('names every table and links it to the service that owns it, and nothing else', () => {
    const tables = allTables(catalog);
    expect(model.tables.map((t) => t.name).sort()).toEqual(tables.map((t) => `${prefix}-${t.table.name}`).sort());
    const expected = tables.map(({ owner, table }) => `${NODE.service(owner)} > ${NODE.table(`${prefix}-${table.name}`)}`);
    expect(linksOf(model, 'data').filter((l) => l.includes('table:')).sort()).toEqual(expected.sort());
  });

  it('draws each queue with its dead-letter queue, its publishers and its consumers', () => {
    for (const spec of catalog.queues) {
      const q = model.queues.find((x) => x.id === queue(spec.name))!;
      expect(q.dlq).toEqual({ id: queue(`${spec.name}-dlq`), name: `${prefix}-${spec.name}-dlq`, maxReceiveCount: spec.maxReceiveCount });
      expect(linksOf(model, 'dead-letter')).toContain(`${q.id} > ${q.dlq!.id}`);
      const publishers = catalog.services.filter((s) => s.needs.publishes?.includes(spec.name)).map((s) => `${NODE.service(s.name)} > ${q.id}`);
      const consumers = catalog.services.filter((s) => s.needs.consumes?.includes(spec.name)).map((s) => `${q.id} > ${NODE.service(s.name)}`);
      expect(linksOf(model, 'publish').filter((l) => l.endsWith(q.id)).sort()).toEqual(publishers.sort());
      expect(linksOf(model, 'consume').filter((l) => l.startsWith(q.id)).sort()).toEqual(consumers.sort());
    }
  });

  it('has exactly the declared service-to-service calls (security-group paths between service groups)', () => {
    const declared = catalog.services.flatMap((callee) => callersOf(callee.name).map((caller) => `${NODE.service(caller.name)} > ${NODE.service(callee.name)}`));
    expect(declared.length).toBeGreaterThan(0);
    expect(linksOf(model, 'call').filter((l) => !l.endsWith(NODE.email)).sort()).toEqual(declared.sort());
  });

  it('links Aurora and the cache only to the services that need them, with IAM authentication', () => {
    const expected = catalog.services.flatMap((s) => [
      ...(s.needs.postgres ? [`${NODE.service(s.name)} > ${NODE.aurora}`] : []),
      ...(s.needs.cache ? [`${NODE.service(s.name)} > ${NODE.cache}`] : []),
    ]);
    const data = model.links.filter((l) => l.kind === 'data' && (l.to === NODE.aurora || l.to === NODE.cache));
    expect(data.map((l) => `${l.from} > ${l.to}`).sort()).toEqual(expected.sort());
    for (const l of data) expect(l.label).toMatch(/^:\d+ IAM auth$/);
    expect(model.aurora?.instances.map((i) => i.role)).toEqual(['writer', 'reader']);
    expect(new Set(model.aurora?.instances.map((i) => i.zone)).size).toBe(2);
    expect(model.cache).toMatchObject({ engine: 'valkey', nodes: 1 + environments.prod.cache.replicas, multiAz: true, tlsRequired: true });
  });

  it('has the subnet tiers per availability zone, a NAT gateway in each, and the edge pieces', () => {
    expect(model.network.zones.map((z) => z.name)).toEqual(environments.prod.network.availabilityZones);
    for (const zone of model.network.zones) {
      expect(Object.keys(zone.subnets).sort()).toEqual(['isolated', 'private', 'public']);
      expect(zone.natGateway).toBe(true);
    }
    expect(model.edge.firewall?.rules.length).toBeGreaterThan(0);
    expect(model.loadBalancer.internal).toBe(true);
    expect(linksOf(model, 'protects')).toEqual([`${NODE.waf} > ${NODE.cdn}`]);
  });

  it('has one pipeline per service plus the platform one, each deploying its stack', () => {
    expect(model.delivery?.pipelines.map((p) => p.unit).sort()).toEqual([...catalog.services.map((s) => s.name), 'platform'].sort());
    const deploys = linksOf(model, 'deploy');
    for (const p of model.delivery!.pipelines) {
      expect(deploys).toContain(`${p.id} > ${p.unit === 'platform' ? NODE.platform : NODE.service(p.unit)}`);
    }
  });

  it('sends every service telemetry to X-Ray and CloudWatch Logs, and alarms to SNS', () => {
    for (const s of model.services) {
      expect(linksOf(model, 'telemetry')).toEqual(expect.arrayContaining([`${s.id} > ${NODE.xray}`, `${s.id} > ${NODE.logs}`]));
    }
    expect(model.observability.traceSampling).toBe(`errors + ${environments.prod.observability.traceSamplePercent} %`);
    expect(linksOf(model, 'alarm').length).toBeGreaterThan(0);
  });

  it('renders to DOT deterministically, every node present and a legend entry for every kind of arrow drawn', () => {
    const dot = toDot(model);
    expect(toDot(model)).toBe(dot);
    for (const id of [...model.services.map((s) => s.id), ...model.queues.map((q) => q.id), NODE.aurora, NODE.cache, NODE.alb, NODE.cdn, NODE.waf, NODE.dns]) {
      expect(dot).toContain(`"${id}" [`);
    }
    for (const t of model.tables) expect(dot).toContain(`>${t.name.slice(prefix.length + 1)}`);
    for (const kind of new Set(model.links.map((l) => l.kind))) {
      expect(dot).toContain(EDGE_STYLES[kind].legend);
      expect(dot).toContain(`color="${EDGE_STYLES[kind].color}"`);
    }
  });
});

describe('diagram model of dev', () => {
  const model = modelOf('dev', { delivery: false });

  it('follows the environment: one NAT gateway, no Aurora reader, one cache node, Spot tasks', () => {
    expect(model.network.zones.filter((z) => z.natGateway)).toHaveLength(1);
    expect(model.aurora?.instances.map((i) => i.role)).toEqual(['writer']);
    expect(model.cache?.nodes).toBe(1);
    for (const s of model.services) expect(s.spotPercent).toBe(environments.dev.compute.spotSharePercent);
    expect(model.delivery).toBeUndefined();
  });
});

describe('a service added to the catalog', () => {
  const payment = catalog.services.find((s) => s.name === 'payment')!;
  const withInventory: Catalog = {
    ...catalog,
    services: [
      ...catalog.services,
      {
        ...payment,
        name: 'inventory',
        description: 'Stock levels per SKU',
        containerPort: 3009,
        routes: [{ pathPatterns: ['/inventory', '/inventory/*'], priority: 900 }],
        scaling: { ...payment.scaling, backlogPerTask: 50 },
        needs: { tables: [{ name: 'stock', partitionKey: { name: 'sku', type: 'S' } }], consumes: ['events'], calls: ['payment'], tokens: 'verify' },
      },
    ],
  };
  const model = modelOf('staging', { catalog: withInventory });
  const prefix = namePrefix(environments.staging);
  const inventory = NODE.service('inventory');

  it('appears with its route, table, queue, call and pipeline, without any change to the diagram code', () => {
    expect(model.services.map((s) => s.name)).toContain('inventory');
    expect(model.services.find((s) => s.name === 'inventory')?.description).toBe('Stock levels per SKU');
    expect(linksOf(model, 'request')).toContain(`${NODE.alb} > ${inventory}`);
    expect(linksOf(model, 'data')).toContain(`${inventory} > ${NODE.table(`${prefix}-stock`)}`);
    expect(linksOf(model, 'consume')).toContain(`${NODE.queue(`${prefix}-events`)} > ${inventory}`);
    expect(linksOf(model, 'call')).toContain(`${inventory} > ${NODE.service('payment')}`);
    expect(linksOf(model, 'deploy')).toContain(`${NODE.pipeline('platform-inventory')} > ${inventory}`);
    expect(toDot(model)).toContain(`"${inventory}" [`);
  });
});

describe('diagram inputs and outputs', () => {
  it('fails with the missing stack named when the environment was not synthesized', () => {
    expect(() => diagramModel(new SynthesizedApp({}), 'prod', catalog)).toThrow('diagram: no synthesized stack "prod-platform"');
  });

  it('draws the PNG with DejaVu Sans from DIAGRAM_FONT_DIR first, and names what to install when it is missing', () => {
    expect(fontDirectories({ DIAGRAM_FONT_DIR: '/opt/fonts' })[0]).toBe('/opt/fonts');
    expect(() => diagramFonts(['/nonexistent/fonts'])).toThrow(
      /^diagram: the PNG is drawn with DejaVu Sans \(DejaVuSans.ttf, DejaVuSans-Bold.ttf\), found in none of \/nonexistent\/fonts\. Install it \(Debian\/Ubuntu: apt-get install fonts-dejavu-core/,
    );
  });

  it('records the source SVG hash in a PNG text chunk and reads it back', () => {
    // The smallest valid PNG: signature, IHDR (1x1 greyscale), IDAT, IEND.
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c636000000002000148afa4710000000049454e44ae426082',
      'hex',
    );
    const tagged = withTextChunk(png, 'source-svg-sha256', sha256('<svg/>'));
    expect(readTextChunk(tagged, 'source-svg-sha256')).toBe(sha256('<svg/>'));
    expect(readTextChunk(png, 'source-svg-sha256')).toBeUndefined();
    expect(() => readTextChunk(Buffer.from('<svg/>'), 'x')).toThrow('not a PNG file');
  });
});
