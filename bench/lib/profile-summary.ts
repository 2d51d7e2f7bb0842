/**
 * Prints where a V8 CPU profile (`--cpu-prof`) spent its time: self time by function and by package/file,
 * top entries only. Usage: `node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [top] [from-seconds]`
 * (from-seconds: ignore the samples of the first seconds, e.g. a server's start-up).
 */
import fs from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg, fromArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<number, number>();
const fromMicros = Number(fromArg ?? 0) * 1e6;
let elapsed = 0;
profile.samples.forEach((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  if (elapsed >= fromMicros) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

/** `node_modules/<pkg>` or the workspace-relative file, so costs group by library. */
function place(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const ws = url.search(/packages\/|bench\//);
  return ws >= 0 ? url.slice(ws) : url;
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!;
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${place(f.url)}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  const p = place(f.url);
  byPlace.set(p, (byPlace.get(p) ?? 0) + micros);
}
const show = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (total ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
/** Inclusive time: a node's self time plus its descendants'; per function, counting each call path once. */
const inclusive = new Map<string, number>();
const visit = (id: number, onPath: Set<string>): number => {
  const node = byId.get(id)!;
  let micros = selfMicros.get(id) ?? 0;
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${place(f.url)}:${f.lineNumber + 1}`;
  const first = !onPath.has(key);
  if (first) onPath.add(key);
  for (const child of node.children ?? []) micros += visit(child, onPath);
  if (first) {
    onPath.delete(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
  return micros;
};
visit(profile.nodes[0]!.id, new Set());
show('self time by package / file', byPlace);
show('self time by function', byFunction);
show('inclusive time by function', inclusive);
