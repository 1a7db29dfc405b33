// Stage: semantics/desugar. Atomic streams in the core calculus (docs/language.md §14, "Streams on every
// semantics"): the streams of a program become the state of one system-owned entity, `$Streams(0)`, and
// every step of a stream is an ordinary method of it, so that an atom is processed by an ordinary
// transaction of whatever runs the split program (the machine, 2PL, Aria) and its offset moves in the
// same commit as its effects:
//
// - `queue`: the atoms published and not yet processed, by their place in the one queue of publication
//   order (`head` is the oldest, `tail` the next place); each atom is `[stream, offset, events]`;
// - `published` and `processed`: per stream, how many atoms were published and processed (the
//   consumers' offset); `sealed`: per stream, whether it is sealed.
//
// Methods (each rule's name is the one of proofs/semantics.md):
// - `$append(s, events)` publishes a client atom (`S-Append`), or answers false when `s` is sealed;
// - `$emit(s, events)` is `emit` in a transaction (`S-Emit`): a call on `$Streams(0)`, so the atom is in
//   the transaction's writes and is published when it commits, in commit order (`S-Publish`); a sealed
//   stream aborts the transaction (A0113, `stream s is sealed`);
// - `$seal(s)` (`S-Seal`);
// - `$next()` takes the oldest atom, moves its stream's offset (`S-Offset`), routes every event to its
//   consumers by their keys (`S-Route`, through `$key$S$C`, computed from the event alone), then
//   delivers each event to each consumer, creating a missing entity first (`S-Ensure`, `new?` in `ent
//   cps`) and calling its `on S` method (`S-Deliver`). It answers the atom, or `[]` when none is left.
//   All of it is one transaction (`S-Atom`): an abort anywhere rolls back the atom's effects and its
//   offset move together;
// - `$skip()` moves the offset past the oldest atom without running it (`S-Skip`): what the driver
//   commits after the atom's transaction aborted, since an aborted atom is processed (never retried);
// - `$peek()` answers the oldest atom (or `[]`) and changes nothing;
// - `$deliver(atom)` runs an atom's routing and delivery without touching the queue or the offsets:
//   only the bug zoo's broken drivers use it (an offset committed apart from the atom's effects).

import type { Span } from '../../grammar/span.ts';
import { constant, variable, type Atom, type CoreEntity, type CoreMethod, type Primitive, type Term } from '../core.ts';
import type * as T from '../typed.ts';
import { voidType } from '../types.ts';
import { listValue, mapValue, referenceValue, voidValue, type MapKey, type Value } from '../values.ts';

/** The system-owned entity type that holds the streams, and its one entity. */
export const streamsEntity = '$Streams';
export const streamsKey = 0;
export const streamsReference = referenceValue(streamsEntity, streamsKey);

export type StreamMethod = '$append' | '$emit' | '$seal' | '$next' | '$skip' | '$peek' | '$deliver';

/** The name of the routing method of consumer `consumer` on `stream`. */
export function keyMethodName(stream: string, consumer: string): string {
  return `$key$${stream}$${consumer}`;
}

/** The fields of `$Streams(0)` in a program with these streams, before anything happened. */
export function initialStreamFields(streams: Iterable<string>): { readonly name: string; readonly initial: Value }[] {
  const names = [...streams];
  const perStream = (value: Value): Value => mapValue(new Map<MapKey, Value>(names.map((name) => [name, value])));
  return [
    { name: 'queue', initial: mapValue(new Map()) },
    { name: 'head', initial: 0 },
    { name: 'tail', initial: 0 },
    { name: 'published', initial: perStream(0) },
    { name: 'processed', initial: perStream(0) },
    { name: 'sealed', initial: perStream(false) },
  ];
}

/** `emit S e` in a transaction (S-Emit): a call of `$Streams(0).$emit("S", e)`, whose answer is dropped. */
export function emitCall(stream: string, events: Atom, continuation: string, span: Span): Term {
  return {
    kind: 'Call', receiver: constant(streamsReference), entity: streamsEntity, method: '$emit',
    args: [constant(stream), events], async: false, continuation, span,
  };
}

