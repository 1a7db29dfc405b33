// Stage: explorer. The run block as an explorable client (`ent explore FILE --workload run`). The run
// block is a client's own computation (semantics/reference/client.ts `Client`): it submits requests and
// waits for their outcomes, in an order that its outcomes decide, and with streams the stream driver's
// drain loop (runtime/streams.ts `StreamDriver`, the zoo's broken drivers too) is part of it. Its state
// cannot be copied, but it is deterministic given the outcomes it receives, so the explorer keeps those
// instead: a state holds the configuration, the requests the client submitted (by ticket, its submission
// number) and the outcomes it received. To learn what the client does next, the run block is run again
// from the start against a `ReplayHost` that answers from those outcomes, submits nothing it submitted
// before, and stops the client (`Blocked`) at the first outcome it does not have; what it submitted past
// the last known ticket is what it sends now, with the choices of the transition. Printing is not state.
//
// One `advanceBlock` does what the distributed host (runtime/host.ts `DistributedHost`, as checkers/case.ts
// `runBlock` drives it for `ent check --workload run`) does between two global steps, choice for choice:
// when the client's wait is over it goes on (its new requests submitted, the zoo's late installs after
// them); when the run block ends the faults end (`heal`) and the client waits for every future it never
// awaited (`finish`), then the system settles. Then one global step; the client's answers are collected.
// A quiet system with faults on heals; a quiet one with faults off ends the run: done when every request
// was answered and the client finished, stuck otherwise (as the host's StuckError, `quiet`).
// The host's counters of steps (a wait of `healAfterSteps` steps heals; `stepsPerWaitMax`) are not kept:
// the explorer never goes that deep (explorer/loop.ts `depthMax`). Its wait in ticks is kept, as the
// closed loop's is (explorer/loop.ts `waitingSince`): it starts when the client begins to wait.

import { ListChoices, type ChoiceSource } from '../runtime/choices.ts';
import { collectAnswers, submit } from '../runtime/client.ts';
import { initialConfiguration, type Configuration, type Outcome, type RuntimeSettings } from '../runtime/configuration.ts';
import { describeRequest } from '../runtime/describe.ts';
import { seedEntities } from '../runtime/host.ts';
import { waitHeals } from '../runtime/faults.ts';
import { globalStep } from '../runtime/simulator.ts';
import { hasStreams, StreamDriver } from '../runtime/streams.ts';
import { LateInstalls, systemSeeds, throughGetters } from '../runtime/updates.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Outcome as SemanticsOutcome, Request, StreamHost, TransactionHost } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { canonical } from '../semantics/values.ts';
import { textLanes } from './fingerprint.ts';
import type { Advance, LoopState } from './loop.ts';

/** What the client waits for: one ticket's outcome, every ticket's (the stream driver's drain), or, its run block over, the system to settle. */
export type Wait = { readonly kind: 'ticket'; readonly ticket: number } | { readonly kind: 'all' } | { readonly kind: 'settle' };

/** The run block's client between two global steps. */
export interface BlockState {
  /** The program whose run block this is (shared by every state; not state). */
  readonly program: TypedProgram;
  /** The client's requests by ticket, with the ids the system gave them. */
  readonly tickets: readonly { readonly requestId: string; readonly request: Request }[];
  /** The outcomes received, by request id (the first answer of each). */
  readonly answers: ReadonlyMap<string, Outcome>;
  /**
   * What the client waited for when it was last run; undefined before it first ran. Determined by the
   * answers (the client is deterministic given them), so not hashed; when it is over, the client goes on.
   */
  readonly wait: Wait | undefined;
}

/** The replay stopped: the client waits for an outcome it does not have yet. */
class Blocked {
  constructor(readonly wait: Wait) {}
}

/** Whether the client's wait is over (it goes on at the next transition). */
export function waitOver(block: BlockState): boolean {
  const wait = block.wait;
  if (wait === undefined) return true;
  if (wait.kind === 'settle') return false;
  if (wait.kind === 'ticket') return block.answers.has(block.tickets[wait.ticket].requestId);
  return block.tickets.every(({ requestId }) => block.answers.has(requestId));
}

/**
 * A TransactionHost over the explorer's configuration: the client's first `known` requests were submitted
 * before (their tickets are handed out again, nothing is sent), later ones are submitted now; an outcome
 * is answered from the outcomes received, or the client is stopped.
 */
class ReplayHost implements TransactionHost {
  config: Configuration;
  readonly tickets: { readonly requestId: string; readonly request: Request }[];
  private count = 0;
  private readonly known: number;
  private readonly lateInstalls: LateInstalls;
  readonly streams: StreamHost | undefined;

  constructor(
    private readonly block: BlockState,
    config: Configuration,
    private readonly split: SplitProgram,
    private readonly choices: ChoiceSource,
    private readonly trace: TraceEntry[],
  ) {
    this.config = config;
    this.tickets = block.tickets.slice();
    this.known = block.tickets.length;
    this.lateInstalls = new LateInstalls(config.settings);
    this.streams = hasStreams(split) ? new StreamDriver(split, this, () => this.awaitAll(), config.settings.bug) : undefined;
  }

  submit(request: Request): number {
    const ticket = this.count++;
    const late = this.lateInstalls.after(request);
    if (ticket < this.known) {
      if (describeRequest(this.tickets[ticket].request) !== describeRequest(request)) {
        throw new Error(`assertion: the run block submitted ${describeRequest(request)} as ticket ${ticket}, which was ${describeRequest(this.tickets[ticket].request)}`);
      }
      return ticket;
    }
    // As DistributedHost.submit: the request through the getters, then the zoo's late installs after it.
    const context = { choices: this.choices, trace: this.trace };
    const submitted = submit(this.config, 0, throughGetters(this.split, request), context);
    this.config = submitted.config;
    for (const install of late) this.config = submit(this.config, 0, install, context).config;
    this.tickets.push({ requestId: submitted.requestId, request });
    return ticket;
  }

