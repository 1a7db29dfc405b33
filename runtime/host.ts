// Stage: runtime. The distributed runtime as a TransactionHost: the client's requests are submitted to
// client 0 of the simulated system, and waiting for one runs global steps until its response arrives.
// `heal` ends the faults, so that every request can be answered; a request that still is not answered
// when the system falls quiet is stuck, and the run says which.

import type { SplitProgram } from '../semantics/split/index.ts';
import type { Outcome as SemanticsOutcome, Request, StreamHost, TransactionHost } from '../semantics/transactions.ts';
import { hasStreams, StreamDriver } from './streams.ts';
import { LateInstalls, systemSeeds, throughGetters } from './updates.ts';
import { SeededChoices, type ChoiceSource } from './choices.ts';
import { collectAnswers, submissionContext, submit } from './client.ts';
import { initialConfiguration, type Configuration, type Outcome, type RuntimeSettings } from './configuration.ts';
import { historyEvents, type HistoryEvent } from './history.ts';
import { waitHeals } from './faults.ts';
import { ResendWaits } from './next-event.ts';
import { globalStep, type GlobalRule } from './simulator.ts';
import type { CommittedEntity } from './store.ts';
import { nodeOf, updateDurable, type TraceEntry } from './world.ts';
import { canonical, referenceValue, type MapKey, type Value } from '../semantics/values.ts';
import { describeRequest } from './describe.ts';

export interface DistributedOptions {
  readonly settings: RuntimeSettings;
  /** Where every choice comes from; by default a PRNG seeded with `seed`. */
  readonly choices?: ChoiceSource;
  readonly seed?: string;
  /** Told of every trace entry, with the configuration after the step that emitted it (the views read it). */
  readonly trace?: (entry: TraceEntry, config: Configuration) => void;
  /** Global steps one wait may take before the run is declared stuck. */
  readonly stepsPerWaitMax?: number;
  /** Entities that exist from the start, each on its node at version 1 (the REPL's, carried over). */
  readonly initialEntities?: Iterable<{ readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> }>;
  /**
   * Where the history goes: `memory` (the default) keeps it in the configuration; `none` records
   * nothing; a function receives every event as it happens, and the configuration keeps none of them
   * (a long run written to a file then needs no memory for its history).
   */
  readonly history?: 'memory' | 'none' | ((event: HistoryEvent) => void);
}


export class StuckError {
  constructor(
    readonly requests: readonly string[],
    readonly reason: string,
    /** The system fell quiet with these unanswered (rather than running out of steps while busy). */
    readonly quiet: boolean,
  ) {}
}

export class DistributedHost implements TransactionHost {
  private configuration: Configuration;
  private readonly choices: ChoiceSource;
  private readonly tickets: { readonly requestId: string; readonly request: Request }[] = [];
  /** Answers collected from the client, by request id, until the run block asks for them. */
  private readonly answers = new Map<string, Outcome>();
  private readonly stepsPerWaitMax: number;
  private readonly lateInstalls: LateInstalls;
  readonly ruleCounts = new Map<string, number>();
  steps = 0;
  /** The requests pending when an interrupt came, and the step limit to go back to once it is served. */
  private readonly interruptedRequests = new Set<string>();
  private stepLimitBeforeInterrupt: number | undefined;
  /** The streams, when the program has any: each step a request on `$Streams(0)` (runtime/streams.ts). */
  readonly streams: StreamHost | undefined;

  constructor(
    private readonly program: SplitProgram,
    private readonly options: DistributedOptions,
  ) {
    const initial = seedEntities(initialConfiguration(options.settings, 1, options.history !== 'none'), options.initialEntities ?? []);
    // The system-owned entities (`$Streams(0)`, `$Code(0)`) exist from the start (runtime/updates.ts).
    const seeds = systemSeeds(program, options.settings);
    this.configuration = seeds.length > 0 ? seedEntities(initial, seeds, 0) : initial;
    this.streams = hasStreams(program)
      ? new StreamDriver(program, this, () => this.runUntil(() => this.tickets.every(({ requestId }) => this.answers.has(requestId))), options.settings.bug)
      : undefined;
    this.choices = options.choices ?? new SeededChoices(options.seed ?? '1');
    this.stepsPerWaitMax = options.stepsPerWaitMax ?? 2_000_000;
    this.lateInstalls = new LateInstalls(options.settings);
  }

