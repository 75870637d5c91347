import { catalog, type Catalog, type ServiceSpec } from '../../services/catalog';
import { loadEnvironments } from '../../envs';
import { CatalogError, fargateSizingProblem, validateCatalog } from '../../services/catalog-validation';

const user = catalog.services.find((s) => s.name === 'user')!;

const withService = (name: string, patch: (s: ServiceSpec) => ServiceSpec): Catalog => ({
  ...catalog,
  services: catalog.services.map((s) => (s.name === name ? patch(s) : s)),
});

describe('validateCatalog', () => {
  it('accepts the real catalog', () => {
    expect(() => validateCatalog(catalog)).not.toThrow();
  });

  const broken: [string, Catalog, string][] = [
    ['duplicate service name', { ...catalog, services: [...catalog.services, { ...user, containerPort: 3999, routes: [] }] },
      'catalog: duplicate service name "user"'],
    ['duplicate route priority', withService('payment', (s) => ({ ...s, routes: [{ pathPatterns: ['/pay'], priority: 100 }] })),
      'catalog: listener rule priority 100 is used by more than one route'],
    ['duplicate path pattern', withService('payment', (s) => ({ ...s, routes: [{ pathPatterns: ['/users/*'], priority: 201 }] })),
      'catalog: path pattern "/users/*" is routed more than once'],
    ['port collision', withService('payment', (s) => ({ ...s, containerPort: 3001 })),
      'catalog: container port 3001 is used by more than one service'],
    ['unknown published queue', withService('user', (s) => ({ ...s, needs: { ...s.needs, publishes: ['audit'] } })),
      'catalog: service "user": needs.publishes names unknown queue "audit"'],
    ['unknown consumed queue', withService('notification', (s) => ({ ...s, needs: { ...s.needs, consumes: ['audit'] } })),
      'catalog: service "notification": needs.consumes names unknown queue "audit"'],
    ['call to an unknown service', withService('payment', (s) => ({ ...s, needs: { ...s.needs, calls: ['billing'] } })),
      'catalog: service "payment": needs.calls names unknown service "billing"'],
    ['call to itself', withService('payment', (s) => ({ ...s, needs: { ...s.needs, calls: ['payment'] } })),
      'catalog: service "payment": needs.calls must not name the service itself'],
    ['duplicate table name', withService('notification', (s) => ({ ...s, needs: { ...s.needs, tables: [...s.needs.tables!, { name: 'payments', partitionKey: { name: 'id', type: 'S' } }] } })),
      'catalog: duplicate table name "payments"'],
    ['invalid Fargate pair', withService('user', (s) => ({ ...s, sizing: { ...s.sizing, prod: { cpu: 1024, memory: 1024, minTasks: 3, maxTasks: 6 } } })),
      'catalog: service "user": sizing.prod: memory 1024 MiB is not valid with cpu 1024 on Fargate'],
    ['min above max', withService('user', (s) => ({ ...s, sizing: { ...s.sizing, dev: { cpu: 256, memory: 512, minTasks: 3, maxTasks: 2 } } })),
      'catalog: service "user": sizing.dev: maxTasks (2) must be >= minTasks (3) and >= 1'],
    ['consumer without backlog scaling', withService('notification', (s) => ({ ...s, scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75, requestsPerTarget: 800 } })),
      'catalog: service "notification": a consumer needs scaling.backlogPerTask (queue backlog scaling)'],
    ['routed service without request scaling', withService('payment', (s) => ({ ...s, scaling: { cpuTargetPercent: 60, memoryTargetPercent: 75 } })),
      'catalog: service "payment": a routed service needs scaling.requestsPerTarget'],
    ['too many path patterns', withService('user', (s) => ({ ...s, routes: [{ pathPatterns: ['/a', '/b', '/c', '/d', '/e', '/f'], priority: 100 }] })),
      'catalog: service "user": a route needs 1..5 path patterns (ALB limit)'],
    ['privileged port', withService('notification', (s) => ({ ...s, containerPort: 80 })),
      'catalog: service "notification": containerPort must be 1024..65535 (non-root)'],
    ['DLQ keeps less than the queue', { ...catalog, queues: [{ ...catalog.queues[0]!, dlqRetentionSeconds: 3600 }] },
      'catalog: queue "events": dlqRetentionSeconds must be >= retentionSeconds'],
  ];

  it.each(broken)('rejects a catalog with %s', (_what, broken, message) => {
    expect(() => validateCatalog(broken)).toThrow(message);
  });

  it('fails environment loading (and so synth) before any construct is built', () => {
    const broken = withService('payment', (s) => ({ ...s, containerPort: 3001 }));
    expect(() => loadEnvironments(broken)).toThrow(CatalogError);
  });
});

describe('fargateSizingProblem', () => {
  it.each([
    [256, 512], [256, 2048], [512, 4096], [1024, 8192], [4096, 30720], [8192, 61440], [16384, 122880],
  ])('accepts cpu %i with %i MiB', (cpu, memory) => {
    expect(fargateSizingProblem({ cpu, memory, minTasks: 1, maxTasks: 1 })).toBeUndefined();
  });
  it.each([
    [256, 1536], [256, 4096], [512, 512], [1024, 9216], [8192, 18432], [300, 1024],
  ])('rejects cpu %i with %i MiB', (cpu, memory) => {
    expect(fargateSizingProblem({ cpu, memory, minTasks: 1, maxTasks: 1 })).toBeDefined();
  });
});
