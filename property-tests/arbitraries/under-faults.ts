// Property-test arbitraries: cases of the safe-settings property on generated programs
// (property-tests/distributed-generated.test.ts, measured by bench/generated.ts). A case is a generated
// program (./programs.ts), a workload mode, the numbers `ent check` draws its workload and every choice
// of the schedule and the faults from, a random fault plan, a node count, a workload shape and a set of
// timeouts. It runs through checkers/case.ts, so its history is held against every checker `ent check`
// has: liveness, exactly-once, replay through the reference model, the dependency graph and the
// installation check.
//
// The two workload modes give the two kinds of concurrency: `run` runs the program's own run block as
// one client whose `async` calls put several transactions in flight at once; `random` runs the setup
// and then two to six clients, each calling random methods of the program's entities
// (runtime/workload.ts). The random workload passes small ints only (`fuelInts`): a generated method
// recurses on its first argument, its fuel, and a call tree with fuel 20 would not end within the step
// budget.

import fc from 'fast-check';
import { runCase, type CaseOutcome, type CheckCase, type CheckSettings } from '../../checkers/case.ts';
import { caseArbitrary } from '../../checkers/search.ts';
import { defaultTimeouts, type ConcurrencyMode, type Timeouts } from '../../runtime/configuration.ts';
import type { FaultPlan } from '../../runtime/faults.ts';
import type { HistoryEvent } from '../../runtime/history.ts';
import { describeWorkload, type WorkloadShape } from '../../runtime/workload.ts';
import { compile } from '../../semantics/compile.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import type { TypedProgram } from '../../semantics/typed.ts';
import { programArbitrary, type GeneratedProgram } from './programs.ts';

/**
 * Fuel 0 to 2, and -1; 1 and 2 twice, so that most calls run their method's body (fuel 0 or less returns
 * at once). Not 3, which run blocks pass: now and then a call with fuel 3 is a transaction of 80,000
 * remote calls (one in about 15,000 cases), and checkers/case.ts gives a whole random workload 100,000
 * global steps before it reports the requests still unanswered as stuck.
 */
export const fuelInts: readonly number[] = [1, 2, 1, 2, 0, -1];

/**
 * The random workload's shapes. Three keys per entity type, the keys a generated program names (0, 1, 2
 * or "k0", "k1", "k2"), so that its methods find the entities they call (with fewer keys, most calls
 * abort with `no such entity`, and concurrent transactions rarely meet); two setup rounds, since an
 * `init` may call an entity of a type created after it. Three clients of four requests (`ent check`'s
 * default), six of three (more in flight), and two of eight (watermarks move, and decisions below them
 * are forgotten).
 */
export const generatedShapes: readonly WorkloadShape[] = [
  { clients: 3, requestsPerClient: 4, keysPerEntity: 3, ints: fuelInts, setupRounds: 2 },
  { clients: 6, requestsPerClient: 3, keysPerEntity: 3, ints: fuelInts, setupRounds: 2 },
  { clients: 2, requestsPerClient: 8, keysPerEntity: 3, ints: fuelInts, setupRounds: 2 },
];

/**
 * `ent check`'s timeouts, and short ones: clients resend, attempts time out and renew their leases,
 * participants inquire several times as often, so that duplicates and later attempts of one request
 * meet.
 */
export const timeoutChoices: readonly Timeouts[] = [
  defaultTimeouts,
  { clientRetry: 15, attempt: 8, resend: 4, inquiry: 6 },
];

export type WorkloadMode = CheckSettings['workload'];

export interface UnderFaultsCase {
  readonly program: GeneratedProgram;
  readonly workload: WorkloadMode;
  readonly numbers: CheckCase;
  readonly faults: FaultPlan;
  readonly nodes: number;
  /** Indexes into `generatedShapes` (used by the random workload) and `timeoutChoices`. */
  readonly shape: number;
  readonly timeouts: number;
}

/** Fault plans from none to heavy: each kind up to the rates of the bank property (distributed.test.ts). */
export const faultPlanArbitrary: fc.Arbitrary<FaultPlan> = fc.record({
  drop: fc.constantFrom(0, 0.05, 0.15),
  duplicate: fc.constantFrom(0, 0.05, 0.15),
  delay: fc.constantFrom(0, 0.1, 0.2),
  crash: fc.constantFrom(0, 0.005, 0.02),
});

/** Small programs mostly, larger ones now and then, as in split-agrees.test.ts. */
const programs = fc.oneof(
  { arbitrary: programArbitrary(), weight: 4 },
  { arbitrary: programArbitrary({ blockLengthMax: 5, expressionDepthMax: 3, statementDepthMax: 3 }), weight: 1 },
);

