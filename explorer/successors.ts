// Stage: explorer. The transitions of one state, listed: every branch of the next global step (the
// same `branches` over the same `advance` that `ent explore` expands a state with, explorer/explore.ts),
// each with a line that says what happened (`deliver m7 vote node 1 → node 0 (G-Deliver)`, `drop m7
// (G-Drop)`, `crash node 0, down 2 ticks (G-Crash)`), the rule, the numbers a replay takes, and the fault
// budget left after it. The REPL's stepper (`:step`) offers this list to choose from, and `ent graph`
// draws it for every state (views/graph.ts); `ent explore` expands every state with `transitions`, the
// same list without the words (explorer/explore.ts). `stateKey` is the explorer's fingerprint of a state
// with its budget.

import type { ChoiceSource } from '../runtime/choices.ts';
import { collectAnswers } from '../runtime/client.ts';
import type { Configuration } from '../runtime/configuration.ts';
import type { Outcome } from '../semantics/transactions.ts';
import { globalStep, type GlobalRule } from '../runtime/simulator.ts';
import type { TraceEntry } from '../runtime/world.ts';
import type { Workload } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { branches, budgetLeft, spend, type FaultBudget, type FaultKind } from './branching.ts';
import { fingerprintText, stateFingerprint, type Fingerprint } from './fingerprint.ts';
import { advance, type Advance, type LoopState } from './loop.ts';
import { blockNumbers } from './run-block.ts';
import type { ClientSymmetry } from './symmetry.ts';

/** A transition of the explorer: the next state (or the end of the run), its numbers, the fault it struck, and the budget left. */
export interface Transition {
  readonly result: Advance;
  /** The numbers `ListChoices` replays this transition with. */
  readonly numbers: readonly number[];
  readonly struck: FaultKind | undefined;
  readonly budget: FaultBudget;
}

export interface TransitionOptions {
  /** `trace` gives each local step its trace line (the stepper shows them); `count` is faster. */
  readonly localSteps?: 'trace' | 'count';
  /**
   * Only the transitions that take this due event (by its place in the runtime's order of the events due
   * now, runtime/simulator.ts `dueEventPlaces`), and no fault: the partial-order reduction's persistent set.
   * Only when two or more events are due: one alone is chosen by no pick, and the first pick of its own
   * would be pinned instead.
   */
  readonly onlyEvent?: number;
}

/** Every transition from `state` within `budget`, in the explorer's order (the first is the seeded run's default of 0s). */
export function transitions(state: LoopState, budget: FaultBudget, workload: Workload, program: SplitProgram, options: TransitionOptions = {}): Transition[] {
  const localSteps = options.localSteps ?? 'count';
  return branches(budget, (choices) => advance(state, workload, program, choices, localSteps), options.onlyEvent)
    .map((branch) => ({ result: branch.result, numbers: branch.numbers, struck: branch.struck, budget: spend(budget, branch.struck) }));
}

export interface Successor {
  /** What the transition does, in words, ending with its rule in parentheses. */
  readonly label: string;
  /** The global rule, or `end` when the run ends here (done, or stuck). */
  readonly rule: GlobalRule | 'end';
  readonly result: Advance;
  /** The numbers `ListChoices` replays this transition with. */
  readonly numbers: readonly number[];
  readonly struck: FaultKind | undefined;
  /** The fault budget left after the transition. */
  readonly budget: FaultBudget;
  /** The local rules the step fired, in order (with `localSteps: 'trace'`), and where the first stood. */
  readonly localRules: readonly string[];
  readonly firstLocal: TraceEntry | undefined;
}

/** Every transition from `state`, in the explorer's order (the first is the seeded run's default of 0s). */
export function successors(state: LoopState, budget: FaultBudget, workload: Workload, program: SplitProgram): Successor[] {
  return transitions(state, budget, workload, program, { localSteps: 'trace' }).map((transition) => {
    const result = transition.result;
    const locals = result.kind === 'stepped' ? result.emitted.filter((entry) => entry.rule.startsWith('L-')) : [];
    return {
      ...transition, label: describeAdvance(result), rule: result.kind === 'stepped' ? result.rule : 'end',
      localRules: locals.map((entry) => entry.rule), firstLocal: locals.find((entry) => entry.span !== undefined),
    };
  });
}

