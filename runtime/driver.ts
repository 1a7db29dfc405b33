// Stage: runtime. Runs a workload on the simulated system: the setup requests one at a time, then every
// client submits its next request as soon as its last one is answered (closed loop; clients that submit
// in the same round do so in an order the schedule chooses, runtime/client.ts `submissionOrder`). Faults strike
// (none strike the setup) until the system falls quiet, so the last requests, their installation and
// the acknowledgements after their answers meet faults as the first ones do; or until no answer has come
// for `healAfterSteps` steps or `healAfterTicks` ticks (a transaction too long to finish between faults,
// a wait that lease after lease made long); then the healing phase
// ends them and every request must be answered. A run that makes no progress in the healing phase is
// livelocked: its attempts start again and again and none is answered.
// Returns the final configuration and its history, or which requests are stuck.

import type { SplitProgram } from '../semantics/split/index.ts';
import type { Request } from '../semantics/transactions.ts';
import type { ChoiceSource } from './choices.ts';
import { collectAnswers, submissionContext, submissionOrder, submit } from './client.ts';
import { initialConfiguration, type Configuration, type RuntimeSettings } from './configuration.ts';
import { seedEntities } from './host.ts';
import { systemSeeds, throughGetters } from './updates.ts';
import { describeRequest } from './describe.ts';
import { historyEvents, type HistoryEvent } from './history.ts';
import { ResendWaits, type NextEventSearch } from './next-event.ts';
import { globalStep, nextEventTick } from './simulator.ts';
import type { CommittedEntity } from './store.ts';
import { healAfterSteps, waitHeals } from './faults.ts';
import type { Workload } from './workload.ts';
import type { TraceEntry } from './world.ts';

export interface WorkloadRun {
  readonly config: Configuration;
  readonly events: readonly HistoryEvent[];
  readonly entities: readonly CommittedEntity[];
  /** Requests never answered (empty when the run finished). */
  readonly stuck: readonly string[];
  /** Why requests are stuck: the system fell quiet without answering them, or it ran out of steps while busy. */
  readonly stuckBecause: 'quiet' | 'steps' | undefined;
  readonly steps: number;
  readonly ruleCounts: ReadonlyMap<string, number>;
}

export interface DriverOptions {
  /** Told of every trace entry, with the configuration after the step that emitted it (the views read it). */
  readonly trace?: (entry: TraceEntry, config: Configuration) => void;
  readonly stepsMax?: number;
  /**
   * Open loop: after the setup, one request arrives every this many ticks (the clients' requests taken
   * in turn), whether or not earlier ones were answered. Absent: closed loop.
   */
  readonly arrivalEveryTicks?: number;
  /** Told when the setup is done, with the rules fired so far (benchmarks measure what follows). */
  readonly onSetupDone?: (ruleCounts: ReadonlyMap<string, number>) => void;
  /** False: record no history (a benchmark of a million transactions that no checker reads). */
  readonly recordHistory?: boolean;
  /** Told of every answer a client receives (the driver keeps none of them). */
  readonly onAnswer?: (client: number, requestId: string, tick: number) => void;
  /** How the global step finds the due events (runtime/next-event.ts): the shared timer index unless a test says otherwise. */
  readonly search?: NextEventSearch;
  /** The wait in ticks after which faults stop: `healAfterTicks` unless a test's negative control puts it out of reach. */
  readonly healAfterTicks?: number;
}

export function runWorkload(
  program: SplitProgram,
  settings: RuntimeSettings,
  choices: ChoiceSource,
  workload: Workload,
  options: DriverOptions = {},
): WorkloadRun {
  return options.arrivalEveryTicks === undefined
    ? runClosedLoop(program, settings, choices, workload, options)
    : runOpenLoop(program, settings, choices, workload, options, options.arrivalEveryTicks);
}

/**
 * The client that submits the setup's requests: one of its own, after the workload's clients (client
 * `workload.clients.length`), so that no workload client carries the setup's requests, decisions and
 * watermarks. Like loading a database before a test, the setup is nobody's session: the workload's
 * clients start alike, and clients with the same requests are interchangeable (the explorer's
 * `symmetry`). A workload without a setup has no such client.
 */
export function setupClientOf(workload: Workload): number {
  return workload.clients.length;
}

/** How many clients a run of `workload` has: the workload's, and the setup's own when it has a setup. */
export function clientCountOf(workload: Workload): number {
  return Math.max(1, workload.clients.length + (workload.setup.length > 0 ? 1 : 0));
}

