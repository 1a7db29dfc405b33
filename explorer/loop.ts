// Stage: explorer. The closed-loop workload driver of runtime/driver.ts (`runWorkload`), taken apart into
// one transition at a time, so that an explorer can hold the state between two global steps, fingerprint
// it and branch from it. One `advance` does what one round of the driver's loop does: the setup's next
// request or the clients' next requests are submitted, and one global step is taken (or the run ends:
// done, or quiet with requests unanswered; faults, within their budget, strike until the system is quiet).
// Clients that submit in the same round do so in an order the schedule chooses (runtime/client.ts
// `submissionOrder`), as in the driver.
// It asks the same choices in the same order as the driver, so that the numbers an explorer writes down
// for a path replay it exactly through `runCase` (tests/explore.test.ts holds the two side by side).
// The driver's counters of progress (faults stop after 20,000 steps or 2,400 ticks without an answer; a
// healing phase that starts attempt after attempt is a livelock) are not hashed: an exploration stops
// before either wait can have been reached (`beyondHorizon`: 20,000 steps deep, or faults still on at
// tick 2,400, which bounds every wait since the start), and a livelock shows as a cycle of states, not
// as a count. The wait in ticks is kept all the same (`waitingSince`), and heals as the driver's does,
// so that a path followed past the horizon (tests/explore.test.ts replays long random ones) is still
// the driver's.

import type { ChoiceSource } from '../runtime/choices.ts';
import { collectAnswers, submissionContext, submissionOrder, submit } from '../runtime/client.ts';
import { initialConfiguration, type Configuration, type RuntimeSettings } from '../runtime/configuration.ts';
import { describeRequest } from '../runtime/describe.ts';
import { clientCountOf, setupClientOf } from '../runtime/driver.ts';
import { healAfterSteps, healAfterTicks, waitHeals } from '../runtime/faults.ts';
import { globalStep, type GlobalRule } from '../runtime/simulator.ts';
import type { Workload } from '../runtime/workload.ts';
import type { TraceEntry } from '../runtime/world.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { advanceBlock, waitOver, type BlockState } from './run-block.ts';

/** The explorer never goes this deep: below it the driver's own step counters cannot have changed anything. */
export const depthMax = healAfterSteps - 1;

/**
 * Whether a state at `depth` lies where the driver's counters could have stopped the faults (a wait of
 * `healAfterSteps` steps or `healAfterTicks` ticks), which the explorer does not follow: from there a
 * path of the explorer might not replay through the driver.
 */
export function beyondHorizon(state: LoopState, depth: number): boolean {
  return depth >= depthMax || (state.config.faultsActive && state.config.tick >= healAfterTicks);
}

/** The driver's state between two global steps. */
export interface LoopState {
  readonly config: Configuration;
  /** How many setup requests were submitted. */
  readonly setupTaken: number;
  /** How many requests each client submitted. */
  readonly taken: readonly number[];
  readonly setupDone: boolean;
  /**
   * The tick from which the driver counts the wait for an answer: the last answer's (with the run block,
   * the tick its client began to wait). Not hashed: no explored state is where it could matter.
   */
  readonly waitingSince: number;
  /**
   * With `ent explore --workload run`: the run block's client (explorer/run-block.ts), which submits
   * instead of the workload's clients (the workload is then empty).
   */
  readonly block?: BlockState;
}

export type Advance =
  | { readonly kind: 'stepped'; readonly rule: GlobalRule; readonly state: LoopState; readonly emitted: readonly TraceEntry[] }
  /** Everything was submitted and answered, and the system is quiet. */
  | { readonly kind: 'done'; readonly state: LoopState }
  /** The system fell quiet, with faults off, leaving requests unanswered. */
  | { readonly kind: 'stuck'; readonly state: LoopState; readonly stuck: readonly string[] };

export function initialLoopState(settings: RuntimeSettings, workload: Workload): LoopState {
  const clientCount = clientCountOf(workload);
  const config = { ...initialConfiguration(settings, clientCount, true), faultsActive: workload.setup.length === 0 };
  return { config, setupTaken: 0, taken: workload.clients.map(() => 0), setupDone: workload.setup.length === 0, waitingSince: 0 };
}

/** Every request was submitted (the setup's and every client's). */
export function allSubmitted(state: LoopState, workload: Workload): boolean {
  if (state.block !== undefined) return state.block.wait?.kind === 'settle';
  return state.setupDone && workload.clients.every((requests, client) => state.taken[client] >= requests.length);
}