  outcome(ticket: number): SemanticsOutcome {
    const requestId = this.tickets[ticket]?.requestId;
    if (requestId === undefined) throw new Error(`assertion: unknown ticket ${ticket}`);
    const outcome = this.block.answers.get(requestId);
    if (outcome === undefined) throw new Blocked({ kind: 'ticket', ticket });
    return outcome;
  }

  /** The stream driver's wait for every request of the client. */
  private awaitAll(): void {
    if (!this.tickets.every(({ requestId }) => this.block.answers.has(requestId))) throw new Blocked({ kind: 'all' });
  }

  heal(): void {
    this.config = { ...this.config, faultsActive: false };
  }
}

/** Runs the client again from the start, up to its first outcome not received: the configuration with its new requests, and what it waits for. */
function resume(state: LoopState, block: BlockState, split: SplitProgram, choices: ChoiceSource, trace: TraceEntry[]): LoopState {
  const host = new ReplayHost(block, state.config, split, choices, trace);
  const client = new Client(host, () => undefined);
  let wait: Wait;
  try {
    // As checkers/case.ts `runBlock`: a client error stops the run block, not the system.
    try {
      if (block.program.run !== undefined) client.run(block.program.run.body);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
    }
    host.heal();
    client.finish();
    wait = { kind: 'settle' };
  } catch (error) {
    if (!(error instanceof Blocked)) throw error;
    wait = error.wait;
  }
  return { ...state, config: host.config, block: { ...block, tickets: host.tickets, wait }, waitingSince: host.config.tick };
}

/** The initial state of a run block's exploration: one client, the system entities seeded, as the host starts. */
export function initialBlockState(settings: RuntimeSettings, program: TypedProgram, split: SplitProgram): LoopState {
  let config = initialConfiguration(settings, 1, true);
  const seeds = systemSeeds(split, settings);
  if (seeds.length > 0) config = seedEntities(config, seeds, 0);
  return { config, setupTaken: 0, taken: [], setupDone: true, waitingSince: 0, block: { program, tickets: [], answers: new Map(), wait: undefined } };
}

/** The requests of the run block without an answer, as the host words them (its StuckError's). */
export function blockUnanswered(block: BlockState): string[] {
  return block.tickets.filter(({ requestId }) => !block.answers.has(requestId)).map(({ requestId, request }) => `${requestId} ${describeRequest(request)}`);
}

/** One transition of the run block's exploration (see the head of this file). */
export function advanceBlock(state: LoopState, split: SplitProgram, choices: ChoiceSource, localSteps: 'trace' | 'count'): Advance {
  let block = state.block!;
  const submitted: TraceEntry[] = [];
  let now = state;
  if (waitOver(block)) {
    now = resume(state, block, split, choices, submitted);
    block = now.block!;
  }
  let config = now.config;
  // The host's wait in ticks (runtime/host.ts `runUntil`).
  if (config.faultsActive && waitHeals(0, config.tick - now.waitingSince)) config = { ...config, faultsActive: false };
  for (;;) {
    const result = globalStep(config, split, choices, localSteps);
    if (result.kind === 'quiet') {
      if (config.faultsActive) {
        config = { ...config, faultsActive: false };
        continue;
      }
      const unanswered = blockUnanswered(block);
      const finished = block.wait?.kind === 'settle' && config.clients[0].pending.size === 0 && unanswered.length === 0;
      const end = { ...now, config };
      return finished ? { kind: 'done', state: end } : { kind: 'stuck', state: end, stuck: unanswered };
    }
    config = result.next;
    if (config.clients[0].answers !== undefined) {
      const collected = collectAnswers(config, 0);
      config = collected.config;
      const answers = new Map(block.answers);
      for (const answer of collected.answers) if (!answers.has(answer.requestId)) answers.set(answer.requestId, answer.outcome);
      block = { ...block, answers };
    }
    return { kind: 'stepped', rule: result.rule, state: { ...now, config, block }, emitted: [...submitted, ...result.emitted] };
  }
}

/**
 * What of the run block's client the fingerprint holds: its requests and the outcome of each it received
 * (its text's two lanes, hashed as the fingerprint hashes strings). The configuration holds the rest; where the client stands in its
 * run block follows from these.
 */
export function blockNumbers(block: BlockState): number[] {
  const numbers = [block.tickets.length];
  for (const { requestId, request } of block.tickets) {
    const outcome = block.answers.get(requestId);
    const text = `${requestId} ${describeRequest(request)} ${outcome === undefined ? '?' : outcome.kind === 'committed' ? `= ${canonical(outcome.value)}` : `! ${outcome.code} ${outcome.message}`}`;
    numbers.push(...textLanes(text));
  }
  return numbers;
}

/** The state a path's numbers lead to, from the run block's initial state (explorer/explore.ts reads a livelock's requests from it). */
export function reconstructBlock(settings: RuntimeSettings, program: TypedProgram, split: SplitProgram, numbers: readonly number[]): LoopState {
  const choices = new ListChoices(numbers);
  let state = initialBlockState(settings, program, split);
  while (choices.used < numbers.length) {
    const result = advanceBlock(state, split, choices, 'count');
    if (result.kind !== 'stepped') throw new Error('assertion: a path to a state ends before it');
    state = result.state;
  }
  return state;
}
