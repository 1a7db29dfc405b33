// Benchmark: what a push costs. Wall time of n pushes onto a list for n = 10³ … 10⁶, in an Ent method
// (one transaction, under `--semantics reference` and `split`, compiled and hosted through the functions
// `ent run` uses) and in the run block (the client's own computation), with the ratio per decade: a
// push of constant cost makes each decade cost about 10× the one before, a push that copies the list
// about 100×. Beside them the same loop by hand in TypeScript: a mutable array (the floor), an array
// copied at every push, immer's `produce` on an array, and the persistent vector Ent's lists are
// (semantics/persistent-vector.ts). The timed part of an Ent row is the run block alone: compiling, and
// building the host (and for `split` the split program), come first, untimed. Each size runs in a
// worker thread, after ten untimed runs of 10³ pushes, and the worker is stopped when it exceeds
// the time budget (the row's larger sizes are then not tried). Step budgets are lifted for the timed
// runs; one more line says whether 10⁵ pushes in a method fit the default budget of 1,000,000 steps.
// First, small values (the reference benchmark keeps a ring of 64 in a list and a map of 16 counts):
// the cost of one index store, and of one lookup and store in a map, for sizes 16, 64 and 1,000, copied
// as Ent's lists and maps were before and with the persistent structures, in the same process.
// Run: npx tsc -p . && node build/bench/values.js [seconds per size, default 60] [small|pushes]
// (docs/benchmarks.md).

import { produce, setAutoFreeze } from 'immer';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { semanticsEntry } from '../cli/semantics.ts';
import { Client } from '../semantics/reference/client.ts';
import { compile } from '../semantics/compile.ts';
import { PersistentSortedMap } from '../semantics/persistent-sorted-map.ts';
import { PersistentVector } from '../semantics/persistent-vector.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { fixed, median, table, timeMedian, timeOnce } from './measure.ts';

setAutoFreeze(false);

const budgetSeconds = Number(process.argv[2] ?? 60);
/** `small` or `pushes` runs that section alone. */
const only = process.argv[3];
const sizes = [1_000, 10_000, 100_000, 1_000_000];

function methodSource(n: number): string {
  return `
entity Pusher {
  key id: int
  fn fill(n: int): int {
    let xs: list<int> = []
    let i = 0
    while i < n {
      xs.push(i)
      i = i + 1
    }
    return xs.len()
  }
}
run {
  print new Pusher(1).fill(${n})
}
`;
}

function runBlockSource(n: number): string {
  return `
run {
  let xs: list<int> = []
  let i = 0
  while i < ${n} {
    xs.push(i)
    i = i + 1
  }
  print xs.len()
}
`;
}

function compiled(source: string): TypedProgram {
  const result = compile(source, 'values-bench.ent');
  if (result.program === undefined) throw new Error(result.diagnostics[0]?.message);
  return result.program;
}

/**
 * Prepares a run of the program's run block as `ent run --semantics NAME` does (the host, and for
 * `split` the split program, are built here); the run gives the output lines.
 */
function prepareRun(program: TypedProgram, semantics: string, stepLimit: number): () => string[] {
  const output: string[] = [];
  const runHost = semanticsEntry(semantics).create(program, { ...defaultRunSettings, stepLimit }, undefined);
  const client = new Client(runHost.host, (line) => output.push(line));
  return () => {
    client.run(program.run!.body);
    client.finish();
    return output;
  };
}

const unlimited = Number.MAX_SAFE_INTEGER;

interface Row {
  readonly name: string;
  /** Prepares a run of n pushes (untimed); the run throws if the result is wrong. */
  readonly prepare: (n: number) => () => void;
}

function entRow(name: string, source: (n: number) => string, semantics: string): Row {
  const programs = new Map<number, TypedProgram>();
  return {
    name,
    prepare: (n) => {
      if (!programs.has(n)) programs.set(n, compiled(source(n)));
      const run = prepareRun(programs.get(n)!, semantics, unlimited);
      return () => {
        const output = run();
        if (output.join('\n') !== String(n)) throw new Error(`${name}: printed ${output.join(' | ')}`);
      };
    },
  };
}

function handRow(name: string, fill: (n: number) => number): Row {
  return {
    name,
    prepare: (n) => () => {
      if (fill(n) !== n) throw new Error(`${name}: wrong length`);
    },
  };
}

const rows: readonly Row[] = [
  entRow('Ent method, --semantics reference', methodSource, 'reference'),
  entRow('Ent method, --semantics split', methodSource, 'split'),
  entRow('Ent run block', runBlockSource, 'reference'),
  handRow('TypeScript: mutable array', (n) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(i);
    return xs.length;
  }),
  handRow('TypeScript: array copied at every push', (n) => {
    let xs: readonly number[] = [];
    for (let i = 0; i < n; i++) xs = [...xs, i];
    return xs.length;
  }),
  handRow('TypeScript: immer produce on an array', (n) => {
    let xs: readonly number[] = [];
    for (let i = 0; i < n; i++) xs = produce(xs, (draft: number[]) => { draft.push(i); });
    return xs.length;
  }),
  handRow('TypeScript: persistent vector (Ent\'s lists)', (n) => {
    let xs = PersistentVector.empty<number>();
    for (let i = 0; i < n; i++) xs = xs.push(i);
    return xs.length;
  }),
];

