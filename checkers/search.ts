// Stage: checkers. The search behind `ent check`: fast-check generates cases (a workload and every choice
// of the schedule and the faults) until one violates a guarantee, and the failing case is then made small:
// first by zeroing the choices nobody needs (checkers/minimize.ts), then by fast-check's own shrinking,
// within a time budget. The CLI prints the result; bench/check.ts measures it.

import fc from 'fast-check';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { runCase, type CheckCase, type CheckSettings } from './case.ts';
import { zeroOut } from './minimize.ts';
import { countOutcomes, emptyCounts, type OutcomeCounts, type Violation } from './violation.ts';

export const caseArbitrary = fc.record({
  workload: fc.array(fc.nat({ max: 999_999 }), { maxLength: 300, size: 'max' }),
  schedule: fc.array(fc.nat({ max: 999_999 }), { maxLength: 4000, size: 'max' }),
});

export interface SearchOptions {
  readonly runs: number;
  readonly seed: string;
  /**
   * The runs the minimizing and shrinking may take (1,000 unless given): a budget counted in runs, so that
   * the counterexample is the same on every machine and at every load.
   */
  readonly shrinkRuns?: number;
  /**
   * A cap on the time they may take, in seconds; 0 reports the case as found, in its plainest form. A
   * shrink stopped by this cap depends on the machine's speed, and the result says so.
   */
  readonly shrinkSeconds: number;
  /** Told what the search is doing (a progress line), and `undefined` when a phase ends. */
  readonly progress?: (text: string | undefined) => void;
}

export type SearchResult =
  | { readonly held: true; readonly runs: number; readonly outcomes: OutcomeCounts }
  | {
      readonly held: false;
      /** The outcomes of the runs until the first failure, that one included. */
      readonly outcomes: OutcomeCounts;
      /** The runs until the first failure. */
      readonly runs: number;
      readonly fastCheckSeed: number;
      readonly path: string;
      /** The violation the counterexample was kept showing: `checker:kind`. */
      readonly target: string;
      readonly found: CheckCase;
      readonly counterexample: CheckCase;
      readonly shrinks: number;
      /** What stopped the shrinking before it ended, if anything: its budget of runs, or the time cap. */
      readonly interrupted: 'runs' | 'time' | false;
    };

/**
 * Case number `start`, `start + 1`, … of the search from `seed`: exactly the cases fast-check's own
 * runner draws from that seed, in its order (its `path` skips to a case without drawing those before),
 * so that any worker can draw any stretch of the search by itself.
 */
export function casesFrom(seed: string, start: number, count: number): CheckCase[] {
  const draws = new CaseDraws(seed, start + count);
  return Array.from({ length: count }, (_, offset) => draws.case(start + offset));
}

/** Where case number `runId` of a search starts: the random generator fast-check hands its runner for it. */
interface Draw {
  readonly mrng: fc.Random;
  readonly runId: number;
}

/** `caseArbitrary` as the property fast-check's runner generates from: its values are `[case]`. */
const caseProperty = fc.property(caseArbitrary, (_testCase: CheckCase) => true);

/**
 * A property that generates nothing: it keeps the random generator and run number fast-check hands it
 * for each case, from which `caseProperty` later generates exactly that case (fast-check clones the
 * generator for each run, and `Random.clone` keeps it unchanged for a second use).
 */
const drawOnly: fc.IRawProperty<Draw, false> = {
  isAsync: () => false,
  generate: (mrng, runId) => new fc.Value({ mrng: mrng.clone(), runId: runId ?? 0 }, undefined),
  shrink: () => fc.Stream.nil(),
  run: () => null,
  runBeforeEach: () => undefined,
  runAfterEach: () => undefined,
};

/**
 * The numbered cases of the search from one seed, drawn when asked for. Skipping to case `n` costs
 * fast-check a jump of its generator for every case before it, and generating a case up to 4,300
 * numbers: so the draws are taken a block of `drawsPerBlock` at a time (the jumps only, a few dozen
 * bytes a case), once per block however many stretches of it are asked for, and each case is
 * generated only when it is run. Asking for the stretches of a search in order, a worker pays for the
 * jumps before each block once, not once per stretch (which grew with the case number: at case 5,000 it
 * cost a stretch of 8 cases a quarter of their run time).
 */