/** In the healing phase, attempts started per unanswered request, with no answer, before the run is livelocked. */
const attemptsWithoutAnswerMax = 50;

/**
 * Progress while no fault strikes (a closed loop's setup, and the healing phase of either loop): a run
 * is livelocked when its attempts keep starting and none is answered, when it waits on the clients'
 * resends alone again and again (`resendWaitsMax`: every resend vanishes), or (a backstop for a loop that
 * starts no attempt) when no answer comes in the steps that every unanswered request could take if it
 * used its whole step budget. Attempts that keep starting while the oldest running attempt still holds
 * its lease are not a livelock: they wait for it, which either finishes or, when its lease runs out, is
 * given up and run again with a longer one (a stalled attempt whose message was lost before the faults
 * stopped waits out its lease while the others start again). Under 2PL's wait-die, before wound-wait,
 * younger attempts died behind its locks and started again at once (tests/locks.test.ts); under
 * wound-wait they wait behind them, and under Aria the batch after a long member's waits for it.
 */
class Progress {
  private stepsSinceAnswer = 0;
  private startsSinceAnswer = 0;
  private readonly resendWaits = new ResendWaits();
  private answeredAt = 0;

  constructor(private readonly stepLimit: number, private readonly healAfterTicks: number | undefined) {}

  answered(tick: number): void {
    this.stepsSinceAnswer = 0;
    this.startsSinceAnswer = 0;
    this.resendWaits.answered();
    this.answeredAt = tick;
  }

  /** Counts a global step; gives whether the run is livelocked. */
  stepped(emitted: readonly TraceEntry[], healing: boolean, unanswered: number, config: Configuration): boolean {
    this.stepsSinceAnswer++;
    if (!healing) return false;
    for (const entry of emitted) if (entry.rule === 'C-Start') this.startsSinceAnswer++;
    const outstanding = Math.max(1, unanswered);
    // Waiting on resends alone, again and again: every resend is lost without a trace (runtime/faults.ts).
    if (this.resendWaits.livelocked(config, unanswered)) return true;
    if (this.stepsSinceAnswer > healAfterSteps + 2 * outstanding * this.stepLimit) return true;
    if (this.startsSinceAnswer <= attemptsWithoutAnswerMax * outstanding) return false;
    if (oldestLeaseAlive(config)) {
      this.startsSinceAnswer = 0;
      return false;
    }
    return true;
  }

  /** Whether the run has waited long enough for an answer, in steps or in ticks, that faults stop. */
  healsAt(tick: number): boolean {
    return waitHeals(this.stepsSinceAnswer, tick - this.answeredAt, this.healAfterTicks);
  }
}

/** Whether the oldest attempt running anywhere (by its request's timestamp) still holds its lease. */
function oldestLeaseAlive(config: Configuration): boolean {
  let oldest: { readonly timestamp: number; readonly deadline: number } | undefined;
  for (const node of config.nodes) {
    for (const running of node.volatile.running.values()) {
      if (running.phase === 'waiting') continue;
      if (oldest === undefined || running.timestamp < oldest.timestamp) oldest = running;
    }
    const batch = node.volatile.batch;
    if (node.up && batch !== undefined && batch.deadline > config.tick) return true;
  }
  return oldest !== undefined && oldest.deadline > config.tick;
}