/**
 * Times `row` at `n` in this thread, after ten untimed runs of 10³ pushes (a fresh worker's code is not
 * optimized yet): once at 10⁶, else the median of 3 (10⁵), 7 (10⁴) or 15 (10³) runs after one more.
 */
function timeHere(row: Row, n: number): number {
  for (let run = 0; run < 10; run++) row.prepare(1_000)();
  const runs = n >= 1_000_000 ? 1 : n >= 100_000 ? 3 : n >= 10_000 ? 7 : 15;
  if (runs > 1) row.prepare(n)();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(timeOnce(row.prepare(n)));
  return median(times);
}

/**
 * Times `row` at `n` in a worker thread, which is stopped after the time budget (a copying push grows
 * with the list, and the old representation fell off a cliff past 16,000 elements): the milliseconds,
 * or undefined when the budget ran out.
 */
function timeInWorker(rowIndex: number, n: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { rowIndex, n } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(undefined);
    }, budgetSeconds * 1000);
    worker.once('message', (milliseconds: number) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(milliseconds);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function measure(rowIndex: number): Promise<string[]> {
  const cells: string[] = [rows[rowIndex].name];
  let previous: number | undefined;
  for (const n of sizes) {
    const milliseconds = await timeInWorker(rowIndex, n);
    if (milliseconds === undefined) {
      cells.push(`> ${budgetSeconds} s`);
      while (cells.length < sizes.length + 1) cells.push('');
      break;
    }
    const time = `${fixed(milliseconds, milliseconds < 10 ? 2 : 0)} ms`;
    cells.push(previous === undefined ? time : `${time} (×${fixed(milliseconds / previous, 1)})`);
    previous = milliseconds;
  }
  console.error(`  ${cells.join('; ')}`);
  return cells;
}

/**
 * Small values, the reference benchmark's case (a ring of 64 in a list, a map of 16 counts): nanoseconds
 * per index store into a list of `size`, and per lookup-and-store into a map of `size` int keys, with
 * the representation Ent had before (a copied array, a copied Map) and with the persistent structures.
 */
function smallValueRows(): string[][] {
  const operations = 200_000;
  const perOperation = (work: () => void): number => (timeMedian(work, 5, 2) * 1e6) / operations;
  const rows: string[][] = [['operation', 'size', 'copied array or Map', 'persistent', 'copied / persistent']];
  for (const size of [16, 64, 1_000]) {
    let array: readonly number[] = Array.from({ length: size }, (_, index) => index);
    let vector = PersistentVector.from(array);
    const copied = perOperation(() => {
      for (let index = 0; index < operations; index++) {
        const next = array.slice();
        next[index % size] = index;
        array = next;
      }
    });
    const persistent = perOperation(() => {
      for (let index = 0; index < operations; index++) vector = vector.set(index % size, index);
    });
    rows.push(['list: index store', String(size), `${fixed(copied, 0)} ns`, `${fixed(persistent, 0)} ns`, fixed(copied / persistent, 1)]);
  }
  for (const size of [16, 64, 1_000]) {
    let map: ReadonlyMap<number, number> = new Map(Array.from({ length: size }, (_, index) => [index, 0]));
    let tree = PersistentSortedMap.from(map);
    const copied = perOperation(() => {
      for (let index = 0; index < operations; index++) {
        const key = (index * 7) % size;
        map = new Map(map).set(key, map.get(key)! + 1);
      }
    });
    const persistent = perOperation(() => {
      for (let index = 0; index < operations; index++) {
        const key = (index * 7) % size;
        tree = tree.set(key, tree.get(key)! + 1);
      }
    });
    rows.push(['map: lookup and store', String(size), `${fixed(copied, 0)} ns`, `${fixed(persistent, 0)} ns`, fixed(copied / persistent, 1)]);
  }
  return rows;
}

if (isMainThread) {
  if (only !== 'pushes') {
    console.log(`Small values (${fixed(200_000, 0)} operations, median of 5 after 2 warm-ups):`);
    console.log(table(smallValueRows()));
    console.log('');
  }
  if (only !== 'small') await pushes();
} else {
  const { rowIndex, n } = workerData as { rowIndex: number; n: number };
  parentPort!.postMessage(timeHere(rows[rowIndex], n));
}

async function pushes(): Promise<void> {
  console.log(`n pushes onto a list; median of 15 runs (10³), 7 (10⁴), 3 (10⁵), 1 (10⁶), each size in a worker stopped after ${budgetSeconds} s; step budgets lifted`);
  const results: string[][] = [];
  for (let rowIndex = 0; rowIndex < rows.length; rowIndex++) results.push(await measure(rowIndex));
  console.log(table([['', ...sizes.map((n) => `n = ${n.toLocaleString('en')}`)], ...results]));
  const defaultBudget = compiled(methodSource(100_000));
  for (const semantics of ['reference', 'split']) {
    const output = prepareRun(defaultBudget, semantics, defaultRunSettings.stepLimit)();
    console.log(`10⁵ pushes in a method under --semantics ${semantics} with the default budget: ${output.join(' | ')}`);
  }
}
