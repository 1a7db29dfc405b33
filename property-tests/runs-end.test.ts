// Runs end in time. property-tests/next-event.test.ts drew its seeds afresh until 2026-12-07, and about one
// run of that file in seven went silent for minutes: some generated runs of the bank example under heavy
// faults took 200,000 global steps and more, and ended with requests unanswered. Three rules of the
// runtime were at fault, each held here along runs under every protocol, delivery and fault plan:
//  - A message is copied at most once (runtime/simulator.ts, `G-Duplicate`). Copies of copies, under
//    at-least-once delivery each a transaction of its own whose messages were copied in turn, grew
//    without bound: a run of six deposits made hundreds of runs of one request in ten ticks.
//  - Aria's batches take time (runtime/aria.ts, `A-Conflict`): a member that conflicts waits for a batch
//    at a later tick. When every member ran at the sequencer, the next batch closed at the same tick, and
//    a hot entity with a thousand members kept the system busy at one tick for a million trace entries,
//    while every message due later (the client's answer among them) waited.
//  - A long wait in ticks stops the faults (runtime/faults.ts `healAfterTicks`), as a wait of 20,000
//    steps does: each lease that runs out doubles the next and one step jumps to its end, so a wait
//    lasted 100,000 ticks in a few thousand steps, and under at-least-once delivery every resend that
//    arrived in that time became a transaction of its own.
// The cases that showed them are kept below as data, with what they did before.
// Negative controls: a driver whose tick wait is out of reach lets faults strike after it, which the
// property catches; traces in which a message is copied twice, or two batches close at one tick, are
// caught by the checks. The runtime has no switch back to the other two old rules; with either put back
// by hand, the property fails on the first few cases (checked when this file was written).

import test from 'ava';
import fc from 'fast-check';
import { SeededChoices } from '../runtime/choices.ts';
import { runWorkload, type DriverOptions, type WorkloadRun } from '../runtime/driver.ts';
import { healAfterTicks } from '../runtime/faults.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { bankRunCases as cases, bankRunSettings, bankRunWorkload, bankSplit, type BankRunCase as Case } from './arbitraries/bank-runs.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);

/** The cases found by next-event.test.ts's fresh seeds (seed 105's 75th case; seed 129's), and one that waits long. */
const kept: readonly { readonly name: string; readonly sample: Case }[] = [
  {
    // Before: 220,239 global steps (21 s), requests unanswered; with only Aria's rule, 245,930 steps.
    name: 'a thousand runs of one deposit at one tick (Aria, at-least-once)',
    sample: {
      seed: '<&$#}', workload: [1483, 8662, 2564, 8338, 6336, 9152, 8965, 7916, 5158], concurrency: 'aria', delivery: 'at-least-once',
      faults: { drop: 0.15, duplicate: 0.05, delay: 0.1, crash: 0, downtime: 40 },
    },
  },
  {
    // Before: 220,067 global steps (19 s), requests unanswered: request #13 copied over and over.
    name: 'copies of copies (Aria, at-least-once)',
    sample: {
      seed: 'cum]Hgl', workload: [6221, 6852, 7226, 1924, 6493, 8468], concurrency: 'aria', delivery: 'at-least-once',
      faults: { drop: 0, duplicate: 0.15, delay: 0, crash: 0, downtime: 10 },
    },
  },
];

/** A run that waits more than healAfterTicks ticks for an answer while faults strike, if they are not stopped. */
const longWait: Case = {
  seed: '', workload: [2704, 8203, 4359, 9331, 4824, 5021], concurrency: '2pl', delivery: 'at-least-once',
  faults: { drop: 0.15, duplicate: 0, delay: 0.2, crash: 0, downtime: 40 },
};

interface Observed {
  readonly run: WorkloadRun;
  /** Every trace entry, with the tick of the last answer before it. */
  readonly entries: readonly { readonly entry: TraceEntry; readonly answeredAt: number }[];
}

function observe(sample: Case, options: DriverOptions = {}): Observed {
  const entries: { entry: TraceEntry; answeredAt: number }[] = [];
  let answeredAt = 0;
  const run = runWorkload(bankSplit, bankRunSettings(sample), new SeededChoices(sample.seed), bankRunWorkload(sample), {
    ...options,
    // A step's entries come before the answers it delivered are collected, as the driver heals.
    trace: (entry) => entries.push({ entry, answeredAt }),
    onAnswer: (_client, _request, tick) => {
      answeredAt = tick;
    },
  });
  return { run, entries };
}

const faultRules = new Set(['G-Drop', 'G-Duplicate', 'G-Delay', 'G-Crash']);

