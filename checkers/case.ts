// Stage: checkers. One run of `ent check`: a case is two lists of numbers, one for the workload and one
// for every choice of the schedule and the faults (fast-check generates and shrinks both). The case
// runs on the simulated system and its history is held against every checker.

import { ListChoices } from '../runtime/choices.ts';
import type { Configuration, RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload } from '../runtime/driver.ts';
import { DistributedHost, StuckError } from '../runtime/host.ts';
import { historyEvents, type HistoryEvent } from '../runtime/history.ts';
import type { CommittedEntity } from '../runtime/store.ts';
import { generateWorkload, type Workload, type WorkloadShape } from '../runtime/workload.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { anomaliesToViolations, checkDependencyGraph, historyFromEvents } from './dependency-graph.ts';
import { decisionsAndInstalls } from './ent-history.ts';
import { checkExactlyOnce } from './exactly-once.ts';
import { checkStreams } from './streams.ts';
import { checkUpdates } from './updates.ts';
import { checkLiveness } from './liveness.ts';
import { checkInstallation, installationViolations } from './installation.ts';
import { checkReplay } from './replay.ts';
import type { Violation } from './violation.ts';


export interface CheckCase {
  readonly workload: readonly number[];
  readonly schedule: readonly number[];
}

export interface CheckSettings {
  readonly runtime: RuntimeSettings;
  readonly shape: WorkloadShape;
  /** `random`: a workload generated from the program's entities; `run`: the program's run block. */
  readonly workload: 'random' | 'run';
}

export interface CaseOutcome {
  readonly violations: readonly Violation[];
  readonly events: readonly HistoryEvent[];
  readonly entities: readonly CommittedEntity[];
  readonly workload: Workload | undefined;
  /** How many schedule choices the run used, and how many of them differ from the plain choice 0. */
  readonly choicesUsed: number;
  readonly choicesDeparting: number;
  /** The same case with every number replaced by the smallest that gives the same run (ListChoices.plainestMade). */
  readonly plainest: CheckCase;
  readonly ruleCounts: ReadonlyMap<string, number>;
}

export function runCase(
  program: TypedProgram,
  split: SplitProgram,
  settings: CheckSettings,
  testCase: CheckCase,
  trace?: (entry: TraceEntry, config: Configuration) => void,
): CaseOutcome {
  const schedule = new ListChoices(testCase.schedule);
  const executed = settings.workload === 'run'
    ? runBlock(program, split, settings.runtime, schedule, trace)
    : runGenerated(program, split, settings, testCase, schedule, trace);
  const violations = checkRun(program, settings.runtime, executed);
  const used = schedule.made.slice(0, testCase.schedule.length);
  return {
    violations, events: executed.events, entities: executed.entities, workload: executed.workload,
    choicesUsed: schedule.made.length, choicesDeparting: used.filter((choice) => choice !== 0).length, ruleCounts: executed.ruleCounts,
    plainest: { workload: executed.plainestWorkload, schedule: schedule.plainestMade },
  };
}

/** What a finished run is held against: its history, its final entities, and the requests it left unanswered. */
export interface FinishedRun {
  readonly events: readonly HistoryEvent[];
  readonly entities: readonly CommittedEntity[];
  readonly stuck: readonly string[];
  readonly stuckBecause: 'quiet' | 'steps' | undefined;
}

/** Every checker of `ent check`, on one finished run: liveness, exactly-once, streams, replay, dependency graph, installation. */
export function checkRun(program: TypedProgram, runtime: RuntimeSettings, run: FinishedRun): Violation[] {
  const violations: Violation[] = checkLiveness(run.stuck, run.stuckBecause, runtime.delivery);
  violations.push(...checkExactlyOnce(run.events));
  violations.push(...checkStreams(run.events));
  violations.push(...checkUpdates(run.events));
  violations.push(...checkReplay(program, run.events, run.entities, runtime.stepLimit).violations);
  violations.push(...anomaliesToViolations(checkDependencyGraph(historyFromEvents(run.events)).anomalies));
  const quiet = run.stuck.length === 0 || run.stuckBecause === 'quiet';
  violations.push(...installationViolations(checkInstallation(decisionsAndInstalls(run.events), { quiet })));
  return violations;
}

interface Executed extends FinishedRun {
  readonly workload: Workload | undefined;
  readonly ruleCounts: ReadonlyMap<string, number>;
  /** The workload's numbers, plainest (the run block has none). */
  readonly plainestWorkload: readonly number[];
}

function runGenerated(
  program: TypedProgram,
  split: SplitProgram,
  settings: CheckSettings,
  testCase: CheckCase,
  schedule: ListChoices,
  trace: ((entry: TraceEntry, config: Configuration) => void) | undefined,
): Executed {
  const numbers = new ListChoices(testCase.workload);
  const workload = generateWorkload(program, settings.shape, (count) => numbers.pick(count));
  const run = runWorkload(split, settings.runtime, schedule, workload, { trace });
  return {
    events: run.events, entities: run.entities, stuck: run.stuck, stuckBecause: run.stuckBecause, workload, ruleCounts: run.ruleCounts,
    plainestWorkload: numbers.plainestMade,
  };
}

/** The run block as the workload: its client runs on the simulated system, its output is not kept. */
function runBlock(
  program: TypedProgram,
  split: SplitProgram,
  runtime: RuntimeSettings,
  schedule: ListChoices,
  trace: ((entry: TraceEntry, config: Configuration) => void) | undefined,
): Executed {
  const host = new DistributedHost(split, { settings: runtime, choices: schedule, trace, stepsPerWaitMax: 1_000_000 });
  const client = new Client(host, () => undefined);
  let stuck: readonly string[] = [];
  let stuckBecause: 'quiet' | 'steps' | undefined;
  try {
    runUntilClientError(client, program);
    // A client error stops the run block, not the system: the requests it already sent must still be
    // answered, so the run heals and settles either way.
    host.heal();
    client.finish();
    host.settle();
  } catch (error) {
    if (!(error instanceof StuckError)) throw error;
    stuck = error.requests;
    stuckBecause = error.quiet ? 'quiet' : 'steps';
  }
  return {
    events: historyEvents(host.config.history), entities: host.entities(), stuck, stuckBecause, workload: undefined, ruleCounts: host.ruleCounts,
    plainestWorkload: [],
  };
}

/** The run block, until it ends or its own computation fails (a ClientError, which `ent run` reports). */
function runUntilClientError(client: Client, program: TypedProgram): void {
  try {
    if (program.run !== undefined) client.run(program.run.body);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
  }
}

export function describeViolation(violation: Violation): string {
  return `${violation.checker}: ${violation.message}`;
}