export const underFaultsCaseArbitrary: fc.Arbitrary<UnderFaultsCase> = fc.record({
  program: programs,
  workload: fc.constantFrom<WorkloadMode>('run', 'random'),
  numbers: caseArbitrary,
  faults: faultPlanArbitrary,
  nodes: fc.constantFrom(2, 3, 4),
  shape: fc.nat({ max: generatedShapes.length - 1 }),
  timeouts: fc.nat({ max: timeoutChoices.length - 1 }),
});

export function typedProgram(text: string): TypedProgram {
  const compiled = compile(text, 'generated.ent');
  if (compiled.program === undefined || compiled.diagnostics.length > 0) {
    const messages = compiled.diagnostics.map((entry) => entry.message).join('\n');
    throw new Error(`generator bug: the program does not compile:\n${messages}`);
  }
  return compiled.program;
}

/** The settings of `ent check` for a case: exactly-once delivery under the protocol, or a zoo bug. */
export function caseSettings(testCase: UnderFaultsCase, concurrency: ConcurrencyMode, bug = 'none'): CheckSettings {
  return {
    runtime: {
      nodes: testCase.nodes, delivery: 'exactly-once', concurrency, faults: testCase.faults, stepLimit: 1_000_000,
      timeouts: timeoutChoices[testCase.timeouts], latencyJitter: 3, batchWindow: 4, bug,
    },
    shape: generatedShapes[testCase.shape],
    workload: testCase.workload,
  };
}

export function runUnderFaults(testCase: UnderFaultsCase, concurrency: ConcurrencyMode, bug = 'none'): CaseOutcome {
  const program = typedProgram(testCase.program.text);
  return runCase(program, compileToSplit(program).split, caseSettings(testCase, concurrency, bug), testCase.numbers);
}

/**
 * What a failing case prints: the violations, the workload and the settings (fast-check adds the seed
 * and path that replay it).
 */
export function describeFailure(testCase: UnderFaultsCase, outcome: CaseOutcome): string {
  const violations = outcome.violations.slice(0, 8)
    .map((violation) => `  ${violation.checker}:${violation.kind} ${violation.message}`);
  const workload = outcome.workload === undefined ? 'the run block' : describeWorkload(outcome.workload);
  return [`${outcome.violations.length} violations:`, ...violations, `workload (${testCase.workload}):`, workload,
    `faults ${JSON.stringify(testCase.faults)}, ${testCase.nodes} nodes,`
      + ` timeouts ${JSON.stringify(timeoutChoices[testCase.timeouts])}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------- coverage

/**
 * What a campaign covered: distinct programs (by text), distinct schedules (a program, its workload and
 * the plainest list of choices that gives the same run: two cases with the same key ran the same run),
 * and how many cases reached what the property is about.
 */
export class Coverage {
  cases = 0;
  private readonly programs = new Set<string>();
  private readonly schedules = new Set<string>();
  private readonly reached = new Map<string, number>();

  add(testCase: UnderFaultsCase, outcome: CaseOutcome): void {
    this.cases++;
    this.programs.add(testCase.program.text);
    const { workload, schedule } = outcome.plainest;
    this.schedules.add(JSON.stringify([testCase.program.text, testCase.workload, workload, schedule]));
    const fired = (rule: string): boolean => (outcome.ruleCounts.get(rule) ?? 0) > 0;
    const sightings: readonly [string, boolean][] = [
      [`${testCase.workload} workload`, true],
      ['transactions in flight together', inFlightMax(outcome.events) >= 2],
      ['a message dropped, duplicated or delayed', fired('G-Drop') || fired('G-Duplicate') || fired('G-Delay')],
      ['a node crashed', fired('G-Crash')],
      ['an attempt waited for a lock, took it from a younger one or died at it', fired('P-Lock-Wait') || fired('P-Wound') || fired('P-Lock-Die') || fired('P-Lock-Lost')],
      ['a program abort decided', outcome.events.some((event) => event.type === 'abort')],
      ['a commit', outcome.events.some((event) => event.type === 'commit')],
    ];
    for (const [name, seen] of sightings) if (seen) this.reached.set(name, (this.reached.get(name) ?? 0) + 1);
  }

  get distinctPrograms(): number {
    return this.programs.size;
  }

  get distinctSchedules(): number {
    return this.schedules.size;
  }

  lines(): string[] {
    const share = (count: number): string => `${(100 * count / Math.max(1, this.cases)).toFixed(0)}%`;
    return [
      `${this.cases} cases: ${this.distinctPrograms} distinct programs, ${this.distinctSchedules} distinct schedules`,
      ...[...this.reached].sort(([left], [right]) => left.localeCompare(right))
        .map(([name, count]) => `  ${share(count).padStart(4)} ${name}`),
    ];
  }
}

/** The most requests submitted and not yet answered at one time. */
function inFlightMax(events: readonly HistoryEvent[]): number {
  const open = new Set<string>();
  let most = 0;
  for (const event of events) {
    if (event.type === 'request') open.add(event.requestId);
    if (event.type === 'response') open.delete(event.requestId);
    most = Math.max(most, open.size);
  }
  return most;
}
