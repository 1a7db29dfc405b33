// Stage: explorer. `ent explore`: every schedule of a small scope. From the initial state of a workload,
// breadth first, each state is expanded once (by fingerprint, explorer/fingerprint.ts) into every
// branch of its next transition (explorer/branching.ts over explorer/loop.ts): which event happens next
// among those due, every latency and pause the runtime chooses, and each fault the budget still allows.
// Every terminal state (the system quiet: everything answered, or requests stuck) is held against every
// checker of `ent check` (checkers/case.ts, `checkRun`). Breadth first, the first violation found is at
// the smallest depth: the shortest counterexample (in the reduced graph, when a reduction is on). The
// path to it is written down as the numbers `ListChoices` replays, so `ent check --replay` runs it.
//
// Reductions (each can be switched off, and tests/explore.test.ts holds the terminal outcomes equal):
//  - `message-ids`: message ids renamed canonically in the fingerprint (explorer/fingerprint.ts).
//  - `por`: partial-order reduction with persistent sets of one event. Once no fault can strike any more
//    (the budget is spent, or the setup is done and the faults are off for good) and no client is about
//    to submit, the events due at the present tick are looked at: an event at a node that no other due
//    event is at, all of whose branches touch only that node's state and the messages it sends (no
//    history, no client, no global counter, nothing else due now), commutes with every other event that
//    can happen before it, and cannot be disabled by one (only that node can change its own timers, and a
//    message to it from elsewhere is due a tick later at the earliest). Then only its branches are
//    taken. Time only advances once every event due now has happened, so no event is put off forever.

import type { CheckSettings } from '../checkers/case.ts';
import { checkRun } from '../checkers/case.ts';
import type { Violation } from '../checkers/violation.ts';
import type { Address, Configuration } from '../runtime/configuration.ts';
import { checkLiveness } from '../checkers/liveness.ts';
import { ListChoices } from '../runtime/choices.ts';
import { describeOutcome, describeRequest } from '../runtime/describe.ts';
import { historyEvents } from '../runtime/history.ts';
import { dueEventPlaces, nextEventTick } from '../runtime/simulator.ts';
import type { Workload } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { canonical } from '../semantics/values.ts';
import { branches, budgetLeft, spend, type Branch, type FaultBudget } from './branching.ts';
import { fingerprint } from './fingerprint.ts';
import { advance, depthMax, initialLoopState, submitsNothing, type Advance, type LoopState } from './loop.ts';

export type Reduction = 'message-ids' | 'por';
export const reductionNames: readonly Reduction[] = ['message-ids', 'por'];

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
  /**
   * Which violations make a counterexample (default: any). A zoo bug is looked for by the violations it
   * declares: the shortest run that shows one of them, even when a shorter one shows another symptom.
   */
  readonly target?: (violations: readonly Violation[]) => boolean;
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
}

export interface Counterexample {
  readonly violations: readonly Violation[];
  /** Transitions from the initial state. */
  readonly depth: number;
  /** The schedule's numbers, for a replay token. */
  readonly schedule: readonly number[];
}

export interface ExploreResult {
  readonly stats: ExploreStats;
  /** Every state reachable in the scope was expanded. */
  readonly complete: boolean;
  readonly stoppedBy: 'max-states' | 'time-limit' | 'depth' | 'violation' | undefined;
  /** The terminal outcomes seen (what each request got, and the final committed state), each once. */
  readonly outcomes: ReadonlySet<string>;
  readonly counterexample: Counterexample | undefined;
}

interface Node {
  readonly parent: number;
  readonly numbers: readonly number[];
  readonly depth: number;
}

/** The edges of the explored graph, kept to find the states from which no schedule ends (a livelock). */
class Edges {
  from: Int32Array<ArrayBuffer> = new Int32Array(1024);
  to: Int32Array<ArrayBuffer> = new Int32Array(1024);
  length = 0;

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
  const nodes: Node[] = [];
  const seen = new Map<string, number>();
  const outcomes = new Set<string>();
  let generated = 0;
  let maxDepth = 0;
  let terminals = 0;
  let reducedStates = 0;
  let expanded = 0;
  const stats = (): ExploreStats => ({ generated, distinct: nodes.length, expanded, maxDepth, terminals, reducedStates });

  const key = (state: LoopState, budget: FaultBudget): string => {
    const faultsCanStrike = state.config.faultsActive && budgetLeft(budget);
    const extra = `${state.setupTaken}/${state.taken.join(',')}/${state.setupDone ? 1 : 0}/${budget.crash},${budget.drop},${budget.duplicate},${budget.delay}/${faultsCanStrike ? 1 : 0}`;
    return fingerprint(state.config, extra, { renameMessages });
  };

  const initial = initialLoopState(scope.settings.runtime, workload);
  let frontier: Pending[] = [{ index: 0, state: initial, budget: scope.budget }];
  nodes.push({ parent: -1, numbers: [], depth: 0 });
  seen.set(key(initial, scope.budget), 0);

  const pathNumbers = (index: number): number[] => {
    const chain: (readonly number[])[] = [];
    for (let at = index; at >= 0; at = nodes[at].parent) chain.push(nodes[at].numbers);
    return chain.reverse().flat();
  };

