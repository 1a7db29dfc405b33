// Stage: checkers. Serializability by replay: the decided requests, each once, in the serial order the
// protocol claims, run one at a time through the reference model. Every committed request must give
// the answer the run gave, every aborted one must abort with the message the run gave (and change
// nothing), and the replay must end in the run's final state of every entity (so a request that took
// effect twice, or an update that was lost, shows as a final state that no such replay gives).

import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { abortCause, type Request } from '../semantics/transactions.ts';
import { canonical, type MapKey, type Value } from '../semantics/values.ts';
import { describeRequest } from '../runtime/describe.ts';
import { streamsEntity, streamsKey } from '../semantics/desugar/streams.ts';
import { codeEntity, codeKey } from '../semantics/updates.ts';
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

type Decided = Extract<HistoryEvent, { type: 'commit' | 'abort' }>;

/** A committed request must commit in the replay, with the answer the client got. */
function replayedCommit(request: () => string, replayed: Outcome, answer: Outcome | undefined): Omit<Violation, 'checker' | 'requests'> | undefined {
  if (replayed.kind === 'aborted') return { kind: 'replay-aborts', message: `${request()} committed, but replayed in that order it aborts: ${replayed.message}` };
  if (answer?.kind === 'committed' && canonical(answer.value) !== canonical(replayed.value)) {
    return { kind: 'different-answer', message: `${request()} answered ${canonical(answer.value)}, but replayed in that order it gives ${canonical(replayed.value)}` };
  }
  return undefined;
}

/**
 * A request aborted by its program must abort in the replay with the same message: its abort is an
 * outcome the client saw, and it must be the outcome of running it alone at its place in the order. An
 * abort the system chose (the step budget, which each semantics counts in its own steps, or Ctrl-C)
 * changes nothing, and the final state shows that it did not; it is not replayed, since what the
 * reference model makes of it is not comparable.
 */
function replayedAbort(request: () => string, replayed: Outcome, event: Extract<HistoryEvent, { type: 'abort' }>): Omit<Violation, 'checker' | 'requests'> | undefined {
  if (replayed.kind === 'committed') {
    return {
      kind: 'replay-commits',
      message: `${request()} was answered \`abort: ${event.message}\`, but replayed in that order it commits, giving ${canonical(replayed.value)}`,
    };
  }
  if (replayed.message !== event.message) {
    return {
      kind: 'different-abort',
      message: `${request()} was answered \`abort: ${event.message}\`, but replayed in that order it aborts with \`${replayed.message}\``,
    };
  }
  return undefined;
}

export interface ReplayResult {
  readonly violations: Violation[];
  /** The reference model after the replay, for a counterexample's report. */
  readonly model: ReferenceModel;
}

export function checkReplay(program: TypedProgram, events: readonly HistoryEvent[], finalState: Iterable<EntityState>, stepLimit?: number): ReplayResult {
  const requests = new Map<string, Request>();
  const firstAnswer = new Map<string, Outcome>();
  const decided: Decided[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (event.type === 'request') requests.set(event.requestId, event.request);
    if (event.type === 'response' && !firstAnswer.has(event.requestId)) firstAnswer.set(event.requestId, event.outcome);
    // A request is replayed once, where it was first decided: the final state must be what applying each
    // committed request once gives (a second commit of one request is the exactly-once checker's to report).
    if ((event.type === 'commit' || event.type === 'abort') && !seen.has(event.requestId)) {
      seen.add(event.requestId);
      decided.push(event);
    }
  }
  decided.sort((left, right) => left.order - right.order);
  const model = new ReferenceModel(program, { stepLimit });
  const violations: Violation[] = [];
  for (const event of decided) {
    const request = requests.get(event.requestId);
    // An abort the system chose changed nothing, and is not run: see `replayedAbort`.
    if (request === undefined || (event.type === 'abort' && abortCause(event.code) === 'system')) continue;
    const replayed = model.execute(request);
    // The request in words, made only for a violation (most replays find none).
    const what = (): string => `${event.requestId} (${describeRequest(request)}), number ${event.order} in the serial order,`;
    const found = event.type === 'commit'
      ? replayedCommit(what, replayed, firstAnswer.get(event.requestId))
      : replayedAbort(what, replayed, event);
    if (found !== undefined) violations.push({ ...found, checker: 'replay', requests: [event.requestId] });
  }
  const expected = stateLines(referenceStates(program, model));
  // The copies of the code versions that the zoo's `update-mid-atom` keeps on each node are not the
  // program's state: the one `$Code(0)` is compared, and the copies are the updates checker's.
  const actual = stateLines([...finalState].filter((state) => state.entity !== codeEntity || state.key === codeKey));
  if (expected.join('\n') !== actual.join('\n')) {
    const missing = expected.filter((line) => !actual.includes(line));
    const extra = actual.filter((line) => !expected.includes(line));
    const totals = totalsDiffer(model.store.all(), finalState);
    violations.push({
      checker: 'replay', kind: 'final-state',
      message: `the final state differs from the replay of the decided requests in the serial order:\n`
        + `${missing.map((line) => `    replay: ${line}`).join('\n')}\n${extra.map((line) => `    run:    ${line}`).join('\n')}`
        + totals.map((line) => `\n  ${line}`).join(''),
      requests: [],
    });
  }
  return { violations, model };
}

/**
 * Every entity of the reference model, and for a stream program its streams as the `$Streams(0)` of the
 * split semantics (semantics/desugar/streams.ts): a run must end with the same atoms queued, the same
 * offsets and the same seals (an atom published twice shows here).
 */
export function referenceStates(program: TypedProgram, model: ReferenceModel): EntityState[] {
  const streams = [...program.streams.keys()];
  const states: EntityState[] = [...model.store.all()];
  if (streams.length > 0) states.push({ entity: streamsEntity, key: streamsKey, fields: new Map<string, Value | undefined>([['id', streamsKey], ...model.streams.fields(streams)]) });
  // With live updates, the code versions as the `$Code(0)` of the split semantics (semantics/updates.ts).
  const code = model.codeState();
  if (code !== undefined) states.push(code);
  return states;
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
