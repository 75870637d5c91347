/**
 * Structural checks on the service catalog. Synth calls `validateCatalog` before building any
 * construct, so a broken catalog fails with one clear message instead of a Terraform error later.
 */
import { ENVIRONMENT_NAMES, type Catalog, type TaskSizing } from './catalog';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

const range = (min: number, max: number, step: number): number[] =>
  Array.from({ length: (max - min) / step + 1 }, (_, i) => min + i * step);

/** Fargate's CPU units → allowed memory (MiB), Linux tasks. */
const FARGATE_MEMORY: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

/** Why a task size is not runnable on Fargate, or undefined when it is. */
export function fargateSizingProblem(sizing: TaskSizing): string | undefined {
  const memory = FARGATE_MEMORY.get(sizing.cpu);
  if (!memory) return `cpu ${sizing.cpu} is not a Fargate CPU value (${[...FARGATE_MEMORY.keys()].join(', ')})`;
  if (!memory.includes(sizing.memory)) return `memory ${sizing.memory} MiB is not valid with cpu ${sizing.cpu} on Fargate`;
  if (!Number.isInteger(sizing.minTasks) || sizing.minTasks < 0) return 'minTasks must be a non-negative integer';
  if (sizing.maxTasks < sizing.minTasks || sizing.maxTasks < 1) {
    return `maxTasks (${sizing.maxTasks}) must be >= minTasks (${sizing.minTasks}) and >= 1`;
  }
  return undefined;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const duplicates = (values: readonly (string | number)[]): (string | number)[] =>
  values.filter((v, i) => values.indexOf(v) !== i);

/** Throws a CatalogError naming the first problem. */
export function validateCatalog(catalog: Catalog): void {
  const fail = (message: string): never => {
    throw new CatalogError(`catalog: ${message}`);
  };
  const check = (ok: boolean, message: string) => {
    if (!ok) fail(message);
  };

  const services = catalog.services;
  check(services.length > 0, 'declares no services');
  const [dupName] = duplicates(services.map((s) => s.name));
  check(dupName === undefined, `duplicate service name "${dupName}"`);
  const [dupPort] = duplicates(services.map((s) => s.containerPort));
  check(dupPort === undefined, `container port ${dupPort} is used by more than one service (the local gateway runs them side by side)`);
  const routes = services.flatMap((s) => s.routes.map((r) => ({ service: s.name, ...r })));
  const [dupPriority] = duplicates(routes.map((r) => r.priority));
  check(dupPriority === undefined, `listener rule priority ${dupPriority} is used by more than one route`);
  const [dupPattern] = duplicates(routes.flatMap((r) => r.pathPatterns));
  check(dupPattern === undefined, `path pattern "${dupPattern}" is routed more than once`);
  const [dupTable] = duplicates(services.flatMap((s) => (s.needs.tables ?? []).map((t) => t.name)));
  check(dupTable === undefined, `duplicate table name "${dupTable}"`);
  const queueNames = catalog.queues.map((q) => q.name);
  const [dupQueue] = duplicates(queueNames);
  check(dupQueue === undefined, `duplicate queue name "${dupQueue}"`);

  for (const q of catalog.queues) {
    check(KEBAB.test(q.name), `queue "${q.name}" must be kebab-case`);
    check(q.visibilityTimeoutSeconds >= 0 && q.visibilityTimeoutSeconds <= 43_200, `queue "${q.name}": visibilityTimeoutSeconds must be 0..43200`);
    check(q.maxReceiveCount >= 1 && q.maxReceiveCount <= 1000, `queue "${q.name}": maxReceiveCount must be 1..1000`);
    check(q.receiveWaitSeconds >= 0 && q.receiveWaitSeconds <= 20, `queue "${q.name}": receiveWaitSeconds must be 0..20`);
    for (const key of ['retentionSeconds', 'dlqRetentionSeconds'] as const) {
      check(q[key] >= 60 && q[key] <= 1_209_600, `queue "${q.name}": ${key} must be 60..1209600`);
    }
    // A DLQ that keeps messages for less time than the source would expire them on arrival
    // (SQS keeps the original enqueue timestamp).
    check(q.dlqRetentionSeconds >= q.retentionSeconds, `queue "${q.name}": dlqRetentionSeconds must be >= retentionSeconds`);
  }

  for (const s of services) {
    const where = `service "${s.name}"`;
    check(KEBAB.test(s.name), `${where}: name must be kebab-case`);
    check(Number.isInteger(s.containerPort) && s.containerPort >= 1024 && s.containerPort <= 65535, `${where}: containerPort must be 1024..65535 (non-root)`);
    for (const path of [s.healthPath, s.livenessPath]) check(path.startsWith('/'), `${where}: health paths must start with "/"`);
    for (const r of s.routes) {
      check(Number.isInteger(r.priority) && r.priority >= 1 && r.priority <= 50_000, `${where}: route priority ${r.priority} must be 1..50000`);
      check(r.pathPatterns.length >= 1 && r.pathPatterns.length <= 5, `${where}: a route needs 1..5 path patterns (ALB limit)`);
      for (const p of r.pathPatterns) check(p.startsWith('/') && p.length <= 128, `${where}: path pattern "${p}" must start with "/" and be <= 128 chars`);
    }
    for (const env of ENVIRONMENT_NAMES) {
      const problem = fargateSizingProblem(s.sizing[env]);
      check(problem === undefined, `${where}: sizing.${env}: ${problem}`);
    }
    for (const key of ['cpuTargetPercent', 'memoryTargetPercent'] as const) {
      check(s.scaling[key] > 0 && s.scaling[key] <= 100, `${where}: scaling.${key} must be 1..100`);
    }
    check(s.routes.length === 0 || (s.scaling.requestsPerTarget ?? 0) > 0, `${where}: a routed service needs scaling.requestsPerTarget`);
    const consumes = s.needs.consumes ?? [];
    check(consumes.length === 0 || (s.scaling.backlogPerTask ?? 0) > 0, `${where}: a consumer needs scaling.backlogPerTask (queue backlog scaling)`);
    check(consumes.length > 0 || s.scaling.backlogPerTask === undefined, `${where}: scaling.backlogPerTask without consumed queues`);
    for (const [kind, names] of [['publishes', s.needs.publishes ?? []], ['consumes', consumes]] as const) {
      for (const name of names) check(queueNames.includes(name), `${where}: needs.${kind} names unknown queue "${name}"`);
    }
    const serviceNames = services.map((other) => other.name);
    for (const callee of s.needs.calls ?? []) {
      check(serviceNames.includes(callee), `${where}: needs.calls names unknown service "${callee}"`);
      check(callee !== s.name, `${where}: needs.calls must not name the service itself`);
    }
    const [dupCall] = duplicates(s.needs.calls ?? []);
    check(dupCall === undefined, `${where}: needs.calls names "${dupCall}" twice`);
    for (const t of s.needs.tables ?? []) {
      check(KEBAB.test(t.name), `${where}: table "${t.name}" must be kebab-case`);
      const [dupIndex] = duplicates((t.indexes ?? []).map((i) => i.name));
      check(dupIndex === undefined, `${where}: table "${t.name}" has duplicate index "${dupIndex}"`);
      check((t.indexes ?? []).length <= 20, `${where}: table "${t.name}" has more than 20 global secondary indexes`);
    }
    if (s.needs.postgres) check(/^[a-z_][a-z0-9_]{0,62}$/.test(s.needs.postgres.database), `${where}: needs.postgres.database must be a lowercase identifier`);
  }
}
