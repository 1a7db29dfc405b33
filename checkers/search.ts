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
  /** The time the minimizing and shrinking may take, in seconds; 0 reports the case as found, in its plainest form. */
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
      /** The time budget ran out before the shrinking ended. */
      readonly interrupted: boolean;
    };

/** Runs cases until one violates a guarantee, or `runs` held; a failure comes back minimized and shrunk. */
export function search(program: TypedProgram, split: SplitProgram, settings: CheckSettings, options: SearchOptions): SearchResult {
  const progress = options.progress ?? (() => undefined);
  let calls = 0;
  // The first failure fixes what the counterexample must show: its most telling violation. Shrinking
  // keeps only cases that still show that one, so that the report does not trade, say, a dependency
  // cycle for a plainer symptom of the same bug.
  let target: string | undefined;
  let plainest: CheckCase | undefined;
  const outcomes = emptyCounts();
  const property = fc.property(caseArbitrary, (testCase) => {
    calls++;
    progress(target !== undefined ? `shrinking the counterexample… (${calls} runs)` : `${progressBar(calls, options.runs)} ${calls}/${options.runs} runs`);
    const outcome = runCase(program, split, settings, testCase);
    const violations = outcome.violations;
    if (target === undefined) {
      countOutcomes(outcome.events, outcomes);
      if (violations.length === 0) return true;
      target = mostTelling(violations);
      plainest = outcome.plainest;
      return false;
    }
    return !violations.some((violation) => violationKey(violation) === target);
  });
  // Two passes: find a failure (no shrinking), then minimize it and shrink it by its value for at most
  // the time budget; an interrupted shrink keeps the smallest counterexample so far, which replays
  // exactly all the same.
  const found = fc.check(property, { numRuns: options.runs, seed: seedNumber(options.seed), endOnFailure: true });
  progress(undefined);
  if (!found.failed) return { held: true, runs: found.numRuns, outcomes };
  const [first] = found.counterexample!;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(options.shrinkSeconds * 1000)) * 1_000_000n;
  const budget = { more: () => process.hrtime.bigint() < deadline };
  const stillFails = (testCase: CheckCase): boolean => {
    progress(`minimizing the counterexample… (${++calls} runs)`);
    return runCase(program, split, settings, testCase).violations.some((violation) => violationKey(violation) === target);
  };
  // The first failure with every number replaced by the plainest one that answers the same: the same
  // run, so it fails the same way (checked all the same), with most of its numbers already 0 for
  // zeroing to skip.
  const start = stillFails(plainest!) ? plainest! : first;
  // The workload first (fewer requests make every later run shorter), then the schedule, then the
  // workload again, which a plainer schedule often lets shrink further.
  let workload = zeroOut(start.workload, (candidate) => stillFails({ workload: candidate, schedule: start.schedule }), budget);
  const schedule = zeroOut(start.schedule, (candidate) => stillFails({ workload, schedule: candidate }), budget);
  workload = zeroOut(workload, (candidate) => stillFails({ workload: candidate, schedule }), budget);
  const remaining = Number(deadline - process.hrtime.bigint()) / 1e6;
  const shrunk = remaining <= 0 ? undefined : fc.check(property, {
    numRuns: 1, examples: [[{ workload, schedule }]], interruptAfterTimeLimit: Math.max(1, Math.floor(remaining)),
  });
  progress(undefined);
  return {
    held: false,
    outcomes,
    runs: found.numRuns,
    fastCheckSeed: found.seed,
    path: found.counterexamplePath ?? '',
    target: target!,
    found: first,
    counterexample: shrunk?.failed === true ? shrunk.counterexample![0] : { workload, schedule },
    shrinks: shrunk?.numShrinks ?? 0,
    interrupted: shrunk === undefined || shrunk.interrupted,
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

function progressBar(done: number, total: number): string {
  const width = 24;
  const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