/**
 * The `$Streams` entity of a program, or undefined when it declares no stream. `desugarKey` desugars a
 * consumer's routing key as a method of `$Streams` taking the event.
 */
export function streamsCoreEntity(program: T.TypedProgram, desugarKey: (method: T.TypedMethod) => CoreMethod): CoreEntity | undefined {
  if (program.streams.size === 0) return undefined;
  const span = [...program.streams.values()][0].span;
  const methods = new Map<string, CoreMethod>();
  const add = (name: string, parameters: string[], body: Term): void => {
    methods.set(name, { entity: streamsEntity, name, parameters, body, span });
  };
  add('$append', ['stream', 'events'], new Builder(span).append(false));
  add('$emit', ['stream', 'events'], new Builder(span).append(true));
  add('$seal', ['stream'], new Builder(span).seal());
  add('$next', [], new Builder(span).take(program, true));
  add('$skip', [], new Builder(span).take(program, false));
  add('$peek', [], new Builder(span).peek());
  add('$deliver', ['atom'], new Builder(span).process(program, () => ({ kind: 'Return', value: variable('atom'), span })));
  for (const stream of program.streams.values()) {
    for (const consumer of stream.consumers) {
      const handler = program.entities.get(consumer)!.handlers.get(stream.name)!;
      const keyMethod: T.TypedMethod = {
        entity: streamsEntity, name: keyMethodName(stream.name, consumer), isInit: false, parameters: [handler.parameter],
        result: voidType,
        body: [{ kind: 'Return', value: handler.key, span: handler.key.span }], slotCount: handler.keySlotCount, span: handler.key.span,
      };
      methods.set(keyMethod.name, { ...desugarKey(keyMethod), entity: streamsEntity });
    }
  }
  return { name: streamsEntity, keyName: 'id', fields: initialStreamFields(program.streams.keys()), methods };
}

/** Builds the terms of one method; continuation names are numbered within it. */
class Builder {
  private count = 0;

  constructor(private readonly span: Span) {}

  private fresh(purpose: string): string {
    return `${purpose}${++this.count}`;
  }

  private let(name: string, primitive: Primitive, body: Term): Term {
    return { kind: 'Let', variable: name, primitive, body, span: this.span };
  }

  private read(name: string, field: string, body: Term): Term {
    return { kind: 'ReadSelf', variable: name, field, body, span: this.span };
  }

  private write(field: string, value: string, body: Term): Term {
    return { kind: 'WriteSelf', field, value: variable(value), body, span: this.span };
  }

  private binary(operator: '+' | '==' | '<' | '*', left: Atom, right: Atom): Primitive {
    return { kind: 'Binary', operator, left, right };
  }

  private index(container: 'list' | 'map', base: string, index: Atom): Primitive {
    return { kind: 'Index', container, base: variable(base), index };
  }

  private returns(value: Atom): Term {
    return { kind: 'Return', value, span: this.span };
  }

  /** `if condition { thenBody } else { elseBody }`. */
  private branch(condition: string, thenBody: Term, elseBody: Term): Term {
    const thenName = this.fresh('then');
    const elseName = this.fresh('else');
    return {
      kind: 'LetCont', name: thenName, parameters: [], continuationBody: thenBody, span: this.span,
      body: {
        kind: 'LetCont', name: elseName, parameters: [], continuationBody: elseBody, span: this.span,
        body: { kind: 'Branch', condition: variable(condition), thenContinuation: thenName, elseContinuation: elseName, span: this.span },
      },
    };
  }

  /** `letcont name(parameters) = body in rest`. */
  private continuation(name: string, parameters: string[], body: Term, rest: Term): Term {
    return { kind: 'LetCont', name, parameters, continuationBody: body, body: rest, span: this.span };
  }

  private jump(name: string, args: Atom[]): Term {
    return { kind: 'Jump', continuation: name, args, span: this.span };
  }