export class CaseDraws {
  private blockStart = -1;
  private block: readonly Draw[] = [];

  /** `end`: no case from it on will be asked for (a search of 100 runs draws no block of 16,384). */
  constructor(private readonly seed: string, private readonly end = Infinity) {}

  /** Case number `index` (from 0). */
  case(index: number): CheckCase {
    const blockStart = index - (index % drawsPerBlock);
    if (blockStart !== this.blockStart) {
      const numRuns = Math.max(1, Math.min(drawsPerBlock, this.end - blockStart));
      this.block = fc.sample(drawOnly, { seed: seedNumber(this.seed), numRuns, path: String(blockStart) });
      this.blockStart = blockStart;
    }
    const draw = this.block[index - blockStart];
    return caseProperty.generate(draw.mrng.clone(), draw.runId).value[0];
  }
}

const drawsPerBlock = 16_384;

/** The runs that minimizing and shrinking a counterexample may take unless told otherwise. */
export const defaultShrinkRuns = 1000;

/** How many cases a parallel search hands to a worker at a time. */
export const casesPerChunk = 8;

/** The first failing case of a search, by number, with what the runs until it (it included) answered. */
export interface FirstFailure {
  /** Its number, from 0. */
  readonly index: number;
  readonly outcomes: OutcomeCounts;
}

/** One case run for the search: whether it violated a guarantee, and what its requests got. */
export interface CaseVerdict {
  readonly failed: boolean;
  readonly outcomes: OutcomeCounts;
}

/** Runs one case as the search does. */
export function judgeCase(program: TypedProgram, split: SplitProgram, settings: CheckSettings, testCase: CheckCase): CaseVerdict {
  const outcome = runCase(program, split, settings, testCase);
  return { failed: outcome.violations.length > 0, outcomes: countOutcomes(outcome.events, emptyCounts()) };
}

/** Adds `more` to `counts`. */
export function addCounts(counts: OutcomeCounts, more: OutcomeCounts): OutcomeCounts {
  counts.committed += more.committed;
  counts.abortedByProgram += more.abortedByProgram;
  counts.abortedBySystem += more.abortedBySystem;
  counts.unanswered += more.unanswered;
  return counts;
}

/**
 * Runs cases until one violates a guarantee, or `runs` held; a failure comes back minimized and shrunk.
 * The cases are numbered, and the result is that of the first failing case by number: the same whether
 * the cases run here one after another or in worker threads (checkers/parallel-search.ts).
 */
export function search(program: TypedProgram, split: SplitProgram, settings: CheckSettings, options: SearchOptions): SearchResult {
  const progress = options.progress ?? (() => undefined);
  const outcomes = emptyCounts();
  const draws = new CaseDraws(options.seed, options.runs);
  for (let index = 0; index < options.runs; index++) {
    progress(`${progressBar(index + 1, options.runs)} ${index + 1}/${options.runs} runs`);
    const verdict = judgeCase(program, split, settings, draws.case(index));
    addCounts(outcomes, verdict.outcomes);
    if (verdict.failed) {
      progress(undefined);
      return makeSmall(program, split, settings, { index, outcomes }, options);
    }
  }
  progress(undefined);
  return { held: true, runs: options.runs, outcomes };
}

/**
 * The failing case `failure.index` of the search made small: first the violation it must keep showing
 * (its most telling one), then its numbers zeroed where the run does not need them, then fast-check's
 * shrinking by value, within the time budget; an interrupted shrink keeps the smallest counterexample so
 * far, which replays exactly all the same.
 */
