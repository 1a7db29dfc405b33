// Benchmark tool: summarizes a V8 CPU profile (`node --cpu-prof`), printing the functions with the most
// self time and the most total time (self plus callees), each with its file and line, as shares of the
// profile. The benchmarks' "where the time goes" paragraphs in docs/benchmarks.md come from it.
// Run: node --cpu-prof --cpu-prof-dir=/tmp/prof build/bench/split.js && node build/bench/profile-summary.js /tmp/prof/*.cpuprofile [rows]

import { readFileSync } from 'node:fs';

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

const path = process.argv[2];
if (path === undefined) throw new Error('usage: node build/bench/profile-summary.js FILE.cpuprofile [rows]');
const rows = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/build\//, '').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim();
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let sum = 0;
profile.samples.forEach((sample, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  sum += delta;
  const leaf = byId.get(sample)!;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + delta);
  // Total time: every distinct function on the sample's stack, once (recursion counted once).
  const seen = new Set<string>();
  for (let cursor: number | undefined = sample; cursor !== undefined; cursor = parent.get(cursor)) {
    const name = label(byId.get(cursor)!);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + delta);
  }
});

function print(title: string, times: Map<string, number>): void {
  console.log(`${title} (of ${(sum / 1e6).toFixed(2)} s sampled):`);
  const sorted = [...times.entries()].sort((left, right) => right[1] - left[1]).slice(0, rows);
  for (const [name, time] of sorted) console.log(`  ${((100 * time) / sum).toFixed(1).padStart(5)} %  ${name}`);
}

print('self time', self);
console.log('');
print('total time', total);
