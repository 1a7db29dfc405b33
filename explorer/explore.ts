// Stage: explorer. `ent explore`: every schedule of a small scope. From the initial state of a workload,
// breadth first, each state is expanded once (by fingerprint, explorer/fingerprint.ts) into every
// transition (explorer/successors.ts `transitions`, the branches of explorer/loop.ts's `advance`): which
// event happens next, among those due, every latency and pause the runtime chooses, and each fault the
// budget still allows. Every terminal state (the system quiet: everything answered, or requests stuck) is
// held against every checker of `ent check` (checkers/case.ts, `checkRun`), and every new state against
// the invariants that no later step can repair (explorer/invariants.ts). Breadth first, the first
// violation found is at the smallest depth: the shortest counterexample (in the reduced graph, when a
// reduction is on). The path to it is written down as the numbers `ListChoices` replays, so `ent check
// --replay` runs it. States are stored compactly: a 64-bit fingerprint in a table, and per state its
// parent, depth and the numbers of its transition (a path is read back along the parents); only the
// frontier holds configurations.
//
// Reductions (each can be switched off; tests/explore.test.ts holds the terminal outcomes equal with and
// without each, and tests/fault-reductions.test.ts the terminal runs with and without `por` and
// `late-faults` under faults, each test with a deliberately unsound variant as its negative control):
//  - `message-ids`: message ids renamed canonically in the fingerprint (explorer/fingerprint.ts).
//  - `por`: partial-order reduction with persistent sets of one event. When no client is about to submit,
//    the events due at the present tick are looked at: an event at a node that no other due event is at,
//    all of whose branches touch only that node's state and the messages it sends (no history, no client,
//    no global counter, nothing else due now), commutes with every other event that can happen before it,
//    and cannot be disabled by one (only that node can change its own timers, and a message to it from
//    elsewhere is due a tick later at the earliest). Then only its branches are taken, and, while faults
//    can strike, the faults that touch it: a crash of its node, and a drop, a copy or a delay of its
//    message. Every run from the state takes one of those sooner or later (the event is due, time does
//    not move past it, and only they make it happen or change it), and every step before that one commutes
//    with it: an event elsewhere, or a fault elsewhere (a crash of another node, a fault of another
//    message). Faults of one kind share a budget, but two of them in one run means a budget of two, and
//    then they commute too. So moving that step first gives a run of the same length to the same state.
//    Time only advances once every event due now has happened, so no event is put off forever. Faults
//    that are off only until the setup ends (they may strike before any due event) stop the reduction, and
//    so does the setup itself: its end takes a round of its own before the clients submit, so an event
//    moved before the setup client's last answer would move the clients' first submissions.
//  - `late-faults`: each fault is taken only at the last moment at which it is the same fault
//    (explorer/late-faults.ts): a drop or a delay when its message is due, a crash or a copy before time
//    moves on or before the event it would change.
//  - `symmetry`: clients with the same workload that took as many of it are interchangeable (so they
//    have the same requests left), and a state is fingerprinted
//    as the least over every renaming of them (explorer/symmetry.ts, explorer/fingerprint.ts). Sound
//    because the runtime treats clients alike: the order of clients that submit in the same round is a
//    choice of the schedule (runtime/client.ts `submissionOrder`), so request ids and timestamps (compared
//    by age in wound-wait and Aria's batches) favour no client by its number, and the setup's requests go
//    through a client of their own. Keys and nodes are not renamed (an entity's node is a hash of its key).
//
// With `--workload run` (`settings.workload` is `run`) the client is the program's run block
// (explorer/run-block.ts): its requests follow from the outcomes it received, which the state keeps and
// the fingerprint holds. It is one client with a computation of its own, interchangeable with none:
// `symmetry` renames nothing there. `por` takes it as a client about to submit while its wait is over (it
// then goes on and may submit at once), and leaves it alone otherwise, as the workload's clients.

