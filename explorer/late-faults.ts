// Stage: explorer. The `late-faults` reduction: each fault is taken only at the last moment at which it
// is still the same fault, so that the many states in which it already struck, while other events went
// on without noticing, are not explored apart. No event reads another place's state, and a message in
// flight is read by nothing but its own delivery (a drop, a delay or a copy of it changes nothing else),
// so a fault commutes with every event that is not at its place:
//  - A **drop** or a **delay** of a message is taken only when the message is among the events due next.
//    A message dropped earlier is simply never delivered; one delayed earlier is due at the same tick as
//    one delayed now by the same number of ticks (a delay adds to the tick the message was due at). Until
//    then its presence changes no other step: it is not due, so time moves past other events as if it
//    were gone.
//  - A **crash** of a node, and a **copy** of a message, are moved no further than within one tick: the
//    copy is due a latency after the tick it was made at, and a crash's downtime counts from its tick,
//    so a crash or a copy at a later tick is another fault. Within the tick, a crash is taken only when
//    an event at the node is due next, or time moves on at the next event (the last chance at this tick);
//    a copy only when its message is due next, or time moves on.
//  - A fault in a round in which clients submit, or the setup ends, is kept wherever it strikes: the
//    setup's end takes a round of its own, and the clients submit in the next one, so moving a fault out
//    of that round would move the clients' first submissions after the event that took its place.
// Every run of the full graph is then a run of the reduced one with the same steps, each fault moved
// later past events that commute with it: the same final configuration but for the numbering of
// messages (so the same terminal runs, tests/fault-reductions.test.ts), the same length (so the same
// shortest counterexamples), and an invariant broken at the same step or before. A fault is recognised after the step (explorer/branching.ts runs every
// branch): the message it touched is the one of the state's network that the step replaced or removed; a
// message submitted in the same round is never due at once, and its faults are kept (keeping a
// transition is always sound).

import { sharedTimerIndex } from '../runtime/next-event.ts';
import { submitsNothing, type LoopState } from './loop.ts';
import type { Workload } from '../runtime/workload.ts';
import type { Transition } from './successors.ts';

/**
 * A deliberately unsound reduction, for the negative controls of tests/fault-reductions.test.ts (the
 * scope's `unsound`, explorer/explore.ts): `late-drops-spare-clients` never drops a message to a client;
 * `por-without-message-faults` leaves the faults of the event's message out of a persistent set while
 * faults can strike.
 */
export type UnsoundReduction = 'late-drops-spare-clients' | 'por-without-message-faults';

/** What a fault touched: the node it crashed, or the message of the state's network it dropped, copied or delayed. */
export type FaultTarget = { readonly kind: 'node'; readonly node: number } | { readonly kind: 'message'; readonly index: number };

/**
 * The place of the fault `transition` struck from `state`, or undefined when it struck none, or struck a
 * message submitted in the same round (not in the state's network).
 */
export function faultTarget(state: LoopState, transition: Transition): FaultTarget | undefined {
  const result = transition.result;
  if (transition.struck === undefined || result.kind !== 'stepped') return undefined;
  const before = state.config;
  const after = result.state.config;
  if (transition.struck === 'crash') {
    for (let id = 0; id < before.nodes.length; id++) if (before.nodes[id].up && !after.nodes[id].up) return { kind: 'node', node: id };
    throw new Error('assertion: a crash left every node as it was');
  }
  const kept = new Set(after.network);
  const index = before.network.findIndex((envelope) => !kept.has(envelope));
  return index < 0 ? undefined : { kind: 'message', index };
}

/** Whether `transition` from `state` is kept by `late-faults`: no fault, or a fault at its last moment. */
export function lateEnough(state: LoopState, transition: Transition, workload: Workload, unsound?: UnsoundReduction): boolean {
  const target = faultTarget(state, transition);
  // A round in which clients submit, or the setup ends, is kept whole: the setup's end takes a round of
  // its own before the clients submit, so a fault in that round, moved later, would move the clients'
  // first submissions after the event that took its place.
  if (target === undefined || !submitsNothing(state, workload)) return true;
  const before = state.config;
  const due = sharedTimerIndex(before);
  const timeMoves = due === undefined || due.at > before.tick;
  if (target.kind === 'node') {
    return timeMoves || due.events.some((event) => {
      if (event.kind === 'message') {
        const to = before.network[event.index].to;
        return to.kind === 'node' && to.node === target.node;
      }
      return event.kind !== 'client' && event.node === target.node;
    });
  }
  if (unsound === 'late-drops-spare-clients' && transition.struck === 'drop' && before.network[target.index].to.kind === 'client') return false;
  const messageDue = due !== undefined && due.events.some((event) => event.kind === 'message' && event.index === target.index);
  return transition.struck === 'duplicate' ? messageDue || timeMoves : messageDue;
}
