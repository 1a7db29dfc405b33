// Stage: checkers. Atomic streams, over a history (docs/language.md §14; proofs/semantics.md, Theorem 11):
// every stream step is a request on `$Streams(0)` (semantics/desugar/streams.ts), so the history records
// each atom's processing as the transactions that touched it, with their places in the serial order:
// `$next` (S-Atom: the offset move and the effects, committed together, answering the atom), an aborted
// `$next` followed by `$skip` (S-Skip: the offset alone, after the atom aborted), and `$deliver` (effects
// without the offset, which only a broken driver commits). Per atom, in the serial order, the checker
// requires exactly one of: a committed `$next`; or an aborted `$next`, then a `$skip`. It reports:
//   offset-before-effects  an atom's offset moved before (or without) the transaction of its effects;
//   atom-split             an atom's events took effect in more than one transaction;
//   processed-twice        an atom's offset moved past it more than once;
//   out-of-order           a stream's offset moved past its atoms out of their stream order.
// Whether each atom's effects and the atoms it published are the right ones, exactly once, is the
// replay checker's question: it runs the same requests through the reference model's streams and holds
// the final queue, offsets and seals of `$Streams(0)` against the model's.

import type { HistoryEvent } from '../runtime/history.ts';
import { atomOf } from '../runtime/streams.ts';
import { streamsEntity } from '../semantics/desugar/streams.ts';
import type { Outcome, Request } from '../semantics/transactions.ts';
import type { Value } from '../semantics/values.ts';
import type { Violation } from './violation.ts';

type Decided = Extract<HistoryEvent, { type: 'commit' | 'abort' }>;

/** What one decided stream transaction did to one atom. */
type Step = 'processed' | 'offset' | 'effects';

export function checkStreams(events: readonly HistoryEvent[]): Violation[] {
  const requests = new Map<string, Request>();
  const answers = new Map<string, Outcome>();
  const decided: Decided[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type === 'request') requests.set(event.requestId, event.request);
    if (event.type === 'response' && !answers.has(event.requestId)) answers.set(event.requestId, event.outcome);
    if ((event.type === 'commit' || event.type === 'abort') && !seen.has(event.requestId)) {
      seen.add(event.requestId);
      decided.push(event);
    }
  }
  decided.sort((left, right) => left.order - right.order);
  const violations: Violation[] = [];
  const report = (kind: string, message: string, requestIds: readonly string[]): void => {
    violations.push({ checker: 'streams', kind, message, requests: [...requestIds] });
  };
  /** Per atom (`stream#offset`): the steps that touched it, in the serial order, with their requests. */
  const steps = new Map<string, { step: Step; requestId: string }[]>();
  /** Per stream: the offset its consumers' offset moved past last. */
  const lastOffset = new Map<string, number>();
  let abortedBefore = false;
  for (const event of decided) {
    const request = requests.get(event.requestId);
    if (request?.kind !== 'call' || request.target.entity !== streamsEntity) continue;
    const method = request.method;
    if (method === '$next' && event.type === 'abort') {
      abortedBefore = true;
      continue;
    }
    let value: Value | undefined;
    let step: Step;
    if (method === '$deliver') {
      value = request.args[0];
      step = 'effects';
    } else if ((method === '$next' || method === '$skip') && event.type === 'commit') {
      const answer = answers.get(event.requestId);
      if (answer?.kind !== 'committed') continue;
      value = answer.value;
      step = method === '$next' ? 'processed' : 'offset';
    } else {
      continue;
    }
    const atom = atomOf(value);
    if (atom === undefined) continue;
    const id = `${atom.stream}#${atom.offset}`;
    const known = steps.get(id) ?? [];
    steps.set(id, known);
    // A `$skip` right after the atom's own aborted `$next` is its processing (S-Skip); a `$skip` alone moves
    // the offset apart from the atom's effects.
    known.push({ step: step === 'offset' && abortedBefore ? 'processed' : step, requestId: event.requestId });
    abortedBefore = false;
    if (step !== 'effects') {
      const last = lastOffset.get(atom.stream);
      if (last !== undefined && atom.offset <= last) {
        const kind = atom.offset === last ? 'processed-twice' : 'out-of-order';
        report(kind, `${id}: the offset of stream ${atom.stream} moved past it after it had moved past ${atom.stream}#${last} (${event.requestId}, number ${event.order} in the serial order)`, [event.requestId]);
      } else if (last === undefined ? atom.offset !== 0 : atom.offset !== last + 1) {
        report('out-of-order', `${id}: the offset of stream ${atom.stream} moved past it before ${atom.stream}#${last === undefined ? 0 : last + 1} (${event.requestId})`, [event.requestId]);
      }
      lastOffset.set(atom.stream, Math.max(atom.offset, last ?? -1));
    }
  }
  for (const [id, touched] of steps) {
    const requestIds = touched.map((entry) => entry.requestId);
    const offsets = touched.filter((entry) => entry.step !== 'effects');
    const effects = touched.filter((entry) => entry.step !== 'offset');
    const offsetAlone = touched.findIndex((entry) => entry.step === 'offset');
    const later = offsetAlone === -1 ? [] : touched.slice(offsetAlone + 1).filter((entry) => entry.step === 'effects');
    if (later.length > 0) {
      report('offset-before-effects', `${id}: its offset moved in ${touched[offsetAlone].requestId} before its effects took effect in ${later.map((entry) => entry.requestId).join(', ')}: a crash in between would lose the atom`, requestIds);
    } else if (effects.length > 1) {
      report('atom-split', `${id}: its events took effect in ${effects.length} transactions (${effects.map((entry) => entry.requestId).join(', ')}), not one`, requestIds);
    } else if (effects.length === 1 && effects[0].step === 'effects') {
      report('atom-split', `${id}: its effects (${effects[0].requestId}) and its offset move are not one transaction`, requestIds);
    } else if (offsetAlone !== -1 && effects.length === 0) {
      report('offset-before-effects', `${id}: its offset moved in ${touched[offsetAlone].requestId}, with no transaction of its effects and no abort of one before it`, requestIds);
    }
    if (offsets.length > 1 && !violations.some((violation) => violation.kind === 'processed-twice' && violation.message.startsWith(`${id}:`))) {
      report('processed-twice', `${id}: its offset moved past it ${offsets.length} times (${offsets.map((entry) => entry.requestId).join(', ')})`, requestIds);
    }
  }
  return violations;
}