import type { CheckSettings } from '../checkers/case.ts';
import { checkRun } from '../checkers/case.ts';
import type { Violation } from '../checkers/violation.ts';
import type { Address, Configuration } from '../runtime/configuration.ts';
import { checkLiveness } from '../checkers/liveness.ts';
import { ListChoices } from '../runtime/choices.ts';
import { describeOutcome, describeRequest } from '../runtime/describe.ts';
import { historyEventToJson, historyEvents } from '../runtime/history.ts';
import { sharedTimerIndex } from '../runtime/next-event.ts';
import { isLocal } from '../runtime/world.ts';
import { dueEventPlaces, faultOrder, nextEventTick } from '../runtime/simulator.ts';
import type { Workload } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { canonical } from '../semantics/values.ts';
import { budgetLeft, type FaultBudget } from './branching.ts';
import { FingerprintTable, tickFields } from './fingerprint.ts';
import { invariantViolations } from './invariants.ts';
import { faultTarget, lateEnough, type UnsoundReduction } from './late-faults.ts';
import { advance, beyondHorizon, initialLoopState, submitsNothing, type Advance, type LoopState } from './loop.ts';
import { blockUnanswered, initialBlockState } from './run-block.ts';
import { stateFingerprintOf, transitions, type Transition } from './successors.ts';
import { ClientSymmetry, type Interchangeable } from './symmetry.ts';

export type Reduction = 'message-ids' | 'por' | 'symmetry' | 'late-faults';
export const reductionNames: readonly Reduction[] = ['message-ids', 'por', 'symmetry', 'late-faults'];

export interface ExploreScope {
  readonly program: TypedProgram;
  readonly split: SplitProgram;
  /** The settings a replay token holds: the runtime (with every fault kind of the budget above 0) and the workload's shape. */
  readonly settings: CheckSettings;
  readonly workload: Workload;
  /** The numbers the workload was drawn from (a token's `workload`). */
  readonly workloadNumbers: readonly number[];
  readonly budget: FaultBudget;
  readonly reductions: ReadonlySet<Reduction>;
  /** Stop after this many distinct states. */
  readonly maxStates: number;
  /** Asked every few hundred states: true stops the exploration (the CLI's --time-limit; the explorer reads no clock). */
  readonly stop?: () => boolean;
  /** Told how far the exploration is, every few thousand states. */
  readonly progress?: (stats: ExploreStats) => void;
  /** Go on after the first violation (to collect every terminal outcome). */
  readonly keepGoing?: boolean;
  /** Hold the invariants of explorer/invariants.ts at every state (default: yes). */
  readonly invariants?: boolean;
  /**
   * Which violations make a counterexample (default: any). A zoo bug is looked for by the violations it
   * declares: the shortest run that shows one of them, even when a shorter one shows another symptom.
   */
  readonly target?: (violations: readonly Violation[]) => boolean;
  /** Which clients `symmetry` takes as interchangeable (default: those with the same workload that took as many of it; a test's negative control passes an unsound one). */
  readonly interchangeable?: Interchangeable;
  /** A deliberately unsound reduction, for the negative controls of tests/fault-reductions.test.ts (explorer/late-faults.ts). */
  readonly unsound?: UnsoundReduction;
  /** Keep what happened in each terminal state's run (`terminalStates`, `terminalRunOf`), to compare explorations run for run. */
  readonly keepTerminals?: boolean;
}

export interface ExploreStats {
  /** Successor states computed (every branch of every expanded state). */
  readonly generated: number;
  readonly distinct: number;
  readonly expanded: number;
  readonly maxDepth: number;
  readonly terminals: number;
  /** States whose successors the partial-order reduction cut down. */
  readonly reducedStates: number;
  /** Bytes of the stored states: the fingerprint table, parents, depths and choice numbers (not the frontier). */
  readonly storedBytes: number;
}

