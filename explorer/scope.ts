// Stage: explorer. The scope of an exploration, from the options of `ent explore` (the same as `ent
// check`'s where they mean the same): the runtime settings a replay token holds, the workload drawn from
// a seed (or the one given), and the fault budget. Faults are counted, not weighed: every kind with a
// budget gets a probability above 0 in the token's fault plan (so that a replay's numbers can name it),
// and the others 0.

import type { CheckSettings } from '../checkers/case.ts';
import { SeededChoices } from '../runtime/choices.ts';
import type { ConcurrencyMode, DeliveryMode, RuntimeSettings } from '../runtime/configuration.ts';
import { defaultTimeouts } from '../runtime/configuration.ts';
import type { FaultPlan } from '../runtime/faults.ts';
import { generateWorkload, type Workload, type WorkloadShape } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { FaultBudget } from './branching.ts';
import type { ExploreScope, Reduction } from './explore.ts';

export interface ScopeOptions {
  readonly nodes: number;
  readonly concurrency: ConcurrencyMode;
  readonly delivery: DeliveryMode;
  readonly stepLimit: number;
  readonly bug: string;
  readonly shape: WorkloadShape;
  /** The seed the random workload is drawn from. */
  readonly seed: string;
  readonly budget: FaultBudget;
  /** A message takes 1 + up to this many ticks (every latency is a branch). */
  readonly jitter: number;
  /** The most ticks a crashed node stays down (every downtime from a quarter of it up is a branch). */
  readonly downtime: number;
  readonly reductions: ReadonlySet<Reduction>;
  readonly maxStates: number;
  /** Hold the invariants at every state (explorer/invariants.ts); default yes. */
  readonly invariants?: boolean;
  /** `run`: the program's run block is the client (explorer/run-block.ts), and no workload is drawn; default `random`. */
  readonly workload?: 'random' | 'run';
}

/** The probability a fault kind with a budget gets in the token's plan: only its being above 0 matters. */
const budgeted = 0.1;

export function exploreRuntime(options: Pick<ScopeOptions, 'nodes' | 'concurrency' | 'delivery' | 'stepLimit' | 'bug' | 'budget' | 'jitter' | 'downtime'>): RuntimeSettings {
  const { budget } = options;
  const faults: FaultPlan = {
    drop: budget.drop > 0 ? budgeted : 0, duplicate: budget.duplicate > 0 ? budgeted : 0, delay: budget.delay > 0 ? budgeted : 0,
    crash: budget.crash > 0 ? budgeted : 0, downtime: options.downtime,
  };
  return {
    nodes: options.nodes, delivery: options.delivery, concurrency: options.concurrency, faults, stepLimit: options.stepLimit,
    timeouts: defaultTimeouts, latencyJitter: options.jitter, batchWindow: 4, bug: options.bug,
  };
}

/** A random workload drawn from the seed, with the numbers that a replay token holds to draw it again. */
export function seededWorkload(program: TypedProgram, shape: WorkloadShape, seed: string): { workload: Workload; numbers: readonly number[] } {
  const numbers = new SeededChoices(seed, { record: true });
  const workload = generateWorkload(program, shape, (count) => numbers.pick(count));
  return { workload, numbers: numbers.made.slice() };
}

export function exploreScope(program: TypedProgram, split: SplitProgram, options: ScopeOptions): ExploreScope {
  const run = options.workload === 'run';
  const settings: CheckSettings = { runtime: exploreRuntime(options), shape: options.shape, workload: run ? 'run' : 'random' };
  const { workload, numbers } = run ? { workload: { setup: [], clients: [] }, numbers: [] } : seededWorkload(program, options.shape, options.seed);
  return {
    program, split, settings, workload, workloadNumbers: numbers, budget: options.budget, reductions: options.reductions, maxStates: options.maxStates,
    invariants: options.invariants ?? true,
  };
}