export function makeSmall(program: TypedProgram, split: SplitProgram, settings: CheckSettings, failure: FirstFailure, options: SearchOptions): SearchResult {
  const progress = options.progress ?? (() => undefined);
  const [first] = casesFrom(options.seed, failure.index, 1);
  const outcome = runCase(program, split, settings, first);
  // The first failure fixes what the counterexample must show: its most telling violation. Shrinking
  // keeps only cases that still show that one, so that the report does not trade, say, a dependency
  // cycle for a plainer symptom of the same bug.
  const target = mostTelling(outcome.violations);
  let calls = 0;
  const runsAllowed = options.shrinkRuns ?? defaultShrinkRuns;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(options.shrinkSeconds * 1000)) * 1_000_000n;
  let stopped: 'runs' | 'time' | false = false;
  const budget = {
    more: (): boolean => {
      if (stopped === false && calls >= runsAllowed) stopped = 'runs';
      if (stopped === false && process.hrtime.bigint() >= deadline) stopped = 'time';
      return stopped === false;
    },
  };
  const stillFails = (testCase: CheckCase): boolean => {
    progress(`minimizing the counterexample… (${++calls} runs)`);
    return runCase(program, split, settings, testCase).violations.some((violation) => violationKey(violation) === target);
  };
  // The first failure with every number replaced by the plainest one that answers the same: the same
  // run, so it fails the same way (checked all the same), with most of its numbers already 0 for
  // zeroing to skip.
  const start = stillFails(outcome.plainest) ? outcome.plainest : first;
  // The workload first (fewer requests make every later run shorter), then the schedule, then the
  // workload again, which a plainer schedule often lets shrink further.
  let workload = zeroOut(start.workload, (candidate) => stillFails({ workload: candidate, schedule: start.schedule }), budget);
  const schedule = zeroOut(start.schedule, (candidate) => stillFails({ workload, schedule: candidate }), budget);
  workload = zeroOut(workload, (candidate) => stillFails({ workload: candidate, schedule }), budget);
  // fast-check's shrinking by value. Once the budget is spent, every candidate left is taken to hold
  // without running it, which ends the shrinking at the smallest failure found so far; the time cap
  // also interrupts a single long run.
  const property = fc.property(caseArbitrary, (testCase) => {
    if (!budget.more()) return true;
    progress(`shrinking the counterexample… (${++calls} runs)`);
    return !runCase(program, split, settings, testCase).violations.some((violation) => violationKey(violation) === target);
  });
  const remaining = Number(deadline - process.hrtime.bigint()) / 1e6;
  const shrunk = !budget.more() ? undefined : fc.check(property, {
    numRuns: 1, examples: [[{ workload, schedule }]], interruptAfterTimeLimit: Math.max(1, Math.floor(remaining)),
  });
  if (shrunk?.interrupted === true && stopped === false) stopped = 'time';
  progress(undefined);
  return {
    held: false,
    outcomes: failure.outcomes,
    runs: failure.index + 1,
    fastCheckSeed: seedNumber(options.seed),
    path: String(failure.index),
    target,
    found: first,
    counterexample: shrunk?.failed === true ? shrunk.counterexample![0] : { workload, schedule },
    shrinks: shrunk?.numShrinks ?? 0,
    interrupted: stopped,
  };
}

/** `ent check --seed S` takes any text; fast-check wants a 32-bit integer. */
export function seedNumber(seed: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < seed.length; index++) hash = Math.imul(hash ^ seed.charCodeAt(index), 0x01000193);
  return hash | 0;
}

function violationKey(violation: Violation): string {
  return `${violation.checker}:${violation.kind}`;
}

/**
 * Cycles and lost updates of the dependency graph first, then a commit not installed everywhere or a read
 * of what no committed request installed (each names its request and entities), then a final state that
 * no replay gives (money made or lost shows there), then exactly-once, the other replay findings, and the rest.
 */
function mostTelling(violations: readonly Violation[]): string {
  const rank = (violation: Violation): number => {
    if (violation.checker === 'dependency-graph') return ['G0', 'G1a', 'G1b', 'G1c', 'lost-update', 'G-single', 'G2'].includes(violation.kind) ? 0 : 5;
    if (violation.checker === 'installation') return 1;
    if (violation.checker === 'replay') return violation.kind === 'final-state' ? 2 : 4;
    return violation.checker === 'exactly-once' ? 3 : 6;
  };
  return violationKey([...violations].sort((left, right) => rank(left) - rank(right))[0]);
}

export function progressBar(done: number, total: number): string {
  const width = 24;
  const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
