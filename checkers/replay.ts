// Stage: checkers. Serializability by replay: the committed requests, each once, in the order the
// protocol claims, run one at a time through the reference model, must give every committed answer the
// run gave and end in the run's final state of every entity (so a request that took effect twice, or an
// update that was lost, shows as a final state that no such replay gives).

import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { Request } from '../semantics/transactions.ts';
import { canonical, type MapKey, type Value } from '../semantics/values.ts';
import { describeRequest } from '../runtime/describe.ts';
import type { HistoryEvent } from '../runtime/history.ts';
import type { Outcome } from '../runtime/configuration.ts';
import type { Violation } from './violation.ts';

export interface EntityState {
  readonly entity: string;
  readonly key: MapKey;
  readonly fields: ReadonlyMap<string, Value | undefined>;
}

/** Every entity and its fields, one line each, sorted: comparable across semantics. */
export function stateLines(entities: Iterable<EntityState>): string[] {
  const lines: string[] = [];
  for (const state of entities) {
    const fields = [...state.fields].map(([name, value]) => `${name}=${value === undefined ? '<unset>' : canonical(value)}`);
    lines.push(`${state.entity}(${canonical(state.key)}) ${fields.sort().join(' ')}`);
  }
  return lines.sort();
}

export interface ReplayResult {
  readonly violations: Violation[];
  /** The reference model after the replay, for a counterexample's report. */
  readonly model: ReferenceModel;
}

export function checkReplay(program: TypedProgram, events: readonly HistoryEvent[], finalState: Iterable<EntityState>, stepLimit?: number): ReplayResult {
  const requests = new Map<string, Request>();
  const firstAnswer = new Map<string, Outcome>();
  const committed: { requestId: string; order: number }[] = [];
  for (const event of events) {
    if (event.type === 'request') requests.set(event.requestId, event.request);
    if (event.type === 'response' && !firstAnswer.has(event.requestId)) firstAnswer.set(event.requestId, event.outcome);
    // A request is replayed once, where it first committed: the final state must be what applying each
    // committed request once gives (a second commit of one request is the exactly-once checker's to report).
    if (event.type === 'commit' && !committed.some((entry) => entry.requestId === event.requestId)) {
      committed.push({ requestId: event.requestId, order: event.order });
    }
  }
  committed.sort((left, right) => left.order - right.order);
  const model = new ReferenceModel(program, { stepLimit });
  const violations: Violation[] = [];
  for (const { requestId, order } of committed) {
    const request = requests.get(requestId);
    if (request === undefined) continue;
    const replayed = model.execute(request);
    const answer = firstAnswer.get(requestId);
    const what = `${requestId} (${describeRequest(request)}), number ${order} in the commit order,`;
    if (replayed.kind === 'aborted') {
      violations.push({ checker: 'replay', kind: 'replay-aborts', message: `${what} committed, but replayed in that order it aborts: ${replayed.message}`, requests: [requestId] });
    } else if (answer?.kind === 'committed' && canonical(answer.value) !== canonical(replayed.value)) {
      violations.push({
        checker: 'replay', kind: 'different-answer',
        message: `${what} answered ${canonical(answer.value)}, but replayed in that order it gives ${canonical(replayed.value)}`, requests: [requestId],
      });
    }
  }
  const expected = stateLines(model.store.all());
  const actual = stateLines(finalState);
  if (expected.join('\n') !== actual.join('\n')) {
    const missing = expected.filter((line) => !actual.includes(line));
    const extra = actual.filter((line) => !expected.includes(line));
    const totals = totalsDiffer(model.store.all(), finalState);
    violations.push({
      checker: 'replay', kind: 'final-state',
      message: `the final state differs from the replay of the committed requests in commit order:\n`
        + `${missing.map((line) => `    replay: ${line}`).join('\n')}\n${extra.map((line) => `    run:    ${line}`).join('\n')}`
        + totals.map((line) => `\n  ${line}`).join(''),
      requests: [],
    });
  }
  return { violations, model };
}

/**
 * For every int field, its total over all entities of a type, where the run and the replay disagree:
 * "total Account.balance is 32 in the run but 30 in the replay: 2 created". Money made or lost shows here.
 */
function totalsDiffer(expected: Iterable<EntityState>, actual: Iterable<EntityState>): string[] {
  const sums = (states: Iterable<EntityState>): Map<string, number> => {
    const totals = new Map<string, number>();
    for (const state of states) {
      for (const [field, value] of state.fields) {
        if (typeof value === 'number') totals.set(`${state.entity}.${field}`, (totals.get(`${state.entity}.${field}`) ?? 0) + value);
      }
    }
    return totals;
  };
  const replayed = sums(expected);
  const run = sums(actual);
  const lines: string[] = [];
  for (const name of new Set([...replayed.keys(), ...run.keys()])) {
    const inReplay = replayed.get(name) ?? 0;
    const inRun = run.get(name) ?? 0;
    if (inReplay === inRun) continue;
    const difference = inRun - inReplay;
    lines.push(`total ${name} is ${inRun} in the run but ${inReplay} in the replay: ${Math.abs(difference)} ${difference > 0 ? 'created' : 'destroyed'}`);
  }
  return lines;
}