function runClosedLoop(
  program: SplitProgram,
  settings: RuntimeSettings,
  choices: ChoiceSource,
  workload: Workload,
  options: DriverOptions = {},
): WorkloadRun {
  const clientCount = clientCountOf(workload);
  const setupClient = setupClientOf(workload);
  // The setup builds the initial state, as loading a database does before a test: no faults strike it.
  let config: Configuration = { ...initialConfiguration(settings, clientCount, options.recordHistory ?? true), faultsActive: workload.setup.length === 0 };
  // A stream program's `$Streams(0)` exists from the start (a method may emit; nothing here drains).
  // So is a program's `$Code(0)`, when the run block updates code (runtime/updates.ts).
  const seeds = systemSeeds(program, settings);
  if (seeds.length > 0) config = seedEntities(config, seeds, 0);
  // Queues read by position (a shift would copy the rest of a queue of a million requests each time).
  const queues = workload.clients.map((requests) => new Queue(requests));
  const setup = new Queue(workload.setup);
  const notSubmitted = (): Request[] => [...setup.rest(), ...queues.flatMap((queue) => queue.rest())];
  const ruleCounts = new Map<string, number>();
  const stepsMax = options.stepsMax ?? 5_000_000;
  let steps = 0;
  let setupDone = workload.setup.length === 0;
  const idle = (client: number): boolean => config.clients[client].pending.size === 0;
  const progress = new Progress(settings.stepLimit, options.healAfterTicks);
  const collect = (): void => {
    const collected = collectAllAnswers(config, options);
    config = collected.config;
    if (collected.answered > 0) progress.answered(config.tick);
  };
  const unansweredCount = (): number => config.clients.reduce((sum, client) => sum + client.pending.size, 0);
  const submitNext = (client: number, request: Request): void => {
    const trace: TraceEntry[] = [];
    // A field read of an updated type is a call of its getter, which migrates first (runtime/updates.ts).
    config = submit(config, client, throughGetters(program, request), submissionContext(choices, trace, localSteps)).config;
    emit(trace, config);
  };
  const { emit, count, localSteps } = tally(ruleCounts, options);
  if (setupDone) options.onSetupDone?.(new Map(ruleCounts));
  for (;;) {
    if (!setup.empty) {
      if (idle(setupClient)) submitNext(setupClient, setup.take());
    } else if (!setupDone) {
      if (idle(setupClient)) {
        setupDone = true;
        options.onSetupDone?.(new Map(ruleCounts));
        config = { ...config, faultsActive: true };
      }
    } else {
      // The clients ready to submit do so in an order the schedule chooses (runtime/client.ts `submissionOrder`).
      // A loop, not `flatMap`: it runs at every global step, and V8's flatMap cost 2 % of `ent check`.
      const ready: number[] = [];
      for (let client = 0; client < queues.length; client++) if (!queues[client].empty && idle(client)) ready.push(client);
      for (const client of submissionOrder(ready, choices)) submitNext(client, queues[client].take());
    }
    const allSubmitted = setupDone && queues.every((queue) => queue.empty);
    if (config.faultsActive && progress.healsAt(config.tick)) config = { ...config, faultsActive: false };
    const result = globalStep(config, program, choices, localSteps, options.search);
    if (result.kind === 'quiet') {
      const pending = config.clients.some((client) => client.pending.size > 0);
      if (!pending && allSubmitted) break;
      // Quiet with requests still to submit: the loop's top submits them.
      if (!pending) continue;
      // Quiet with requests unanswered: only the healing phase can help, and if it cannot, they are stuck.
      if (config.faultsActive) {
        config = { ...config, faultsActive: false };
        continue;
      }
      return finish(config, steps, ruleCounts, unanswered(config, notSubmitted()), 'quiet');
    }
    config = result.next;
    emit(result.emitted, config);
    count(result.localCounts);
    collect();
    // Faults off: the setup (which no fault strikes) or the healing phase; a livelock in either ends the run.
    const livelocked = progress.stepped(result.emitted, !config.faultsActive, unansweredCount(), config);
    if (++steps > stepsMax || livelocked) return finish(config, steps, ruleCounts, unanswered(config, notSubmitted()), 'steps');
  }
  return finish(config, steps, ruleCounts, []);
}

/** Takes every client's answers out of the configuration (telling `onAnswer`), so that none piles up. */
function collectAllAnswers(config: Configuration, options: DriverOptions): { config: Configuration; answered: number } {
  let next = config;
  let answered = 0;
  for (const client of config.clients) {
    if (client.answers === undefined) continue;
    const collected = collectAnswers(next, client.id);
    next = collected.config;
    answered += collected.answers.length;
    for (const answer of collected.answers) options.onAnswer?.(client.id, answer.requestId, answer.tick);
  }
  return { config: next, answered };
}

/** Requests taken in order, by position. */
class Queue {
  private next = 0;

  constructor(private readonly requests: readonly Request[]) {}

  get empty(): boolean {
    return this.next >= this.requests.length;
  }

  take(): Request {
    return this.requests[this.next++];
  }

  /** The requests not yet taken. */
  rest(): readonly Request[] {
    return this.requests.slice(this.next);
  }
}

/**
 * How a run records its trace: every entry goes to the caller's trace, if any, and is counted by rule.
 * Without a trace, local steps are only counted (`localSteps`, for globalStep).
 */
function tally(ruleCounts: Map<string, number>, options: DriverOptions): {
  emit: (entries: readonly TraceEntry[], config: Configuration) => void;
  count: (counts: ReadonlyMap<string, number> | undefined) => void;
  localSteps: 'trace' | 'count';
} {
  return {
    localSteps: options.trace === undefined ? 'count' : 'trace',
    emit: (entries, config) => {
      for (const entry of entries) {
        ruleCounts.set(entry.rule, (ruleCounts.get(entry.rule) ?? 0) + 1);
        options.trace?.(entry, config);
      }
    },
    count: (counts) => {
      if (counts !== undefined) for (const [rule, fired] of counts) ruleCounts.set(rule, (ruleCounts.get(rule) ?? 0) + fired);
    },
  };
}