/** A transition of a bare configuration (the stepper's): the next configuration, or the end of the run. */
export type Step =
  | { readonly kind: 'stepped'; readonly rule: GlobalRule; readonly config: Configuration; readonly emitted: readonly TraceEntry[]; readonly answers: readonly { requestId: string; outcome: Outcome }[] }
  | { readonly kind: 'done' | 'stuck'; readonly config: Configuration };

export interface StepSuccessor extends Omit<Successor, 'result'> {
  readonly result: Step;
}

/**
 * Every transition of a configuration whose requests are all submitted (the REPL's stepper): every
 * branch of the next global step, with the answers the clients got taken out of it, as the driver and
 * `advance` take them. Faults may strike until the system is quiet; then they go off (and the step is taken again), or the run ends: done, or stuck.
 * From a state at which `advance` submits nothing and leaves the faults as they are, these are the same
 * transitions as `successors` (tests/stepper.test.ts).
 */
export function stepSuccessors(config: Configuration, budget: FaultBudget, program: SplitProgram): StepSuccessor[] {
  return branches(budget, (choices) => stepOnce(config, program, choices)).map((branch) => {
    const result = branch.result;
    const locals = result.kind === 'stepped' ? result.emitted.filter((entry) => entry.rule.startsWith('L-')) : [];
    const label = result.kind === 'stepped' ? describeStep(result.rule, result.emitted)
      : result.kind === 'done' ? 'end: every request answered, the system quiet (done)' : 'end: quiet with requests unanswered (stuck)';
    return {
      label, rule: result.kind === 'stepped' ? result.rule : 'end', result, numbers: branch.numbers, struck: branch.struck,
      budget: spend(budget, branch.struck), localRules: locals.map((entry) => entry.rule), firstLocal: locals.find((entry) => entry.span !== undefined),
    };
  });
}

/** One transition of a configuration, with its choices asked of `choices` (see `stepSuccessors`). */
export function stepOnce(config: Configuration, program: SplitProgram, choices: ChoiceSource): Step {
  let now = config;
  for (;;) {
    const result = globalStep(now, program, choices, 'trace');
    if (result.kind === 'quiet') {
      if (now.faultsActive) { now = { ...now, faultsActive: false }; continue; }
      return { kind: now.clients.some((client) => client.pending.size > 0) ? 'stuck' : 'done', config: now };
    }
    let next = result.next;
    const answers: { requestId: string; outcome: Outcome }[] = [];
    for (const client of next.clients) {
      if (client.answers === undefined) continue;
      const collected = collectAnswers(next, client.id);
      next = collected.config;
      answers.push(...collected.answers.map((answer) => ({ requestId: answer.requestId, outcome: answer.outcome })));
    }
    return { kind: 'stepped', rule: result.rule, config: next, emitted: result.emitted, answers };
  }
}

/**
 * The explorer's fingerprint of a state (explorer/explore.ts): the configuration's, with the driver's
 * counters and the budget. With `symmetry`, the least over every renaming of interchangeable clients
 * (explorer/symmetry.ts).
 */