export interface Counterexample {
  readonly violations: readonly Violation[];
  /** Transitions from the initial state. */
  readonly depth: number;
  /** Where it was found: at the end of a run (a terminal state), or at a state by an invariant. */
  readonly at: 'terminal' | 'invariant' | 'livelock';
  /** The schedule's numbers, for a replay token. */
  readonly schedule: readonly number[];
}

export interface ExploreResult {
  readonly stats: ExploreStats;
  /** Every state reachable in the scope was expanded. */
  readonly complete: boolean;
  /** `horizon`: a path went where the driver's own counters would stop the faults (explorer/loop.ts `beyondHorizon`). */
  readonly stoppedBy: 'max-states' | 'time-limit' | 'horizon' | 'violation' | undefined;
  /** The terminal outcomes seen (what each request got, and the final committed state), each once. */
  readonly outcomes: ReadonlySet<string>;
  readonly counterexample: Counterexample | undefined;
  /** With `keepTerminals`: every terminal state's run, as `terminalRunOf` writes it. */
  readonly terminalStates?: ReadonlySet<string>;
}

/** A growable list of 32-bit integers. */
class IntList {
  data: Int32Array<ArrayBuffer> = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}

/**
 * The states found, stored compactly: for each, its parent's index, its depth, and the numbers of the
 * transition from its parent (so that a path is the numbers along the parents); the states themselves
 * are kept only while on the frontier.
 */
class StateStore {
  readonly parents = new IntList();
  readonly depths = new IntList();
  /** Where each state's numbers start in `numbers` (they end where the next state's start). */
  readonly starts = new IntList();
  readonly numbers = new IntList();

  get size(): number {
    return this.parents.length;
  }

  get bytes(): number {
    return this.parents.bytes + this.depths.bytes + this.starts.bytes + this.numbers.bytes;
  }

  add(parent: number, depth: number, numbers: readonly number[]): number {
    const index = this.parents.length;
    this.parents.push(parent);
    this.depths.push(depth);
    this.starts.push(this.numbers.length);
    for (const number of numbers) this.numbers.push(number);
    return index;
  }

  depth(index: number): number {
    return this.depths.data[index];
  }

  /** The numbers of the path from the initial state to state `index`. */
  path(index: number): number[] {
    const chain: number[][] = [];
    for (let at = index; at >= 0; at = this.parents.data[at]) {
      const end = at + 1 < this.starts.length ? this.starts.data[at + 1] : this.numbers.length;
      chain.push(Array.from(this.numbers.data.subarray(this.starts.data[at], end)));
    }
    return chain.reverse().flat();
  }
}

/** The edges of the explored graph, kept to find the states from which no schedule ends (a livelock). */
class Edges {
  from: Int32Array<ArrayBuffer> = new Int32Array(1024);
  to: Int32Array<ArrayBuffer> = new Int32Array(1024);
  length = 0;

  get bytes(): number {
    return this.from.byteLength + this.to.byteLength;
  }

