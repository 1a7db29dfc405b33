// Benchmark tool: what a workload allocates, and where. V8's sampling heap profiler (through
// node:inspector), told to keep the objects the collector has already freed, samples every allocation
// of one run of the workload (after a warm-up run); the allocating functions are printed by the bytes
// they allocated (their own, with what V8 inlined into them), then the builtins (`Map`, `next`, `set`,
// `push` …) by the function that called them. The workloads are bench/ab.ts's `transfer` (2PL, 3 nodes,
// 16 clients, n YCSB+T transfers over 200 accounts; 4,000) and an `explore` of examples/accounts.ent (2
// clients × 2 requests, seed 3, 1 drop, every reduction; the first n states, 30,000), on the build in DIR.
// Sampled bytes are an estimate (one sample per 256 bytes on average); compare builds by their totals.
// Run: node build/bench/allocations.js DIR transfer|explore [n] [rows]

import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transferWorkload } from './programs.ts';

const [directory, workload, sizeText, rowsText] = process.argv.slice(2);
if (directory === undefined || (workload !== 'transfer' && workload !== 'explore')) {
  throw new Error('usage: node build/bench/allocations.js DIR transfer|explore [n] [rows]');
}
const rows = Number(rowsText ?? 30);

async function load(path: string): Promise<any> {
  return import(pathToFileURL(resolve(directory!, path)).href);
}

async function prepare(): Promise<() => unknown> {
  const programs = await load('bench/programs.js');
  if (workload === 'explore') {
    const { explore, reductionNames } = await load('explorer/explore.js');
    const { exploreScope } = await load('explorer/scope.js');
    const { program, split } = programs.compiled(readFileSync('examples/accounts.ent', 'utf8'), 'examples/accounts.ent');
    const maxStates = Number(sizeText ?? 30_000);
    return () => explore(exploreScope(program, split, {
      nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
      shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, seed: '3', budget: { crash: 0, drop: 1, duplicate: 0, delay: 0 }, jitter: 0, downtime: 4,
      reductions: new Set(reductionNames), maxStates,
    })).stats.distinct;
  }
  const values = await load('semantics/values.js');
  const { runtimeSettings } = await load('cli/semantics.js');
  const { defaultRunSettings } = await load('cli/runtime-options.js');
  const { noFaults } = await load('runtime/faults.js');
  const { runWorkload } = await load('runtime/driver.js');
  const { SeededChoices } = await load('runtime/choices.js');
  const { split } = programs.compiled(programs.transferSource, 'allocations.ent');
  const settings = runtimeSettings({ ...defaultRunSettings, faults: noFaults, concurrency: '2pl', delivery: 'exactly-once', nodes: 3 });
  const { setup, clients } = transferWorkload(values.referenceValue, Number(sizeText ?? 4_000));
  return () => runWorkload(split, settings, new SeededChoices('1'), { setup, clients }, { stepsMax: Number.MAX_SAFE_INTEGER });
}

interface SampledNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SampledNode[];
}

const work = await prepare();
work();
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
work();
const { profile } = await session.post('HeapProfiler.stopSampling') as { profile: { head: SampledNode } };
session.disconnect();

const byFunction = new Map<string, number>();
const builtinsByCaller = new Map<string, number>();
let total = 0;
const label = (node: SampledNode): string =>
  `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/build[^/]*\//, '')}:${node.callFrame.lineNumber + 1}`;
function visit(node: SampledNode, caller: string | undefined): void {
  const own = label(node);
  byFunction.set(own, (byFunction.get(own) ?? 0) + node.selfSize);
  total += node.selfSize;
  if (node.callFrame.url === '' && node.selfSize > 0 && caller !== undefined) {
    const key = `${node.callFrame.functionName} <- ${caller}`;
    builtinsByCaller.set(key, (builtinsByCaller.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) visit(child, node.callFrame.url === '' ? caller : own);
}
visit(profile.head, undefined);

const share = (bytes: number): string => `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${(bytes / 1e6).toFixed(1).padStart(6)} MB`;
console.log(`${workload}${sizeText === undefined ? '' : ` ${sizeText}`} on ${directory}: ${(total / 1e6).toFixed(1)} MB allocated (sampled) in one run after a warm-up`);
for (const [name, bytes] of [...byFunction].sort((left, right) => right[1] - left[1]).slice(0, rows)) console.log(`${share(bytes)}  ${name}`);
console.log('builtins, by the function that called them:');
for (const [name, bytes] of [...builtinsByCaller].sort((left, right) => right[1] - left[1]).slice(0, rows >> 1)) console.log(`${share(bytes)}  ${name}`);