  /** `$append` (S-Append, answering whether it published) and `$emit` (S-Emit, aborting on a sealed stream). */
  append(inTransaction: boolean): Term {
    const published = this.read('published', 'published',
      this.let('offset', this.index('map', 'published', variable('stream')),
        this.let('offset1', this.binary('+', variable('offset'), constant(1)),
          this.let('published1', { kind: 'Store', container: 'map', base: variable('published'), index: variable('stream'), value: variable('offset1') },
            this.write('published', 'published1',
              this.let('atom', { kind: 'List', elements: [variable('stream'), variable('offset'), variable('events')] },
                this.read('queue', 'queue', this.read('tail', 'tail',
                  this.let('queue1', { kind: 'Store', container: 'map', base: variable('queue'), index: variable('tail'), value: variable('atom') },
                    this.write('queue', 'queue1',
                      this.let('tail1', this.binary('+', variable('tail'), constant(1)),
                        this.write('tail', 'tail1', this.returns(constant(inTransaction ? voidValue : true))))))))))))));
    const refused: Term = inTransaction
      ? this.let('message1', this.binary('+', constant('stream '), variable('stream')),
        this.let('message', this.binary('+', variable('message1'), constant(' is sealed')),
          { kind: 'Abort', message: variable('message'), span: this.span, code: 'A0113' }))
      : this.returns(constant(false));
    return this.read('sealed', 'sealed',
      this.let('isSealed', this.index('map', 'sealed', variable('stream')), this.branch('isSealed', refused, published)));
  }

  /** `$peek`: the oldest atom, or `[]`; nothing changes. */
  peek(): Term {
    return this.read('head', 'head', this.read('tail', 'tail',
      this.let('empty', this.binary('==', variable('head'), variable('tail')),
        this.branch('empty', this.returns(constant(listValue([]))),
          this.read('queue', 'queue', this.let('atom', this.index('map', 'queue', variable('head')), this.returns(variable('atom'))))))));
  }

  /** `$seal` (S-Seal): sealing a sealed stream changes nothing. */
  seal(): Term {
    return this.read('sealed', 'sealed',
      this.let('sealed1', { kind: 'Store', container: 'map', base: variable('sealed'), index: variable('stream'), value: constant(true) },
        this.write('sealed', 'sealed1', this.returns(constant(voidValue)))));
  }

  /**
   * `$next` and `$skip`: take the oldest atom off the queue and move its stream's offset past it
   * (S-Offset); `$next` then processes it in the same transaction, `$skip` does not (S-Skip).
   */
  take(program: T.TypedProgram, process: boolean): Term {
    const after = process ? this.process(program, () => this.returns(variable('atom'))) : this.returns(variable('atom'));
    const offsetMoved = this.read('processed', 'processed',
      this.let('offset', this.index('map', 'processed', variable('taken')),
        this.let('offset1', this.binary('+', variable('offset'), constant(1)),
          this.let('processed1', { kind: 'Store', container: 'map', base: variable('processed'), index: variable('taken'), value: variable('offset1') },
            this.write('processed', 'processed1', after)))));
    const taken = this.read('queue', 'queue',
      this.let('atom', this.index('map', 'queue', variable('head')),
        this.let('queue1', { kind: 'Mutate', method: 'remove', target: variable('queue'), arg: variable('head') },
          this.write('queue', 'queue1',
            this.let('head1', this.binary('+', variable('head'), constant(1)),
              this.write('head', 'head1',
                this.let('taken', this.index('list', 'atom', constant(0)), offsetMoved)))))));
    return this.read('head', 'head', this.read('tail', 'tail',
      this.let('empty', this.binary('==', variable('head'), variable('tail')),
        this.branch('empty', this.returns(constant(listValue([]))), taken))));
  }

  /** The atom in `atom`, routed (S-Route) and delivered (S-Ensure, S-Deliver) by the consumers of its stream; then `done`. */
  process(program: T.TypedProgram, done: () => Term): Term {
    const doneName = this.fresh('done');
    let dispatch: Term = this.jump(doneName, []);
    for (const stream of [...program.streams.values()].reverse()) {
      if (stream.consumers.length === 0) continue;
      const isStream = this.fresh('is');
      dispatch = this.let(isStream, this.binary('==', variable('stream'), constant(stream.name)),
        this.branch(isStream, this.streamAtom(program, stream, doneName), dispatch));
    }
    return this.let('stream', this.index('list', 'atom', constant(0)),
      this.let('events', this.index('list', 'atom', constant(2)),
        this.let('count', { kind: 'ValueMethod', method: 'len', receiver: variable('events'), args: [] },
          this.continuation(doneName, [], done(), dispatch))));
  }