  add(from: number, to: number): void {
    if (this.length === this.from.length) {
      const grow = (array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const bigger = new Int32Array(array.length * 2); bigger.set(array); return bigger; };
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    this.from[this.length] = from;
    this.to[this.length] = to;
    this.length++;
  }
}

/**
 * The first state (breadth first: the nearest) from which no path reaches a terminal state: there every
 * schedule runs forever without answering every request. Backward from the states with a terminal branch.
 */
function firstNeverEnding(states: number, edges: Edges, ends: Uint8Array): number | undefined {
  const incoming = new Int32Array(states + 1);
  for (let index = 0; index < edges.length; index++) incoming[edges.to[index] + 1]++;
  for (let state = 0; state < states; state++) incoming[state + 1] += incoming[state];
  const sources = new Int32Array(edges.length);
  const fill = incoming.slice(0, states);
  for (let index = 0; index < edges.length; index++) sources[fill[edges.to[index]]++] = edges.from[index];
  const reaches = new Uint8Array(states);
  const queue: number[] = [];
  for (let state = 0; state < states; state++) if (ends[state] === 1) { reaches[state] = 1; queue.push(state); }
  while (queue.length > 0) {
    const state = queue.pop()!;
    for (let at = incoming[state]; at < incoming[state + 1]; at++) {
      const source = sources[at];
      if (reaches[source] === 0) { reaches[source] = 1; queue.push(source); }
    }
  }
  const found = reaches.indexOf(0);
  return found === -1 ? undefined : found;
}

interface Pending {
  readonly index: number;
  readonly state: LoopState;
  readonly budget: FaultBudget;
}

export function explore(scope: ExploreScope): ExploreResult {
  const { workload, split } = scope;
  const renameMessages = scope.reductions.has('message-ids');
  const por = scope.reductions.has('por');
  const lateFaults = scope.reductions.has('late-faults');
  // The run block is one client with a computation of its own: no client is interchangeable with it, so
  // `symmetry` renames nothing there (and an `interchangeable` given is not asked).
  const symmetry = scope.reductions.has('symmetry') && !runsBlock(scope) ? new ClientSymmetry(workload, scope.interchangeable) : undefined;
  const checkInvariants = scope.invariants !== false;
  const store = new StateStore();
  const seen = new FingerprintTable();
  const outcomes = new Set<string>();
  const terminalStates = scope.keepTerminals === true ? new Set<string>() : undefined;
  let generated = 0;
  let maxDepth = 0;
  let terminals = 0;
  let reducedStates = 0;
  let expanded = 0;
  const edges = new Edges();
  let ends = new Uint8Array(1024);
  const stats = (): ExploreStats => ({
    generated, distinct: store.size, expanded, maxDepth, terminals, reducedStates, storedBytes: store.bytes + seen.bytes + edges.bytes + ends.byteLength,
  });

  const initial = initialStateOf(scope);
  let frontier: Pending[] = [{ index: 0, state: initial, budget: scope.budget }];
  store.add(-1, 0, []);
  seen.set(stateFingerprintOf(initial, scope.budget, renameMessages, symmetry), 0);

  const markEnd = (index: number): void => {
    if (index >= ends.length) { const bigger = new Uint8Array(ends.length * 2 + index); bigger.set(ends); ends = bigger; }
    ends[index] = 1;
  };
  let counterexample: Counterexample | undefined;
  let stoppedBy: ExploreResult['stoppedBy'];
  const wanted = (violations: readonly Violation[]): boolean => violations.length > 0 && counterexample === undefined && (scope.target === undefined || scope.target(violations));

  outer:
  while (frontier.length > 0) {
    const next: Pending[] = [];
    for (const pending of frontier) {
      if (scope.stop !== undefined && expanded % 256 === 0 && scope.stop()) {
        stoppedBy = 'time-limit';
        break outer;
      }
      expanded++;
      if (scope.progress !== undefined && expanded % 4096 === 0) scope.progress(stats());
      const depth = store.depth(pending.index);
      const reduced = por ? persistentTransitions(pending, workload, split, scope.unsound) : undefined;
      if (reduced !== undefined) reducedStates++;
      const all = reduced ?? transitions(pending.state, pending.budget, workload, split);
      for (const transition of all) {
        if (lateFaults && !lateEnough(pending.state, transition, workload, scope.unsound)) continue;
        generated++;
        const result = transition.result;
        if (result.kind !== 'stepped') {
          // A terminal state: the run ends here, and every checker reads it.
          terminals++;
          markEnd(pending.index);
          const violations = checkTerminal(scope, result);
          outcomes.add(outcomeOf(result.state.config, violations));
          terminalStates?.add(terminalRunOf(result.state.config, transition.budget));
          if (wanted(violations)) {
            counterexample = { violations, depth: depth + 1, schedule: [...store.path(pending.index), ...transition.numbers], at: 'terminal' };
            if (scope.keepGoing !== true) {
              stoppedBy = 'violation';
              break outer;
            }
          }
          continue;
        }
        const budget = transition.budget;
        const print = stateFingerprintOf(result.state, budget, renameMessages, symmetry);
        const known = seen.get(print);
        if (known !== undefined) {
          edges.add(pending.index, known);
          continue;
        }
        if (checkInvariants) {
          // A new state: the events its step appended, held against the invariants.
          const violations = invariantViolations(pending.state.config.history, result.state.config.history);
          if (wanted(violations)) {
            counterexample = { violations, depth: depth + 1, schedule: [...store.path(pending.index), ...transition.numbers], at: 'invariant' };
            if (scope.keepGoing !== true) {
              stoppedBy = 'violation';
              break outer;
            }
          }
        }
        if (store.size >= scope.maxStates) {
          stoppedBy = 'max-states';
          break outer;
        }
        if (beyondHorizon(result.state, depth + 1)) {
          stoppedBy = 'horizon';
          break outer;
        }
        const index = store.add(pending.index, depth + 1, transition.numbers);
        seen.set(print, index);
        edges.add(pending.index, index);
        maxDepth = Math.max(maxDepth, depth + 1);
        next.push({ index, state: result.state, budget });
      }
    }
    frontier = next;
  }
  if (stoppedBy === undefined && counterexample === undefined) {
    // Complete: a state from which no schedule ends is a livelock, which the driver reports (after its
    // own count of steps without an answer) as requests never answered while the system was busy.
    const never = firstNeverEnding(store.size, edges, ends);
    if (never !== undefined) {
      const state = reconstruct(scope, store.path(never));
      const violations = checkLiveness(unansweredOf(state, workload), 'steps', scope.settings.runtime.delivery);
      if (violations.length > 0 && (scope.target === undefined || scope.target(violations))) {
        counterexample = { violations, depth: store.depth(never), schedule: store.path(never), at: 'livelock' };
        stoppedBy = 'violation';
      }
    }
  }
  return { stats: stats(), complete: stoppedBy === undefined, stoppedBy, outcomes, counterexample, ...(terminalStates === undefined ? {} : { terminalStates }) };
}

/**
 * The partial-order reduction (see the head of this file): the transitions of one due event that commutes
 * with everything else that can happen first, or undefined when there is none (then every one is taken).
 */
function persistentTransitions(pending: Pending, workload: Workload, split: SplitProgram, unsound?: UnsoundReduction): Transition[] | undefined {
  const { state, budget } = pending;
  const config = state.config;
  const faultsOver = !budgetLeft(budget) || (state.setupDone && !config.faultsActive);
  // Faults that are off only until the setup ends may strike before any due event: no set of one event is persistent then.
  const faultsNow = config.faultsActive && budgetLeft(budget);
  // Nor before the setup is done: its end takes a round of its own, and the clients submit in the next
  // one, so an event taken before the setup client's last answer would move their first submissions a
  // step later (after another event, perhaps at a later tick).
  if ((!faultsOver && !faultsNow) || !state.setupDone || !submitsNothing(state, workload)) return undefined;
  const places = dueEventPlaces(config);
  if (places.length < (faultsNow ? 1 : 2)) return undefined;
  // Every step from here takes one of the due events, and time moves to their tick.
  const dueTick = nextEventTick(config)!;
  const timeMoves = dueTick > config.tick;
  const sameNode = (place: Address, node: number): boolean => place.kind === 'node' && place.node === node;
  let all: Transition[] | undefined;
  const every = (): Transition[] => (all ??= transitions(state, budget, workload, split));
  for (let index = 0; index < places.length; index++) {
    const place = places[index];
    if (place.kind !== 'node') continue;
    if (places.some((other, at) => at !== index && sameNode(other, place.node))) continue;
    // One event due is chosen by no pick (`onlyEvent` would pin a pick of its own): its transitions are those that strike no fault.
    const found = places.length === 1 ? every().filter((transition) => transition.struck === undefined) : transitions(state, budget, workload, split, { onlyEvent: index });
    if (!found.every((transition) => staysAt(config, dueTick, transition.result, place.node))) continue;
    if (!faultsNow) return found;
    const event = sharedTimerIndex(config)!.events[index];
    const message = event.kind === 'message' ? event.index : -1;
    if (timeMoves) {
      // Once another event has moved time, its node could crash, or its message be copied, before it: a
      // fault that cannot strike now (its downtime or latency would count from now). Then it is no candidate.
      const envelope = message >= 0 ? config.network[message] : undefined;
      const crashable = budget.crash > 0 && config.settings.faults.crash > 0 && config.nodes[place.node].up;
      const copyable = budget.duplicate > 0 && config.settings.faults.duplicate > 0 && envelope !== undefined && !isLocal(envelope) && envelope.copied !== true;
      if (crashable || copyable) continue;
    }
    // With faults on: also every fault that touches the event (a crash of its node, a fault of its
    // message), and when time moves, every crash and copy that strikes before it (the last tick they can).
    return [...found, ...every().filter((transition) => {
      if (transition.struck === undefined) return false;
      if (timeMoves && (transition.struck === 'crash' || transition.struck === 'duplicate')) return true;
      const target = faultTarget(state, transition);
      if (target === undefined) return true;
      if (target.kind === 'node') return target.node === place.node;
      return target.index === message && unsound !== 'por-without-message-faults';
    })];
  }
  return undefined;
}

/** The step changed nothing but node `node`'s state and the messages in flight, and sent nothing due now elsewhere. */
function staysAt(before: Configuration, dueTick: number, result: Advance, node: number): boolean {
  if (result.kind !== 'stepped') return false;
  const after = result.state.config;
  if (after.clients !== before.clients || after.history !== before.history || after.nextOrder !== before.nextOrder
    || after.nextTimestamp !== before.nextTimestamp || after.tick !== dueTick) return false;
  if (after.nodes.some((state, id) => id !== node && state !== before.nodes[id])) return false;
  const kept = new Set(after.network);
  // Every message not addressed to the node is still in flight, untouched.
  if (before.network.some((envelope) => !(envelope.to.kind === 'node' && envelope.to.node === node) && !kept.has(envelope))) return false;
  const old = new Set(before.network);
  return after.network.every((envelope) => old.has(envelope) || envelope.deliverAt > after.tick || (envelope.to.kind === 'node' && envelope.to.node === node));
}

/** Whether the scope explores the program's run block (`--workload run`, explorer/run-block.ts) rather than a workload. */
export function runsBlock(scope: Pick<ExploreScope, 'settings'>): boolean {
  return scope.settings.workload === 'run';
}

/** The initial state of the scope: the workload's, or the run block's. */
export function initialStateOf(scope: ExploreScope): LoopState {
  return runsBlock(scope) ? initialBlockState(scope.settings.runtime, scope.program, scope.split) : initialLoopState(scope.settings.runtime, scope.workload);
}

/** The state a path's numbers lead to, run again from the initial state. */
function reconstruct(scope: ExploreScope, numbers: readonly number[]): LoopState {
  const choices = new ListChoices(numbers);
  let state = initialStateOf(scope);
  while (choices.used < numbers.length) {
    const result = advance(state, scope.workload, scope.split, choices);
    if (result.kind !== 'stepped') throw new Error('assertion: a path to a state ends before it');
    state = result.state;
  }
  return state;
}

/** The requests a state has not answered (submitted or not), as the driver words them. */
function unansweredOf(state: LoopState, workload: Workload): string[] {
  if (state.block !== undefined) return blockUnanswered(state.block);
  const stuck: string[] = [];
  for (const client of state.config.clients) {
    for (const entry of client.pending.values()) stuck.push(`${entry.requestId} ${describeRequest(entry.request)}`);
  }
  const notSubmitted = [...workload.setup.slice(state.setupTaken), ...workload.clients.flatMap((requests, client) => requests.slice(state.taken[client]))];
  for (const request of notSubmitted) stuck.push(`(not submitted) ${describeRequest(request)}`);
  return stuck;
}

function checkTerminal(scope: ExploreScope, result: Exclude<Advance, { kind: 'stepped' }>): Violation[] {
  const config = result.state.config;
  const events = historyEvents(config.history);
  const entities = config.nodes.flatMap((node) => [...node.durable.store.values()]);
  const stuck = result.kind === 'stuck' ? result.stuck : [];
  return checkRun(scope.program, scope.settings.runtime, { events, entities, stuck, stuckBecause: stuck.length === 0 ? undefined : 'quiet' });
}

/**
 * What a run that ended in `config` left behind, finer than its outcome: the history event by event (the
 * order of commits, installations, requests and answers), every node's durable state (its store, its
 * decisions and their attempts, what it prepared and applied, its watermarks, its incarnation), and the
 * fault budget left. Message ids are left out (they are only in messages and the volatile tables of
 * messages seen): moving a step past another one that commutes with it (as `por` and `late-faults` do) can
 * renumber the messages that the two send and that clients submit in between, and ids are only ever
 * compared for equality. So are ticks, which the fingerprint reads only relative to the present, and the
 * history's not at all (explorer/fingerprint.ts): two runs that differ only there are one state.
 */
export function terminalRunOf(config: Configuration, budget: FaultBudget): string {
  const events = historyEvents(config.history).map((event) => ({ ...(historyEventToJson(event) as object), tick: undefined }));
  const durable = config.nodes.map((node) => canonicalJson(node.durable));
  return `${JSON.stringify(events)} | ${durable.join(' | ')} | budget ${faultOrder.map((kind) => budget[kind]).join(',')}`;
}

/** A value as JSON with its maps' and sets' entries sorted and its ticks left out (`terminalRunOf`). */
function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = value as { entries?: () => Iterable<[unknown, unknown]> };
  if (value instanceof Set) return `{${[...value].map(canonicalJson).sort().join(',')}}`;
  if (typeof entries.entries === 'function') return `{${[...entries.entries()].map(([key, item]) => `${canonicalJson(key)}:${canonicalJson(item)}`).sort().join(',')}}`;
  return `{${Object.keys(value).filter((key) => !tickFields.has(key)).sort().map((key) => `${key}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/**
 * A terminal outcome in words: for each client, its requests in the order it submitted them, each with
 * what it was answered first (or that it was not); the clients sorted, so that clients with the same
 * requests and answers are not told apart (an outcome is the same whoever of them was first); then the
 * committed entities with their fields, and the violations. Request ids (which follow the order the
 * clients submitted in), ticks, ids of messages and versions are left out.
 */
export function outcomeOf(config: Configuration, violations: readonly Violation[]): string {
  const requests = new Map<string, { client: number; text: string; answer: string }>();
  for (const event of historyEvents(config.history)) {
    if (event.type === 'request') requests.set(event.requestId, { client: event.client, text: describeRequest(event.request), answer: 'unanswered' });
    if (event.type !== 'response') continue;
    const known = requests.get(event.requestId);
    if (known !== undefined && known.answer === 'unanswered') known.answer = describeOutcome(event.outcome);
  }
  const sessions = config.clients.map(() => [] as string[]);
  for (const { client, text, answer } of requests.values()) sessions[client].push(`${text} → ${answer}`);
  const clients = sessions.filter((session) => session.length > 0).map((session) => `[${session.join('; ')}]`).sort();
  const entities = config.nodes.flatMap((node) => [...node.durable.store.values()])
    .map((entity) => `${entity.entity}(${JSON.stringify(entity.key)}){${[...entity.fields].map(([field, value]) => `${field}=${value === undefined ? '-' : canonical(value)}`).join(',')}}`)
    .sort();
  const found = [...new Set(violations.map((violation) => `${violation.checker}:${violation.kind}`))].sort();
  return `${clients.join(' ')} | ${entities.join(' ')}${found.length > 0 ? ` | ${found.join(' ')}` : ''}`;
}
