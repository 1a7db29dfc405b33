// Stage: explorer. The closed-loop workload driver of runtime/driver.ts (`runWorkload`), taken apart into
// one transition at a time, so that an explorer can hold the state between two global steps, fingerprint
// it and branch from it. One `advance` does what one round of the driver's loop does: the setup's next
// request or the clients' next requests are submitted, and one global step is taken (or the run ends:
// done, or quiet with requests unanswered; faults, within their budget, strike until the system is quiet).
// Clients that submit in the same round do so in an order the schedule chooses (runtime/client.ts
// `submissionOrder`), as in the driver.
// It asks the same choices in the same order as the driver, so that the numbers an explorer writes down
// for a path replay it exactly through `runCase` (tests/explore.test.ts holds the two side by side).
// The driver's two counters of progress (faults stop after 20,000 steps without an answer; a healing
// phase that starts attempt after attempt is a livelock) are not kept: an exploration is bounded far
// below 20,000 steps (`depthMax`), and a livelock shows as a cycle of states, not as a count.

import type { ChoiceSource } from '../runtime/choices.ts';
import { collectAnswers, submissionOrder, submit } from '../runtime/client.ts';
import { initialConfiguration, type Configuration, type RuntimeSettings } from '../runtime/configuration.ts';
import { describeRequest } from '../runtime/describe.ts';
import { clientCountOf, setupClientOf } from '../runtime/driver.ts';
import { healAfterSteps } from '../runtime/faults.ts';
import { globalStep, type GlobalRule } from '../runtime/simulator.ts';
import type { Workload } from '../runtime/workload.ts';
import type { TraceEntry } from '../runtime/world.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { advanceBlock, waitOver, type BlockState } from './run-block.ts';

/** The explorer never goes this deep: below it the driver's own step counters cannot have changed anything. */
export const depthMax = healAfterSteps - 1;

/** The driver's state between two global steps. */
export interface LoopState {
  readonly config: Configuration;
  /** How many setup requests were submitted. */
  readonly setupTaken: number;
  /** How many requests each client submitted. */
  readonly taken: readonly number[];
  readonly setupDone: boolean;
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
  return { config, setupTaken: 0, taken: workload.clients.map(() => 0), setupDone: workload.setup.length === 0 };
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
    config = submit(config, client, request, { choices, trace: submitted }).config;
  };
  const snapshot = (): LoopState => ({ config, setupTaken, taken, setupDone });
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
    config = collectAll(result.next);
    return { kind: 'stepped', rule: result.rule, state: snapshot(), emitted: submitted.length === 0 ? result.emitted : [...submitted, ...result.emitted] };
  }
}

/** Takes every client's answers out of the configuration, as the driver does after each step. */
function collectAll(config: Configuration): Configuration {
  let next = config;
  for (const client of config.clients) {
    if (client.answers !== undefined) next = collectAnswers(next, client.id).config;
  }
  return next;
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