/** The first fault that struck after a wait of `healAfterTicks` ticks or more for an answer, described. */
function faultAfterLongWait(observed: Observed): string | undefined {
  for (const { entry, answeredAt } of observed.entries) {
    if (faultRules.has(entry.rule) && entry.tick - answeredAt >= healAfterTicks) {
      return `${entry.rule} at tick ${entry.tick}, ${entry.tick - answeredAt} ticks after the last answer: ${entry.detail}`;
    }
  }
  return undefined;
}

/** The first message copied a second time (a copy of it, or of its copy), described. */
function copiedTwice(entries: readonly TraceEntry[]): string | undefined {
  const copied = new Set<string>();
  for (const entry of entries) {
    if (entry.rule !== 'G-Duplicate') continue;
    const message = /#(\d+)/.exec(entry.detail)![1];
    if (copied.has(message)) return `at tick ${entry.tick}: ${entry.detail}, again`;
    copied.add(message);
  }
  return undefined;
}

/** The first batch that closed at the tick of the batch before it, described. */
function sameTickBatch(entries: readonly TraceEntry[]): string | undefined {
  let last: TraceEntry | undefined;
  for (const entry of entries) {
    if (entry.rule !== 'A-Batch') continue;
    if (last !== undefined && entry.tick <= last.tick) return `at tick ${entry.tick}: ${last.detail.split(':')[0]}, then ${entry.detail.split(':')[0]}`;
    last = entry;
  }
  return undefined;
}

/** What is wrong with a run under the three rules, if anything. */
function broken(observed: Observed): string | undefined {
  const entries = observed.entries.map(({ entry }) => entry);
  const fault = faultAfterLongWait(observed);
  if (fault !== undefined) return `a fault after a long wait: ${fault}`;
  const copy = copiedTwice(entries);
  if (copy !== undefined) return `a message copied twice ${copy}`;
  const batch = sameTickBatch(entries);
  if (batch !== undefined) return `two batches at one tick ${batch}`;
  return undefined;
}

for (const { name, sample } of kept) {
  test(`A kept case ends, every request answered, in a few thousand steps: ${name}`, (t) => {
    const observed = observe(sample);
    t.deepEqual(observed.run.stuck, []);
    t.true(observed.run.steps < 20_000, `${observed.run.steps} global steps`);
    t.is(broken(observed), undefined);
    t.log(`${observed.run.steps} global steps`);
  });
}

test('No fault strikes after a wait of healAfterTicks ticks for an answer, no message is copied twice, no two batches close at one tick', (t) => {
  let batches = 0;
  let copies = 0;
  let longest = 0;
  fc.assert(fc.property(cases, (sample) => {
    const observed = observe(sample);
    const problem = broken(observed);
    if (problem !== undefined) throw new Error(problem);
    batches += observed.entries.filter(({ entry }) => entry.rule === 'A-Batch').length;
    copies += observed.entries.filter(({ entry }) => entry.rule === 'G-Duplicate').length;
    for (const { entry, answeredAt } of observed.entries) longest = Math.max(longest, entry.tick - answeredAt);
  }), { numRuns: runs(300), seed: 41 });
  t.log(`${batches} batches, ${copies} copies; the longest wait for an answer: ${longest} ticks`);
  t.true(batches > 100);
  t.true(copies > 100);
});

test('The long wait stops the faults', (t) => {
  const observed = observe(longWait);
  t.deepEqual(observed.run.stuck, []);
  t.is(broken(observed), undefined);
  t.log(`${observed.run.steps} global steps`);
});

test('Negative control: with the tick wait out of reach, faults strike after a long wait, and the property catches it', (t) => {
  const observed = observe(longWait, { healAfterTicks: Number.POSITIVE_INFINITY, stepsMax: 30_000 });
  const problem = broken(observed);
  t.regex(problem ?? '', /^a fault after a long wait/);
  t.log(problem);
});

test('Negative control: a message copied twice, and two batches closing at one tick, are caught', (t) => {
  const entry = (tick: number, rule: string, detail: string): TraceEntry => ({ tick, place: 'node 0', rule, span: undefined, detail });
  t.is(copiedTwice([entry(3, 'G-Duplicate', 'request #13 duplicated'), entry(4, 'G-Duplicate', 'request #14 duplicated')]), undefined);
  t.is(copiedTwice([entry(3, 'G-Duplicate', 'request #13 duplicated'), entry(4, 'G-Duplicate', 'request #13 duplicated')]), 'at tick 4: request #13 duplicated, again');
  t.is(sameTickBatch([entry(5, 'A-Batch', 'batch 1: r1'), entry(9, 'A-Batch', 'batch 2: r2')]), undefined);
  t.is(sameTickBatch([entry(5, 'A-Batch', 'batch 1: r1'), entry(9, 'A-Batch', 'batch 2: r2, r3'), entry(9, 'A-Batch', 'batch 3: r3')]), 'at tick 9: batch 2, then batch 3');
});