  get config(): Configuration {
    return this.configuration;
  }

  submit(request: Request): number {
    const trace: TraceEntry[] = [];
    const context = submissionContext(this.choices, trace, this.localSteps);
    const submitted = submit(this.configuration, 0, throughGetters(this.program, request), context);
    this.configuration = submitted.config;
    // The zoo's `update-mid-atom` installs an update on the other nodes' copies late (runtime/updates.ts).
    for (const late of this.lateInstalls.after(request)) this.configuration = submit(this.configuration, 0, late, context).config;
    this.emit(trace);
    this.drainHistory();
    this.tickets.push({ requestId: submitted.requestId, request });
    return this.tickets.length - 1;
  }

  outcome(ticket: number): SemanticsOutcome {
    const requestId = this.tickets[ticket]?.requestId;
    if (requestId === undefined) throw new Error(`assertion: unknown ticket ${ticket}`);
    this.runUntil(() => this.answers.has(requestId));
    this.resumeAfterInterrupt();
    const outcome = this.answers.get(requestId)!;
    if (outcome.kind === 'committed') return outcome;
    // An attempt stopped by the interrupt aborted on the lowered step limit: it was interrupted.
    if (outcome.code === 'A0108' && this.interruptedRequests.has(requestId)) return { kind: 'aborted', code: 'A0111', message: 'interrupted', span: undefined };
    return outcome;
  }

  /** Lowers the step limit to 0, so that every attempt now running aborts at its next local step. */
  private interrupt(): void {
    if (this.stepLimitBeforeInterrupt !== undefined) return;
    const settings = this.configuration.settings;
    this.stepLimitBeforeInterrupt = settings.stepLimit;
    for (const entry of this.configuration.clients[0].pending.values()) this.interruptedRequests.add(entry.requestId);
    this.configuration = { ...this.configuration, settings: { ...settings, stepLimit: 0 } };
  }

  private resumeAfterInterrupt(): void {
    if (this.stepLimitBeforeInterrupt === undefined) return;
    this.configuration = { ...this.configuration, settings: { ...this.configuration.settings, stepLimit: this.stepLimitBeforeInterrupt } };
    this.stepLimitBeforeInterrupt = undefined;
  }

  /** Ends the faults: from now on no message is lost and no node crashes (crashed nodes still recover). */
  heal(): void {
    this.configuration = { ...this.configuration, faultsActive: false };
  }

  /** A run nobody traces only counts its local steps and its rules (runtime/world.ts `TraceContext`). */
  private get localSteps(): 'trace' | 'count' {
    return this.options.trace === undefined ? 'count' : 'trace';
  }

  /** Runs until the system is quiet: every message delivered, every commit installed. */
  settle(): void {
    this.runUntil(() => false);
  }