  /** The routing loop, then the delivery loop, of one stream's atom. */
  private streamAtom(program: T.TypedProgram, stream: T.TypedStream, doneName: string): Term {
    const consumers = stream.consumers;
    const route = this.fresh('route');
    const deliver = this.fresh('deliver');
    const i = `i$${stream.name}`;
    const keys = `keys$${stream.name}`;
    const j = `j$${stream.name}`;
    // Routing: for each event, each consumer's key, by a call of `$key$S$C` on `$Streams(0)` itself.
    let routeStep: Term = this.let(`${i}1`, this.binary('+', variable(i), constant(1)), this.jump(route, [variable(`${i}1`), variable(`${keys}${consumers.length}`)]));
    for (let c = consumers.length - 1; c >= 0; c--) {
      const resumed = this.fresh('routed');
      const key = `key${c}$${stream.name}`;
      routeStep = this.continuation(resumed, [key],
        this.let(`${keys}${c + 1}`, { kind: 'Mutate', method: 'push', target: variable(`${keys}${c}`), arg: variable(key) }, routeStep),
        {
          kind: 'Call', receiver: variable('me'), entity: streamsEntity, method: keyMethodName(stream.name, consumers[c]),
          args: [variable(`event$${stream.name}`)], async: false, continuation: resumed, span: this.span,
        });
    }
    routeStep = this.let(`event$${stream.name}`, this.index('list', 'events', variable(i)), this.let(`${keys}0`, { kind: 'Atom', atom: variable(keys) }, routeStep));
    // Delivery: for each event, for each consumer, create the entity if absent and run its consumer.
    let deliverStep: Term = this.let(`${j}1`, this.binary('+', variable(j), constant(1)), this.jump(deliver, [variable(`${j}1`)]));
    for (let c = consumers.length - 1; c >= 0; c--) {
      const consumer = consumers[c];
      const handler = program.entities.get(consumer)!.handlers.get(stream.name)!;
      const ensured = this.fresh('ensured');
      const delivered = this.fresh('delivered');
      const place = `place${c}$${stream.name}`;
      const key = `dkey${c}$${stream.name}`;
      const target = `target${c}$${stream.name}`;
      deliverStep = this.let(`base${c}$${stream.name}`, this.binary('*', variable(j), constant(consumers.length)),
        this.let(place, this.binary('+', variable(`base${c}$${stream.name}`), constant(c)),
          this.let(key, this.index('list', keys, variable(place)),
            this.continuation(ensured, [target],
              this.continuation(delivered, [`unit${c}$${stream.name}`], deliverStep, {
                kind: 'Call', receiver: variable(target), entity: consumer, method: handler.method.name,
                args: [variable(`devent$${stream.name}`)], async: false, continuation: delivered, span: handler.span,
              }),
              { kind: 'New', entity: consumer, key: variable(key), args: [], continuation: ensured, span: handler.span, ifAbsent: true }))));
    }
    deliverStep = this.let(`devent$${stream.name}`, this.index('list', 'events', variable(j)), deliverStep);
    const deliverLoop = this.continuation(deliver, [j],
      this.let(`dmore$${stream.name}`, this.binary('<', variable(j), variable('count')),
        this.branch(`dmore$${stream.name}`, deliverStep, this.jump(doneName, []))),
      this.jump(deliver, [constant(0)]));
    const routeLoop = this.continuation(route, [i, keys],
      this.let(`more$${stream.name}`, this.binary('<', variable(i), variable('count')),
        this.branch(`more$${stream.name}`, routeStep, deliverLoop)),
      this.jump(route, [constant(0), constant(listValue([]))]));
    return this.let('me', { kind: 'SelfReference' }, routeLoop);
  }
}
