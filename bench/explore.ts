// Benchmark: `ent explore` (explorer/) on two-phase-commit transfers between accounts under 2PL: distinct
// states per second on one core, the states with and without each reduction (ratios against no reduction,
// in the same process), how the count grows with clients, requests and the fault budget, and the memory
// per stored state (the heap after a full garbage collection at its largest, divided by the distinct
// states, run with --expose-gc for it; and the compact store alone: fingerprint table, parents, depths,
// choice numbers and edges). The reductions' scopes stop at 400,000 states (no ratio for one that does).
// Sections (all by default, or name them): reductions, growth, symmetry (n identical clients, with and
// without the `symmetry` reduction).
// Run: npx tsc -p . && node --expose-gc build/bench/explore.js [section …]
// (docs/benchmarks.md has the figures). Wall times use performance.now(), in bench/ only.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { noBudget, type FaultBudget } from '../explorer/branching.ts';
import { explore, reductionNames, type ExploreResult, type Reduction } from '../explorer/explore.ts';
import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Workload } from '../runtime/workload.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

/** examples/accounts.ent: a random workload on it is a workload of transfers. */
const source = readFileSync('examples/accounts.ent', 'utf8');

const program = compile(source, 'transfer.ent').program!;
const { split } = compileToSplit(program);

const base: ScopeOptions = {
  nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
  shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, seed: '3', budget: noBudget, jitter: 0, downtime: 4,
  reductions: new Set(reductionNames), maxStates: 3_000_000,
};

const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

function measure(options: Partial<ScopeOptions>, workload?: Workload): { result: ExploreResult; seconds: number; bytesPerState: number | undefined; storedPerState: number } {
  const seeded = exploreScope(program, split, { ...base, ...options });
  const scope = workload === undefined ? seeded : { ...seeded, workload, workloadNumbers: [] };
  const before = heap();
  const started = performance.now();
  let peak = 0;
  const result = explore({
    ...scope, keepGoing: true,
    progress: () => {
      if (gc !== undefined) peak = Math.max(peak, heap() - before);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, heap() - before);
  return {
    result, seconds, bytesPerState: gc === undefined || result.stats.distinct < 4096 ? undefined : peak / result.stats.distinct,
    storedPerState: result.stats.storedBytes / result.stats.distinct,
  };
}

function budgetText(budget: FaultBudget): string {
  const parts = (['crash', 'drop', 'duplicate', 'delay'] as const).filter((kind) => budget[kind] > 0).map((kind) => `${budget[kind]} ${kind}`);
  return parts.length === 0 ? 'no faults' : parts.join(', ');
}

function line(label: string, measured: ReturnType<typeof measure>, baseline?: number): string {
  const { result, seconds, bytesPerState, storedPerState } = measured;
  const { distinct, generated, maxDepth } = result.stats;
  const ratio = baseline === undefined ? '' : `  ${(baseline / distinct).toFixed(2)}× fewer`;
  const memory = `${bytesPerState === undefined ? '' : `  heap ~${Math.round(bytesPerState)} B/state`}  stored ${Math.round(storedPerState)} B/state`;
  const completeness = result.complete ? 'complete' : `stopped (${result.stoppedBy})`;
  return `  ${label.padEnd(34)} ${String(distinct).padStart(9)} distinct ${String(generated).padStart(9)} generated  depth ${String(maxDepth).padStart(3)}  `
    + `${seconds.toFixed(1).padStart(6)} s  ${String(Math.round(distinct / seconds)).padStart(6)} states/s  ${completeness}${ratio}${memory}`;
}

const scopes: readonly { readonly name: string; readonly options: Partial<ScopeOptions> }[] = [
  { name: '2 clients × 2 requests (seed 3), no faults', options: {} },
  { name: '1 client × 2 transfers (seed 1), 1 drop, 1 duplicate', options: { seed: '1', shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1, duplicate: 1 } } },
  { name: '2 clients × 2 requests (seed 3), 1 drop', options: { budget: { ...noBudget, drop: 1 } } },
  { name: '1 client × 2 transfers (seed 1), 1 crash, 1 drop, 1 duplicate', options: { seed: '1', shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } } },
];

function reductions(): void {
  console.log('Reductions: distinct states with each, against none (ratios in this process)');
  const sets: readonly ReadonlySet<Reduction>[] = [
    new Set(), new Set(['message-ids']), new Set(['por']), new Set(['late-faults']), new Set(['message-ids', 'por']),
    new Set(['message-ids', 'por', 'symmetry']), new Set(reductionNames),
  ];
  for (const scope of scopes) {
    console.log(`${scope.name}:`);
    let baseline: number | undefined;
    for (const set of sets) {
      const measured = measure({ ...scope.options, reductions: set, maxStates: 400_000 });
      console.log(line([...set].join(' + ') || 'none', measured, measured.result.complete ? baseline : undefined));
      // The ratios are against no reduction: none when that one stopped at the cap.
      if (set.size === 0 && measured.result.complete) baseline = measured.result.stats.distinct;
    }
  }
}