  const edges = new Edges();
  let ends = new Uint8Array(1024);
  const markEnd = (index: number): void => {
    if (index >= ends.length) { const bigger = new Uint8Array(ends.length * 2 + index); bigger.set(ends); ends = bigger; }
    ends[index] = 1;
  };
  let counterexample: Counterexample | undefined;
  let stoppedBy: ExploreResult['stoppedBy'];
  const transition = (pending: Pending) => (choices: Parameters<typeof advance>[3]): Advance => advance(pending.state, workload, split, choices);

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
      const depth = nodes[pending.index].depth;
      const reduced = por ? persistentBranches(pending, workload, transition(pending)) : undefined;
      if (reduced !== undefined) reducedStates++;
      const all = reduced ?? branches(pending.budget, transition(pending));
      for (const branch of all) {
        generated++;
        const result = branch.result;
        if (result.kind !== 'stepped') {
          // A terminal state: the run ends here, and every checker reads it.
          terminals++;
          markEnd(pending.index);
          const violations = checkTerminal(scope, result);
          outcomes.add(outcomeOf(result.state.config, violations));
          if (violations.length > 0 && counterexample === undefined && (scope.target === undefined || scope.target(violations))) {
            counterexample = { violations, depth: depth + 1, schedule: [...pathNumbers(pending.index), ...branch.numbers] };
            if (scope.keepGoing !== true) {
              stoppedBy = 'violation';
              break outer;
            }
          }
          continue;
        }
        const budget = spend(pending.budget, branch.struck);
        const fingerprintKey = key(result.state, budget);
        const known = seen.get(fingerprintKey);
        if (known !== undefined) {
          edges.add(pending.index, known);
          continue;
        }
        if (nodes.length >= scope.maxStates) {
          stoppedBy = 'max-states';
          break outer;
        }
        if (depth + 1 >= depthMax) {
          stoppedBy = 'depth';
          break outer;
        }
        const index = nodes.length;
        nodes.push({ parent: pending.index, numbers: branch.numbers, depth: depth + 1 });
        seen.set(fingerprintKey, index);
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
    const never = firstNeverEnding(nodes.length, edges, ends);
    if (never !== undefined) {
      const state = reconstruct(scope, pathNumbers(never));
      const violations = checkLiveness(unansweredOf(state, workload), 'steps', scope.settings.runtime.delivery);
      if (violations.length > 0 && (scope.target === undefined || scope.target(violations))) {
        counterexample = { violations, depth: nodes[never].depth, schedule: pathNumbers(never) };
        stoppedBy = 'violation';
      }
    }
  }
  return { stats: stats(), complete: stoppedBy === undefined, stoppedBy, outcomes, counterexample };
}

/**
 * The partial-order reduction (see the head of this file): the branches of one due event that commutes
 * with everything else that can happen first, or undefined when there is none (then every branch is taken).
 */
function persistentBranches(pending: Pending, workload: Workload, transition: (choices: Parameters<typeof advance>[3]) => Advance): Branch<Advance>[] | undefined {
  const { state, budget } = pending;
  const config = state.config;
  const faultsOver = !budgetLeft(budget) || (state.setupDone && !config.faultsActive);
  if (!faultsOver || !submitsNothing(state, workload)) return undefined;
  const places = dueEventPlaces(config);
  if (places.length < 2) return undefined;
  // Every step from here takes one of the due events, and time moves to their tick.
  const dueTick = nextEventTick(config)!;
  const sameNode = (place: Address, node: number): boolean => place.kind === 'node' && place.node === node;
  for (let index = 0; index < places.length; index++) {
    const place = places[index];
    if (place.kind !== 'node') continue;
    if (places.some((other, at) => at !== index && sameNode(other, place.node))) continue;
    const found = branches(budget, transition, index);
    if (found.every((branch) => staysAt(config, dueTick, branch.result, place.node))) return found;
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

/** The state a path's numbers lead to, run again from the initial state. */
function reconstruct(scope: ExploreScope, numbers: readonly number[]): LoopState {
  const choices = new ListChoices(numbers);
  let state = initialLoopState(scope.settings.runtime, scope.workload);
  while (choices.used < numbers.length) {
    const result = advance(state, scope.workload, scope.split, choices);
    if (result.kind !== 'stepped') throw new Error('assertion: a path to a state ends before it');
    state = result.state;
  }
  return state;
}

/** The requests a state has not answered (submitted or not), as the driver words them. */
function unansweredOf(state: LoopState, workload: Workload): string[] {
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
 * A terminal outcome in words: what each request was answered first (or that it was not), the committed
 * entities with their fields, and the violations. Ticks, ids of messages and versions are left out.
 */
export function outcomeOf(config: Configuration, violations: readonly Violation[]): string {
  const answers = new Map<string, string>();
  for (const event of historyEvents(config.history)) {
    if (event.type === 'request') answers.set(event.requestId, 'unanswered');
    if (event.type === 'response' && answers.get(event.requestId) === 'unanswered') answers.set(event.requestId, describeOutcome(event.outcome));
  }
  const entities = config.nodes.flatMap((node) => [...node.durable.store.values()])
    .map((entity) => `${entity.entity}(${JSON.stringify(entity.key)}){${[...entity.fields].map(([field, value]) => `${field}=${value === undefined ? '-' : canonical(value)}`).join(',')}}`)
    .sort();
  const found = [...new Set(violations.map((violation) => `${violation.checker}:${violation.kind}`))].sort();
  return `${[...answers].map(([id, answer]) => `${id} ${answer}`).join('; ')} | ${entities.join(' ')}${found.length > 0 ? ` | ${found.join(' ')}` : ''}`;
}
