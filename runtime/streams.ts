// Stage: runtime. The stream driver: a StreamHost over any host that runs the split program (the one node
// of `--semantics split`, or the distributed runtime). Every stream step is a request on the
// system-owned entity `$Streams(0)` (semantics/desugar/streams.ts), so it is an ordinary transaction of
// the host, under its protocol and its faults: `$append` publishes a client atom (S-Append), `$seal`
// seals (S-Seal), and draining processes the oldest atom with `$next` (S-Atom: its offset move, its
// effects and the atoms it emits commit together) until none is left. An atom whose transaction
// aborts is still processed: the driver then commits `$skip`, which moves the offset alone (S-Skip).
// Before it processes anything, the driver waits for every request the client has running (an `async`
// call may publish atoms when it commits), so the order is the reference model's (docs/language.md §14).
// When no method but the consumers emits, only the client's own `emit` publishes, and the driver drains
// after those alone.
//
// The bug zoo's broken drivers (runtime/zoo.ts) live here too: `offset-before-effects` commits the
// offset first and the atom's effects in a transaction of their own; `atom-split` runs each event of
// an atom as its own transaction.

import { streamsEntity, streamsKey } from '../semantics/desugar/streams.ts';
import type { Atom, AtomReport, Outcome, Request, StreamHost, TransactionHost } from '../semantics/transactions.ts';
import { listToArray, listValue, mapGet, mapStore, referenceValue, voidValue, type ListValue, type MapValue, type Value } from '../semantics/values.ts';
import type { CommittedEntity } from './store.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Term } from '../semantics/core.ts';

/** Whether a split program runs streams (it has the `$Streams` entity). */
export function hasStreams(program: SplitProgram): boolean {
  return program.entities.has(streamsEntity);
}

/** The fields of `$Streams(0)` before anything happened, as a host seeds them. */
export function streamsSeed(program: SplitProgram): { entity: string; key: number; fields: Map<string, Value | undefined> } {
  const entity = program.entities.get(streamsEntity)!;
  const fields = new Map<string, Value | undefined>([[entity.keyName, streamsKey]]);
  for (const field of entity.fields) fields.set(field.name, field.initial);
  return { entity: streamsEntity, key: streamsKey, fields };
}

const target = referenceValue(streamsEntity, streamsKey);

/**
 * Whether a method other than a consumer may emit (a call of `$Streams(0).$emit` in one of its blocks):
 * only then can a request of the client's publish an atom. A consumer emits only inside `$next`, whose
 * atoms the drain loop takes anyway.
 */
export function methodsEmit(program: SplitProgram): boolean {
  const emits = (term: Term): boolean => {
    switch (term.kind) {
      case 'Let': case 'Set': case 'ReadSelf': case 'WriteSelf': return emits(term.body);
      case 'LetCont': return emits(term.continuationBody) || emits(term.body);
      case 'Call': return term.entity === streamsEntity && term.method === '$emit';
      default: return false;
    }
  };
  for (const entity of program.entities.values()) {
    if (entity.name === streamsEntity) continue;
    for (const method of entity.methods.values()) {
      if (method.name.startsWith('on ')) continue;
      for (const block of method.blocks) {
        if (emits(block.body) || [...block.continuations.values()].some((continuation) => emits(continuation.body))) return true;
      }
    }
  }
  return false;
}

export class StreamDriver implements StreamHost {
  /** The client appended an atom since the last drain. */
  private appended = false;
  private readonly requestsMayPublish: boolean;

  constructor(
    program: SplitProgram,
    private readonly host: Pick<TransactionHost, 'submit' | 'outcome'>,
    /** Waits until every request the client has submitted is answered. */
    private readonly awaitClient: () => void,
    private readonly bug: string = 'none',
  ) {
    this.requestsMayPublish = methodsEmit(program);
  }

  private run(request: Request): Outcome {
    return this.host.outcome(this.host.submit(request));
  }

  private call(method: string, args: Value[]): Outcome {
    return this.run({ kind: 'call', target, method, args });
  }