  /**
   * Runs global steps until `done`. Faults strike as long as the run block runs; a wait that lasts
   * `healAfterSteps` steps or `healAfterTicks` ticks ends them (the network heals), so that a
   * transaction too long to finish between faults still finishes.
   */
  private runUntil(done: () => boolean): void {
    let steps = 0;
    // Once the faults are off: the waits on resends alone since the last answer.
    const resendWaits = new ResendWaits();
    const waitingSince = this.configuration.tick;
    while (!done()) {
      if (this.configuration.faultsActive && waitHeals(steps, this.configuration.tick - waitingSince)) this.heal();
      // The REPL's Ctrl-C (settings.interrupted), asked every few hundred global steps.
      if ((steps & 255) === 0 && this.configuration.settings.interrupted?.() === true) this.interrupt();
      const result = globalStep(this.configuration, this.program, this.choices, this.localSteps);
      if (result.kind === 'quiet') {
        if (this.configuration.faultsActive) {
          this.heal();
          continue;
        }
        if (this.configuration.clients[0].pending.size === 0 && this.unanswered().length === 0) return;
        throw new StuckError(this.unanswered(), 'the system is quiet, and these requests have no answer', true);
      }
      const pendingBefore = this.configuration.clients[0].pending.size;
      this.configuration = result.next;
      this.count(result.rule, result.emitted, result.localCounts);
      this.emit(result.emitted);
      this.collect();
      const pending = this.configuration.clients[0].pending.size;
      if (pending < pendingBefore) resendWaits.answered();
      else if (!this.configuration.faultsActive && resendWaits.livelocked(this.configuration, pending)) {
        throw new StuckError(this.unanswered(), 'no answer: the system waits on resends that come to nothing', false);
      }
      if (++steps > this.stepsPerWaitMax) {
        throw new StuckError(this.unanswered(), `no answer after ${this.stepsPerWaitMax} global steps`, false);
      }
    }
  }

  private count(rule: GlobalRule, emitted: readonly TraceEntry[], localCounts: ReadonlyMap<string, number> | undefined): void {
    this.steps++;
    for (const entry of emitted) this.ruleCounts.set(entry.rule, (this.ruleCounts.get(entry.rule) ?? 0) + 1);
    for (const [local, fired] of localCounts ?? []) this.ruleCounts.set(local, (this.ruleCounts.get(local) ?? 0) + fired);
    if (emitted.length === 0) this.ruleCounts.set(rule, (this.ruleCounts.get(rule) ?? 0) + 1);
  }

  /** Takes the client's new answers out of the configuration, and the history to its sink if it has one. */
  private collect(): void {
    if (this.configuration.clients[0].answers !== undefined) {
      const collected = collectAnswers(this.configuration, 0);
      this.configuration = collected.config;
      for (const answer of collected.answers) if (!this.answers.has(answer.requestId)) this.answers.set(answer.requestId, answer.outcome);
    }
    this.drainHistory();
  }

  private drainHistory(): void {
    const sink = this.options.history;
    if (typeof sink !== 'function' || this.configuration.history === undefined) return;
    const events = historyEvents(this.configuration.history);
    this.configuration = { ...this.configuration, history: undefined };
    for (const event of events) sink(event);
  }

  private emit(entries: readonly TraceEntry[]): void {
    if (this.options.trace !== undefined) for (const entry of entries) this.options.trace(entry, this.configuration);
  }

  /** Every request submitted and not answered (still in the ingress, or given up under at-most-once), described. */
  unanswered(): string[] {
    return this.tickets.filter(({ requestId }) => !this.answers.has(requestId)).map(({ requestId, request }) => `${requestId} ${describeRequest(request)}`);
  }

  /** The committed state of every entity, across the nodes. */
  entities(): CommittedEntity[] {
    return this.configuration.nodes.flatMap((node) => [...node.durable.store.values()]);
  }
}

/**
 * Entities that exist from the start, each on its node: the REPL's carried over (version 1), or a stream
 * program's `$Streams(0)` (version 0: the initial state, which the checkers take as no transaction's write).
 */
export function seedEntities(config: Configuration, states: Iterable<{ readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> }>, version = 1): Configuration {
  let next = config;
  for (const state of states) {
    const reference = referenceValue(state.entity, state.key);
    const node = nodeOf(reference, config.settings.nodes);
    const entity: CommittedEntity = { entity: state.entity, key: state.key, fields: state.fields, version };
    next = updateDurable(next, node, (durable) => ({ ...durable, store: durable.store.with(canonical(reference), entity) }));
  }
  return next;
}