/**
 * Whether `advance` submits nothing before its global step: no client that is idle has a request left
 * (nor, in the setup, the setup's client), and the setup is not about to end.
 */
export function submitsNothing(state: LoopState, workload: Workload): boolean {
  // The run block's client submits only when its wait is over (then it goes on, and may submit).
  if (state.block !== undefined) return !waitOver(state.block);
  const idle = (client: number): boolean => state.config.clients[client].pending.size === 0;
  if (state.setupTaken < workload.setup.length || !state.setupDone) return !idle(setupClientOf(workload));
  return workload.clients.every((requests, client) => state.taken[client] >= requests.length || !idle(client));
}

/** One round of the driver's loop (see runtime/driver.ts, `runClosedLoop`). */
export function advance(state: LoopState, workload: Workload, program: SplitProgram, choices: ChoiceSource, localSteps: 'trace' | 'count' = 'count'): Advance {
  if (state.block !== undefined) return advanceBlock(state, program, choices, localSteps);
  let config = state.config;
  let setupTaken = state.setupTaken;
  let setupDone = state.setupDone;
  const taken = state.taken.slice();
  const submitted: TraceEntry[] = [];
  const idle = (client: number): boolean => config.clients[client].pending.size === 0;
  const setupClient = setupClientOf(workload);
  const submitNext = (client: number, request: Workload['setup'][number]): void => {
    config = submit(config, client, request, submissionContext(choices, submitted, localSteps)).config;
  };
  let waitingSince = state.waitingSince;
  const snapshot = (): LoopState => ({ config, setupTaken, taken, setupDone, waitingSince });
  for (;;) {
    if (setupTaken < workload.setup.length) {
      if (idle(setupClient)) submitNext(setupClient, workload.setup[setupTaken++]);
    } else if (!setupDone) {
      if (idle(setupClient)) {
        setupDone = true;
        config = { ...config, faultsActive: true };
      }
    } else {
      const ready = workload.clients.flatMap((requests, client) => (taken[client] < requests.length && idle(client) ? [client] : []));
      for (const client of submissionOrder(ready, choices)) submitNext(client, workload.clients[client][taken[client]++]);
    }
    const everything = setupDone && workload.clients.every((requests, client) => taken[client] >= requests.length);
    // The driver's wait in ticks (its wait in steps is never reached: `depthMax`).
    if (config.faultsActive && waitHeals(0, config.tick - waitingSince)) config = { ...config, faultsActive: false };
    const result = globalStep(config, program, choices, localSteps);
    if (result.kind === 'quiet') {
      const pending = config.clients.some((client) => client.pending.size > 0);
      if (!pending && everything) return { kind: 'done', state: snapshot() };
      if (!pending) continue;
      if (config.faultsActive) {
        config = { ...config, faultsActive: false };
        continue;
      }
      return { kind: 'stuck', state: snapshot(), stuck: unanswered(config, workload, setupTaken, taken) };
    }
    const collected = collectAll(result.next);
    config = collected.config;
    if (collected.answered) waitingSince = config.tick;
    return { kind: 'stepped', rule: result.rule, state: snapshot(), emitted: submitted.length === 0 ? result.emitted : [...submitted, ...result.emitted] };
  }
}

/** Takes every client's answers out of the configuration, as the driver does after each step; and whether there were any. */
function collectAll(config: Configuration): { config: Configuration; answered: boolean } {
  let next = config;
  let answered = false;
  for (const client of config.clients) {
    if (client.answers === undefined) continue;
    const collected = collectAnswers(next, client.id);
    next = collected.config;
    answered ||= collected.answers.length > 0;
  }
  return { config: next, answered };
}

/** The requests left unanswered, as the driver words them for the liveness checker. */
function unanswered(config: Configuration, workload: Workload, setupTaken: number, taken: readonly number[]): string[] {
  const stuck: string[] = [];
  for (const client of config.clients) {
    for (const entry of client.pending.values()) stuck.push(`${entry.requestId} ${describeRequest(entry.request)}`);
  }
  const notSubmitted = [...workload.setup.slice(setupTaken), ...workload.clients.flatMap((requests, client) => requests.slice(taken[client]))];
  for (const request of notSubmitted) stuck.push(`(not submitted) ${describeRequest(request)}`);
  return stuck;
}
