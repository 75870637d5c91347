/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by package,
 * as shares of the profile, so a bench's hot spots can be read without DevTools.
 * Usage: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<pkg>` (scoped too), `node:` internals, or the file itself. */
const packageOf = (url: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node: internals';
  return url.replace(/^.*\/(services|bench|scripts|dist)\//, '$1/');
};

export const summarize = (profile: Profile, top = 25): string => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // Shares of the busy time: idle samples (waiting for I/O) say nothing about cost.
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  for (const id of idle) self.delete(id);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!;
    const name = `${callFrame.functionName || '(anonymous)'} ${packageOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + micros);
    const p = callFrame.url ? packageOf(callFrame.url) : callFrame.functionName || '(native)';
    pkg.set(p, (pkg.get(p) ?? 0) + micros);
  }
  // Inclusive time per function (self + callees), counted once per call path.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onPath: Set<string>): number => {
    const node = byId.get(id)!;
    const name = `${node.callFrame.functionName || '(anonymous)'} ${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const first = !onPath.has(name);
    if (first) onPath.add(name);
    const sum = (self.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + walk(child, onPath), 0);
    if (first) {
      onPath.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0]!.id, new Set());
  inclusive.delete(`(root) ${packageOf('')}:0`);
  const table = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `${(total / 1000).toFixed(0)} ms busy (idle excluded)\n\nself time by package:\n${table(pkg)}\n\nself time by function:\n${table(fn)}\n\ninclusive time by function:\n${table(inclusive)}\n`;
};

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25)));
}