/** k clients × r transfers, written out: client c transfers 1 + i from Account(c mod 2) to the other account. */
function transfers(clients: number, requests: number): Workload {
  const account = (key: number) => referenceValue('Account', key);
  return {
    setup: [0, 1].map((key): Request => ({ kind: 'new', entity: 'Account', key, args: [] })),
    clients: Array.from({ length: clients }, (_, client) => Array.from({ length: requests }, (_, index): Request => ({
      kind: 'call', target: account(client % 2), method: 'transfer', args: [account((client + 1) % 2), 1 + index],
    }))),
  };
}

function growth(): void {
  console.log('Growth: distinct states by clients × transfers (written out) and fault budget (every reduction on)');
  for (const [clients, requests] of [[1, 2], [1, 3], [2, 1], [2, 2], [3, 1]] as const) {
    for (const budget of [noBudget, { ...noBudget, drop: 1 }, { ...noBudget, crash: 1 }, { ...noBudget, duplicate: 1 }, { ...noBudget, delay: 1 }]) {
      const measured = measure({ shape: { clients, requestsPerClient: requests, keysPerEntity: 2 }, budget, maxStates: 200_000 }, transfers(clients, requests));
      console.log(line(`${clients} × ${requests}, ${budgetText(budget)}`, measured));
    }
  }
}

/** n clients that each do the same requests: a transfer (a two-phase commit across the accounts' nodes), or a withdrawal (one node). */
function identical(clients: number, kind: 'transfer' | 'withdraw'): Workload {
  const account = (key: number) => referenceValue('Account', key);
  const request: Request = kind === 'transfer'
    ? { kind: 'call', target: account(0), method: 'transfer', args: [account(1), 1] }
    : { kind: 'call', target: account(0), method: 'withdraw', args: [1] };
  return {
    setup: [0, 1].map((key): Request => ({ kind: 'new', entity: 'Account', key, args: [] })),
    clients: Array.from({ length: clients }, () => [request]),
  };
}

function symmetry(): void {
  console.log(`Symmetry: n identical clients, one request each, distinct states without and with symmetry (message-ids and por on in both; stopped at ${process.env.ENT_BENCH_MAX_STATES ?? '300,000'})`);
  const all: readonly { readonly clients: number; readonly kind: 'transfer' | 'withdraw'; readonly budget: FaultBudget }[] = [
    { clients: 2, kind: 'transfer', budget: noBudget }, { clients: 2, kind: 'transfer', budget: { ...noBudget, drop: 1 } },
    { clients: 2, kind: 'transfer', budget: { ...noBudget, crash: 1 } }, { clients: 3, kind: 'transfer', budget: noBudget },
    { clients: 2, kind: 'withdraw', budget: noBudget }, { clients: 3, kind: 'withdraw', budget: noBudget }, { clients: 4, kind: 'withdraw', budget: noBudget },
    { clients: 3, kind: 'withdraw', budget: { ...noBudget, drop: 1 } },
  ];
  // ENT_BENCH_CASES=6,7 runs only those cases (numbered from 0 in the list above); ENT_BENCH_MAX_STATES
  // raises the cap (the unreduced 4-client scope needs about 2 million).
  const only = process.env.ENT_BENCH_CASES?.split(',').map(Number);
  const cap = Number(process.env.ENT_BENCH_MAX_STATES ?? 300_000);
  const cases = only === undefined ? all : all.filter((_, index) => only.includes(index));
  for (const { clients, kind, budget } of cases) {
    console.log(`${clients} × 1 ${kind}, ${budgetText(budget)}:`);
    const options = { shape: { clients, requestsPerClient: 1, keysPerEntity: 2 }, budget, maxStates: cap };
    const without = measure({ ...options, reductions: new Set(['message-ids', 'por']) }, identical(clients, kind));
    console.log(line('message-ids + por', without));
    const withSymmetry = measure({ ...options, reductions: new Set(reductionNames) }, identical(clients, kind));
    const ratio = without.result.complete ? without.result.stats.distinct : undefined;
    console.log(line('message-ids + por + symmetry', withSymmetry, ratio));
    if (!without.result.complete && withSymmetry.result.complete) console.log(`  (at least ${(without.result.stats.distinct / withSymmetry.result.stats.distinct).toFixed(1)}× fewer: without symmetry it stopped at the cap)`);
  }
}

const sections: Readonly<Record<string, () => void>> = { reductions, growth, symmetry };
const chosen = process.argv.slice(2);
for (const name of chosen.length === 0 ? Object.keys(sections) : chosen) {
  const section = sections[name];
  if (section === undefined) throw new Error(`unknown section ${name}: ${Object.keys(sections).join(', ')}`);
  section();
}
