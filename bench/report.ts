/**
 * What every bench shares: load rounds (autocannon), interleaving, CPU time of a process read
 * from /proc, the machine's load, and the report writer. Each bench writes
 * bench/results/<name>.json (`floorRatio` top level when the bench has a floor) and <name>.md,
 * and ends with one summary line.
 */
import autocannon from 'autocannon';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export const RESULTS = join(__dirname, 'results');

/** One load round against one target. */
export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Errors, timeouts and non-2xx answers. */
  errors: number;
  /** CPU time (user + system) of the target's process per request, when its pid is known. */
  cpuMicrosPerRequest?: number;
}

export interface Machine {
  cores: number;
  node: string;
  /** 1-, 5- and 15-minute load averages at the start and at the end of the bench. */
  loadAverage: { start: number[]; end: number[] };
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
export const round2 = (x: number): number => round(x, 2);
export const round3 = (x: number): number => round(x, 3);

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Starts the machine record (load now); `finish()` adds the load at the end. */
export const machineRecorder = (): { finish(): Machine } => {
  const start = loadavg().map(round2);
  return { finish: () => ({ cores: cpus().length, node: process.version, loadAverage: { start, end: loadavg().map(round2) } }) };
};

/** User + system CPU of a running process, in microseconds (clock ticks from /proc/<pid>/stat). */
const TICK_MICROS = 1e6 / 100; // USER_HZ is 100 on Linux
export const processCpuMicros = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS; // utime, stime (fields 14, 15)
};

/** Runs `work` and returns its result with the CPU the process `pid` spent meanwhile (µs). */
export const withCpu = async <T>(pid: number | undefined, work: () => Promise<T>): Promise<{ value: T; cpuMicros?: number }> => {
  const before = pid === undefined ? undefined : processCpuMicros(pid);
  const value = await work();
  return before === undefined ? { value } : { value, cpuMicros: processCpuMicros(pid!) - before };
};

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
  method?: 'GET' | 'POST';
  /** The target's process: its CPU per request is measured. */
  pid?: number;
}

/** One autocannon round; only 2xx answers count as requests served. */
export const loadRound = async ({ pid, durationSeconds, ...opts }: LoadOptions): Promise<Measured> => {
  const { value: r, cpuMicros } = await withCpu(pid, () => autocannon({ ...opts, duration: durationSeconds }));
  const served = r['2xx'];
  return {
    requestsPerSecond: Math.round(served / r.duration),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: served,
    errors: r.errors + r.timeouts + r.non2xx,
    ...(cpuMicros === undefined || served === 0 ? {} : { cpuMicrosPerRequest: round2(cpuMicros / served) }),
  };
};

/**
 * `loops` concurrent loops each awaiting `op` for `seconds`: a raw floor measured like autocannon.
 * Its process is this one: its CPU per request is this process's own over the round.
 */
export const loopRound = async (loops: number, seconds: number, op: () => Promise<void>): Promise<Measured> => {
  const cpuBefore = processCpuMicros(process.pid);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await op();
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: loops }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const cpuMicros = processCpuMicros(process.pid) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: round2(percentile(latencies, 50)),
    p99Ms: round2(percentile(latencies, 99)),
    requests: latencies.length,
    errors,
    ...(latencies.length ? { cpuMicrosPerRequest: round2(cpuMicros / latencies.length) } : {}),
  };
};

/**
 * Runs every variant once per round, rotating the order each round, so load from elsewhere on
 * the machine hits all of them alike. Returns each variant's rounds.
 */
export const interleave = async <K extends string>(rounds: number, variants: Record<K, () => Promise<Measured>>): Promise<Record<K, Measured[]>> => {
  const names = Object.keys(variants) as K[];
  const out = Object.fromEntries(names.map((n) => [n, [] as Measured[]])) as Record<K, Measured[]>;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      out[name].push(await variants[name]());
    }
  }
  return out;
};