export function stateFingerprintOf(state: LoopState, budget: FaultBudget, renameMessages: boolean, symmetry?: ClientSymmetry): Fingerprint {
  const faultsCanStrike = state.config.faultsActive && budgetLeft(budget);
  const fixed = [state.setupTaken, state.setupDone ? 1 : 0, budget.crash, budget.drop, budget.duplicate, budget.delay, faultsCanStrike ? 1 : 0];
  // The run block's client: its requests and the outcomes it received, which decide what it does next.
  if (state.block !== undefined) fixed.push(...blockNumbers(state.block));
  const renamings = symmetry?.renamings(state);
  if (renamings === undefined) return stateFingerprint(state.config, [...fixed, ...state.taken], { renameMessages });
  let least: Fingerprint | undefined;
  // What each client has left to submit is hashed as how many of its requests it took, *not* renamed: a
  // renaming maps a client only to one with the same requests left, so in the renamed state the client
  // under each name has that name's requests left, which its own count says. (Moving the counts with the
  // clients described a state whose clients have different requests left, and merged it with this one:
  // tests/symmetry.test.ts.)
  const numbers = [...fixed, ...state.taken];
  for (const clients of renamings) {
    // The identity is hashed as no renaming, so that the hashes remembered for it serve.
    const identity = clients.every((name, client) => name === client);
    const print = stateFingerprint(state.config, numbers, { renameMessages, clients: identity ? undefined : clients });
    if (least === undefined || print.high < least.high || (print.high === least.high && print.low < least.low)) least = print;
  }
  return least!;
}

/** The explorer's key of a state, as text (a map's key). */
export function stateKey(state: LoopState, budget: FaultBudget, renameMessages: boolean): string {
  return fingerprintText(stateFingerprintOf(state, budget, renameMessages));
}

/** A transition in words. */
export function describeAdvance(result: Advance): string {
  if (result.kind === 'done') return 'end: every request answered, the system quiet (done)';
  if (result.kind === 'stuck') return `end: quiet with ${result.stuck.length} request${result.stuck.length === 1 ? '' : 's'} unanswered (stuck)`;
  return describeStep(result.rule, result.emitted);
}

/** A global step in words, from its rule and the trace it emitted. */
export function describeStep(rule: GlobalRule, emitted: readonly TraceEntry[]): string {
  const entry = emitted.find((candidate) => candidate.rule === rule);
  const message = entry?.message;
  const named = message === undefined ? '' : `m${message.id} ${message.kind}`;
  switch (rule) {
    case 'G-Deliver':
      return message === undefined ? `deliver (G-Deliver)` : `deliver ${named} ${message.from} → ${message.to} (G-Deliver)`;
    case 'G-Drop':
      return `drop ${named} to ${message?.to ?? '?'} (G-Drop)`;
    case 'G-Duplicate':
      return `duplicate ${named} to ${message?.to ?? '?'}, the copy due at tick ${message?.deliverAt ?? '?'} (G-Duplicate)`;
    case 'G-Delay':
      return `delay ${named} to ${message?.to ?? '?'} until tick ${message?.deliverAt ?? '?'} (G-Delay)`;
    case 'G-Crash':
      return `crash ${entry?.place ?? 'a node'}, ${entry?.detail ?? ''} (G-Crash)`;
    case 'G-Recover':
      return `recover ${entry?.place ?? 'a node'} (G-Recover)`;
    case 'G-Timeout': {
      const first = emitted[0];
      return `timer at ${first?.place ?? '?'}: ${first?.detail ?? ''} (G-Timeout)`;
    }
  }
}

/** A configuration in short: tick, nodes up or down, messages in flight, pending requests, committed entities. */
export function describeConfiguration(config: Configuration): string[] {
  const nodes = config.nodes.map((node) => `node ${node.id} ${node.up ? 'up' : 'DOWN'}`).join(', ');
  const flight = config.network.map((envelope) => `m${envelope.id} ${envelope.body.kind} → ${envelope.to.kind === 'node' ? `node ${envelope.to.node}` : `client ${envelope.to.client}`} @${envelope.deliverAt}`);
  const pending = config.clients.flatMap((client) => [...client.pending.values()].map((entry) => entry.requestId));
  return [
    `tick ${config.tick}; ${nodes}; faults ${config.faultsActive ? 'on' : 'off'}`,
    `in flight: ${flight.length === 0 ? '(none)' : flight.join(', ')}`,
    `pending requests: ${pending.length === 0 ? '(none)' : pending.join(', ')}`,
  ];
}