function unanswered(config: Configuration, notSubmitted: readonly Request[]): string[] {
  const stuck: string[] = [];
  for (const client of config.clients) {
    for (const entry of client.pending.values()) stuck.push(`${entry.requestId} ${describeRequest(entry.request)}`);
  }
  for (const request of notSubmitted) stuck.push(`(not submitted) ${describeRequest(request)}`);
  return stuck;
}

function finish(
  config: Configuration,
  steps: number,
  ruleCounts: ReadonlyMap<string, number>,
  stuck: readonly string[],
  stuckBecause?: 'quiet' | 'steps',
): WorkloadRun {
  return {
    config,
    events: historyEvents(config.history),
    entities: config.nodes.flatMap((node) => [...node.durable.store.values()]),
    stuck,
    stuckBecause: stuck.length === 0 ? undefined : stuckBecause,
    steps,
    ruleCounts,
  };
}

/** Open loop: requests arrive at fixed ticks; time jumps to the next arrival when nothing happens before it. */
function runOpenLoop(
  program: SplitProgram,
  settings: RuntimeSettings,
  choices: ChoiceSource,
  workload: Workload,
  options: DriverOptions,
  interval: number,
): WorkloadRun {
  // Every client exists from the start, with nothing to submit during the setup.
  const setupOnly: Workload = { setup: workload.setup, clients: workload.clients.map(() => []) };
  const prepared = runClosedLoop(program, settings, choices, setupOnly, options);
  let config: Configuration = { ...prepared.config, faultsActive: true };
  const arrivals: { client: number; request: Request }[] = [];
  const longest = Math.max(0, ...workload.clients.map((requests) => requests.length));
  for (let index = 0; index < longest; index++) {
    workload.clients.forEach((requests, client) => {
      if (index < requests.length) arrivals.push({ client, request: requests[index] });
    });
  }
  const ruleCounts = new Map(prepared.ruleCounts);
  const { emit, count, localSteps } = tally(ruleCounts, options);
  const start = config.tick;
  let next = 0;
  let quietFor = 0;
  let answeredAt = config.tick;
  let steps = prepared.steps;
  const stepsMax = options.stepsMax ?? 5_000_000;
  // The closed loop's judgement of a livelock, once the faults are off.
  const progress = new Progress(settings.stepLimit, options.healAfterTicks);
  for (;;) {
    const arrivalTick = next < arrivals.length ? start + next * interval : undefined;
    const eventTick = nextEventTick(config, options.search);
    if (arrivalTick !== undefined && (eventTick === undefined || arrivalTick <= eventTick)) {
      config = { ...config, tick: Math.max(config.tick, arrivalTick) };
      const trace: TraceEntry[] = [];
      config = submit(config, arrivals[next].client, throughGetters(program, arrivals[next].request), submissionContext(choices, trace, localSteps)).config;
      emit(trace, config);
      next++;
      continue;
    }
    // As in the closed loop, faults strike until the system is quiet, or until no answer has come for
    // `healAfterSteps` steps or `healAfterTicks` ticks.
    if (config.faultsActive && waitHeals(quietFor, config.tick - answeredAt, options.healAfterTicks)) config = { ...config, faultsActive: false };
    const result = globalStep(config, program, choices, localSteps, options.search);
    if (result.kind === 'quiet') {
      if (config.clients.every((client) => client.pending.size === 0)) break;
      if (config.faultsActive) {
        config = { ...config, faultsActive: false };
        continue;
      }
      return finish(config, steps, ruleCounts, unanswered(config, []), 'quiet');
    }
    const collected = collectAllAnswers(result.next, options);
    config = collected.config;
    quietFor = collected.answered > 0 ? 0 : quietFor + 1;
    if (collected.answered > 0) {
      answeredAt = config.tick;
      progress.answered(config.tick);
    }
    emit(result.emitted, config);
    count(result.localCounts);
    const pending = config.faultsActive ? 0 : config.clients.reduce((sum, client) => sum + client.pending.size, 0);
    const livelocked = progress.stepped(result.emitted, !config.faultsActive, pending, config);
    if (++steps > stepsMax || livelocked) return finish(config, steps, ruleCounts, unanswered(config, []), 'steps');
  }
  return finish(config, steps, ruleCounts, []);
}