/** Medians over rounds, each figure on its own (a round's rate and its p99 need not coincide). */
export const combine = (rounds: readonly Measured[]): Measured => {
  const cpu = rounds.flatMap((m) => (m.cpuMicrosPerRequest === undefined ? [] : [m.cpuMicrosPerRequest]));
  return {
    requestsPerSecond: Math.round(median(rounds.map((m) => m.requestsPerSecond))),
    p50Ms: round2(median(rounds.map((m) => m.p50Ms))),
    p99Ms: round2(median(rounds.map((m) => m.p99Ms))),
    requests: rounds.reduce((n, m) => n + m.requests, 0),
    errors: rounds.reduce((n, m) => n + m.errors, 0),
    ...(cpu.length ? { cpuMicrosPerRequest: round2(median(cpu)) } : {}),
  };
};

/** Median of per-round ratios a/b: each pair ran back to back, so drift mostly cancels. */
export const pairedRatio = (a: readonly Measured[], b: readonly Measured[]): number =>
  round3(median(a.map((m, i) => m.requestsPerSecond / b[i]!.requestsPerSecond)));

export interface Target {
  what: string;
  value: number;
  /** `>=` or `<=` the limit. */
  op: '>=' | '<=';
  limit: number;
}

export const met = (t: Target): boolean => (t.op === '>=' ? t.value >= t.limit : t.value <= t.limit);

export interface Report {
  name: string;
  title: string;
  date: string;
  machine: Machine;
  /** Service ÷ floor throughput, for benches that have a floor. */
  floorRatio?: number;
  service?: Measured;
  floor?: Measured;
  /** Other rows measured in the same rounds (references). */
  references?: Record<string, Measured>;
  /** CPU µs per request of the service process. */
  cpuMicrosPerRequest?: number;
  targets: (Target & { met: boolean })[];
  summary: string;
  /** Bench-specific figures. */
  details?: unknown;
}

export interface ReportInput extends Omit<Report, 'date' | 'machine' | 'targets' | 'summary' | 'cpuMicrosPerRequest'> {
  machine: { finish(): Machine };
  targets: Target[];
  /** Bench-specific part of the summary line (the targets are appended). */
  headline: string;
  /** Markdown after the common header and table. */
  body: string;
}

const cell = (x: number | undefined): string | number => (x === undefined || Number.isNaN(x) ? 'n/a' : x);

/** A Markdown table of measured rows. */
export const measuredTable = (rows: readonly [label: string, m: Measured][]): string =>
  [
    '| Target | requests/s | p50 ms | p99 ms | CPU µs/req (its process) | requests | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(([label, m]) => `| ${label} | ${m.requestsPerSecond} | ${cell(m.p50Ms)} | ${cell(m.p99Ms)} | ${cell(m.cpuMicrosPerRequest)} | ${m.requests} | ${m.errors} |`),
  ].join('\n');

const targetLine = (t: Target & { met: boolean }): string => `${t.what} ${t.value} (target ${t.op} ${t.limit}: ${t.met ? 'met' : 'NOT met'})`;

/** Writes bench/results/<name>.{json,md}, prints the Markdown and the one-line summary. */
export const writeReport = (input: ReportInput): Report => {
  const { machine, targets, headline, body, ...rest } = input;
  const m = machine.finish();
  const checked = targets.map((t) => ({ ...t, met: met(t) }));
  const load = `load ${m.loadAverage.start[0]}→${m.loadAverage.end[0]} on ${m.cores} cores`;
  const summary = [`${input.name}: ${headline}`, ...checked.map(targetLine), load].join('; ');
  const report: Report = {
    ...rest,
    date: new Date().toISOString(),
    machine: m,
    ...(rest.service?.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: rest.service.cpuMicrosPerRequest }),
    targets: checked,
    summary,
  };
  const markdown = `# ${input.title}

${report.date} · Node ${m.node} · ${m.cores} shared cores · load average (1/5/15 min) ${m.loadAverage.start.join(' / ')} at start, ${m.loadAverage.end.join(' / ')} at end.

${checked.map((t) => `- ${targetLine(t)}`).join('\n')}

${body.trim()}

Summary: \`${summary}\`
`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${input.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${input.name}.md`), markdown);
  console.log(markdown);
  console.log(`SUMMARY ${summary}`);
  return report;
};