  private committed(method: string, args: Value[]): Value {
    const outcome = this.call(method, args);
    if (outcome.kind === 'aborted') throw new Error(`assertion: ${streamsEntity}.${method} aborted: ${outcome.message}`);
    return outcome.value;
  }

  append(stream: string, events: readonly Value[]): 'appended' | 'sealed' {
    if (this.committed('$append', [stream, listValue(events)]) === false) return 'sealed';
    this.appended = true;
    return 'appended';
  }

  seal(stream: string): void {
    this.committed('$seal', [stream]);
  }

  drain(report: (processed: AtomReport) => void): void {
    // Nothing can have been published since the last drain: no request of the client's runs an `emit`,
    // and the client appended nothing. (The queue was empty when the last drain ended.)
    if (!this.appended && !this.requestsMayPublish) return;
    this.appended = false;
    this.awaitClient();
    for (;;) {
      const processed = this.bug === 'offset-before-effects' ? this.offsetFirst()
        : this.bug === 'atom-split' ? this.eventByEvent()
          : this.next();
      if (processed === undefined) return;
      report(processed);
    }
  }

  /** S-Atom, and S-Skip after an abort. */
  private next(): AtomReport | undefined {
    const outcome = this.call('$next', []);
    if (outcome.kind === 'committed') {
      const atom = atomOf(outcome.value);
      return atom === undefined ? undefined : { atom, outcome: { kind: 'committed', value: voidValue } };
    }
    const atom = atomOf(this.committed('$skip', []));
    if (atom === undefined) throw new Error('assertion: an atom aborted, and none is left to skip');
    return { atom, outcome };
  }

  /** The zoo's `offset-before-effects`: the offset commits first, the effects in a transaction of their own. */
  private offsetFirst(): AtomReport | undefined {
    const value = this.committed('$skip', []);
    const atom = atomOf(value);
    if (atom === undefined) return undefined;
    const outcome = this.call('$deliver', [value]);
    return { atom, outcome: outcome.kind === 'committed' ? { kind: 'committed', value: voidValue } : outcome };
  }

  /** The zoo's `atom-split`: each event of the atom is a transaction of its own, then the offset moves. */
  private eventByEvent(): AtomReport | undefined {
    const head = this.committed('$peek', []);
    const atom = atomOf(head);
    if (atom === undefined) return undefined;
    let outcome: Outcome = { kind: 'committed', value: voidValue };
    for (const event of atom.events) {
      const part = this.call('$deliver', [listValue([atom.stream, atom.offset, listValue([event])])]);
      if (part.kind === 'aborted' && outcome.kind === 'committed') outcome = part;
    }
    this.committed('$skip', []);
    return { atom, outcome };
  }
}

/** `[stream, offset, events]` as an atom, or undefined for `[]` (no atom). */
export function atomOf(value: Value): Atom | undefined {
  const items = listToArray(value as ListValue);
  if (items.length === 0) return undefined;
  return { stream: items[0] as string, offset: items[1] as number, events: listToArray(items[2] as ListValue) };
}

/**
 * The zoo's `output-again-on-recovery`: a node that recovers publishes again the oldest atom still queued
 * in its `$Streams(0)`, as if it replayed the end of an output log without asking what it had already
 * published. The copy takes a new offset: it shows up as an atom that no transaction emitted.
 */
export function republishQueued(entity: CommittedEntity): CommittedEntity {
  const fields = new Map(entity.fields);
  const head = fields.get('head') as number;
  const tail = fields.get('tail') as number;
  let queue = fields.get('queue') as MapValue;
  let published = fields.get('published') as MapValue;
  let end = tail;
  for (let position = head; position < Math.min(tail, head + 1); position++) {
    const [stream, , events] = listToArray(mapGet(queue, position) as ListValue);
    const offset = mapGet(published, stream as string) as number;
    published = mapStore(published, stream as string, offset + 1);
    queue = mapStore(queue, end++, listValue([stream, offset, events]));
  }
  fields.set('queue', queue);
  fields.set('published', published);
  fields.set('tail', end);
  return { ...entity, fields };
}
