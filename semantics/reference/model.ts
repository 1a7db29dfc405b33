// Stage: semantics/reference. The sequential reference model: the definitional interpreter of the typed
// AST over one global store, one transaction at a time. A transaction is one client request (a call, a
// field read or a `new`) with every call it makes, transitively; an abort anywhere rolls the store back
// to before the request. Every other semantics is held against this one, so it shares no evaluation code
// with the CPS path (only the value algebra of `values.ts`). Calls run on an explicit stack
// (`resumable.ts`), so a recursion of any depth runs until the step budget stops it. An atom of a stream
// is processed as one transaction too (`processAtom`): every event goes to every consumer of its stream,
// and the atoms that a transaction emits are published only when it commits (`streams.ts`).

import type { Span } from '../../grammar/span.ts';
import type * as T from '../typed.ts';
import {
  abort, canonical, listToArray, listValue, mapValue, referenceValue, TransactionAbort, voidValue, type ListValue, type MapKey, type ReferenceValue, type Value,
} from '../values.ts';
import type { Completion, Frame } from './evaluator.ts';
import { ResumableEvaluator, type Creation, type Invocation } from './resumable.ts';
import { EntityStore, type EntityState } from './store.ts';
import { StreamState } from './streams.ts';
import { streamsEntity } from '../desugar/streams.ts';
import { codeEntity, codeKey, getterPrefix, updatedTypes, updateOf, versionField, versionsOf } from '../updates.ts';
import type { Atom, Outcome, Request } from '../transactions.ts';

export const defaultStepLimit = 1_000_000;

export interface ReferenceOptions {
  /** Small steps one transaction may take before it aborts with `step limit exceeded`. */
  readonly stepLimit?: number;
}

/** An abort with the span of the innermost statement that raised it, for traces and the REPL. */
class LocatedAbort {
  constructor(readonly abort: TransactionAbort, readonly span: Span) {}
}

export class ReferenceModel extends ResumableEvaluator {
  readonly store = new EntityStore();
  readonly streams = new StreamState();
  private readonly stepLimit: number;
  private steps = 0;
  private futures: Value[] = [];
  /** The atoms the open transaction has emitted, published when it commits. */
  private outbox: { readonly stream: string; readonly events: readonly Value[] }[] = [];
  /** Stream steps that take effect only if the open transaction commits (`$next` taking its atom). */
  private onCommit: (() => void)[] = [];

  /** The current version of each entity type that the program updates (U-Update). */
  private readonly versions = new Map<string, number>();
  private readonly updated: ReadonlySet<string>;
  /**
   * Every field of every version of an updated type, with the default it is declared with first: an
   * entity holds them all from its creation (those of later versions unused until it migrates), as the
   * split program's entities do, so that the final states of the two compare field by field.
   */
  private readonly allFields = new Map<string, ReadonlyMap<string, Value | undefined>>();

  constructor(private program: T.TypedProgram, options: ReferenceOptions = {}) {
    super();
    this.stepLimit = options.stepLimit ?? defaultStepLimit;
    this.updated = updatedTypes(program);
    for (const entity of this.updated) {
      this.versions.set(entity, 0);
      const fields = new Map<string, Value | undefined>();
      for (const code of versionsOf(program, entity)) {
        for (const field of code.fields) if (!fields.has(field.name)) fields.set(field.name, field.initial);
      }
      this.allFields.set(entity, fields);
    }
  }

  /** The code versions as the split semantics' `$Code(0)` holds them, when the program has updates. */
  codeState(): EntityState | undefined {
    if (this.updated.size === 0) return undefined;
    const versions = mapValue(new Map<MapKey, Value>([...this.versions]));
    return { entity: codeEntity, key: codeKey, fields: new Map<string, Value | undefined>([['id', codeKey], ['versions', versions]]) };
  }

  /** The code version of an updated entity type (0 for its declaration). */
  codeVersion(entity: string): number {
    return this.versions.get(entity) ?? 0;
  }

  /**
   * A request on the system-owned `$Code(0)` (semantics/updates.ts). `$install(T, v)` is the update
   * (U-Update): from here on, every transaction runs version v of T; each existing entity of T is
   * migrated at its next use (U-Migrate, \`upToDate\`). `$version(T)` answers the version (U-Version).
   */
  private codeCall(method: string, args: readonly Value[]): Value {
    const entity = args[0] as string;
    switch (method) {
      case '$install': {
        const version = args[1] as number;
        // Installing a version again changes nothing (a broken runtime of the zoo installs each update on several copies).
        if (version <= this.codeVersion(entity)) return voidValue;
        if (version !== this.codeVersion(entity) + 1) throw new Error(`assertion: version ${version} of ${entity} installed after ${this.codeVersion(entity)}`);
        const update = updateOf(this.program, entity, version);
        this.versions.set(entity, version);
        this.program = { ...this.program, entities: update.entities };
        return voidValue;
      }
      case '$version':
        return this.codeVersion(entity);
      default:
        throw new Error(`assertion: no code step ${method}`);
    }
  }

  /**
   * U-Migrate: an entity of an updated type whose state is in an older version than its type's code is
   * brought up to it before anything uses it: for each newer version in turn, the fields it adds take
   * their defaults and its \`migrate { … }\` runs. It is part of the transaction that uses the entity,
   * so an abort of the migration (a runtime error) aborts that transaction and leaves the state as it was.
   */
  private upToDate(state: EntityState): EntityState {
    if (!this.updated.has(state.entity)) return state;
    const target = this.codeVersion(state.entity);
    for (let version = (state.fields.get(versionField) as number) + 1; version <= target; version++) {
      const update = updateOf(this.program, state.entity, version);
      for (const field of update.added) this.store.write(state, field.name, field.initial!);
      if (update.migrate !== undefined) this.run({ method: update.migrate, self: state, args: [] });
      this.store.write(state, versionField, version);
    }
    return state;
  }
  get typedProgram(): T.TypedProgram {
    return this.program;
  }

  /** Runs one transaction to completion: committed with its value, or aborted and rolled back. */
  execute(request: Request): Outcome {
    return this.transaction(() => this.dispatch(request));
  }

  /**
   * Processes one atom as one transaction (`S-Atom` in proofs/semantics.md): first every event is routed
   * (`S-Route`) (each consumer's key computed
   * from the event alone), then, event by event in atom order and for each event consumer by consumer in
   * declaration order, the consumer's body runs on the entity with that key (created with no arguments
   * when there is none; `S-Deliver`). Any abort rolls the whole atom back; either way the atom is processed.
   */
  processAtom(atom: Atom): Outcome {
    return this.transaction(() => this.deliverAtom(atom));
  }

  /** Routes and delivers an atom inside the open transaction (S-Route, S-Ensure, S-Deliver). */
  private deliverAtom(atom: Atom): Value {
    {
      const stream = this.program.streams.get(atom.stream);
      if (stream === undefined) throw new Error(`assertion: unknown stream ${atom.stream}`);
      const deliveries: { readonly handler: T.TypedHandler; readonly key: MapKey; readonly event: Value }[] = [];
      for (const event of atom.events) {
        for (const consumer of stream.consumers) {
          const handler = this.program.entities.get(consumer)!.handlers.get(stream.name)!;
          this.tick();
          const frame: Frame = { self: undefined, slots: [event], result: voidValue };
          let key: MapKey;
          try {
            key = this.expression(handler.key, frame) as MapKey;
          } catch (error) {
            throw this.locatedError(error, handler.key.span);
          }
          deliveries.push({ handler, key, event });
        }
      }
      for (const { handler, key, event } of deliveries) {
        const reference = referenceValue(handler.entity, key);
        if (!this.store.has(reference)) {
          const creation = this.createEntity(handler.entity, key, []);
          if (creation.init !== undefined) this.run(creation.init);
        }
        this.run({ method: handler.method, self: this.upToDate(this.store.get(reference)!), args: [event] });
      }
      return voidValue;
    }
  }

  /**
   * A request on the system-owned `$Streams(0)`, by which the split and distributed semantics run
   * streams (semantics/desugar/streams.ts): the same step on this model's streams, so that a run of
   * theirs replays here (checkers/replay.ts). `$next` takes the atom off the queue only if it commits.
   */
  private streamCall(method: string, args: readonly Value[]): Value {
    const atomValue = (atom: Atom | undefined): Value => atom === undefined ? listValue([]) : listValue([atom.stream, atom.offset, listValue(atom.events)]);
    switch (method) {
      case '$append': {
        const stream = args[0] as string;
        if (this.streams.isSealed(stream)) return false;
        this.outbox.push({ stream, events: listToArray(args[1] as ListValue) });
        return true;
      }
      case '$emit':
        this.emit(args[0] as string, listToArray(args[1] as ListValue));
        return voidValue;
      case '$seal':
        this.seal(args[0] as string);
        return voidValue;
      case '$peek':
        return atomValue(this.streams.peek());
      case '$skip':
        return atomValue(this.streams.next());
      case '$next': {
        const atom = this.streams.peek();
        if (atom === undefined) return listValue([]);
        this.deliverAtom(atom);
        this.onCommit.push(() => this.streams.next());
        return atomValue(atom);
      }
      case '$deliver': {
        const items = listToArray(args[0] as ListValue);
        this.deliverAtom({ stream: items[0] as string, offset: items[1] as number, events: listToArray(items[2] as ListValue) });
        return args[0];
      }
      default:
        throw new Error(`assertion: no stream step ${method}`);
    }
  }

  /** Runs `body` as one transaction: committed with its atoms published (`S-Publish`), or rolled back with none. */
  private transaction(body: () => Value): Outcome {
    this.steps = 0;
    this.futures = [];
    this.outbox = [];
    this.onCommit = [];
    this.store.begin();
    try {
      const value = body();
      this.store.commit();
      for (const then of this.onCommit) then();
      this.onCommit = [];
      for (const atom of this.outbox) this.streams.publish(atom.stream, atom.events);
      this.outbox = [];
      return { kind: 'committed', value };
    } catch (error) {
      this.store.rollback();
      this.outbox = [];
      if (error instanceof LocatedAbort) return { kind: 'aborted', code: error.abort.code, message: error.abort.message, span: error.span };
      if (error instanceof TransactionAbort) return { kind: 'aborted', code: error.code, message: error.message, span: undefined };
      throw error;
    }
  }

  private dispatch(request: Request): Value {
    switch (request.kind) {
      case 'call':
        if (request.target.entity === streamsEntity) return this.streamCall(request.method, request.args);
        if (request.target.entity === codeEntity) return this.codeCall(request.method, request.args);
        // A read of an updated type's field, as the split program's hosts submit it (its getter, runtime/updates.ts).
        if (this.updated.has(request.target.entity) && request.method.startsWith(getterPrefix)) {
          return this.readRemote(request.target, request.method.slice(getterPrefix.length));
        }
        return this.run(this.invocationOf(request.target, request.method, request.args));
      case 'read':
        return this.readRemote(request.target, request.field);
      case 'new': {
        const creation = this.createEntity(request.entity, request.key, request.args);
        if (creation.init !== undefined) this.run(creation.init);
        return creation.reference;
      }
    }
  }

  // --------------------------------------------------------------------------------------- effects

  protected override tick(weight = 1): void {
    this.steps += weight;
    if (this.steps > this.stepLimit) abort('A0108', 'step limit exceeded');
  }

  protected override statement(statement: T.Statement, frame: Frame): Completion {
    try {
      return super.statement(statement, frame);
    } catch (error) {
      throw this.locatedError(error, statement.span);
    }
  }

  /** An abort carries the span of the innermost statement that raised it. */
  protected override locatedError(error: unknown, span: Span): unknown {
    return error instanceof TransactionAbort ? new LocatedAbort(error, span) : error;
  }

  private existing(reference: ReferenceValue): EntityState {
    const state = this.store.get(reference);
    if (state === undefined) abort('A0106', `no such entity ${canonical(reference)}`);
    return this.upToDate(state);
  }

  protected override readSelf(frame: Frame, field: string): Value {
    return fieldOf(frame.self!, field);
  }

  protected override writeSelf(frame: Frame, field: string, value: Value): void {
    this.store.write(frame.self!, field, value);
  }

  protected override readLocal(frame: Frame, variable: T.Variable): Value {
    return frame.slots[variable.slot]!;
  }

  protected override readRemote(reference: ReferenceValue, field: string): Value {
    // An entity's key never changes, so reading it is no use of the state and migrates nothing (U-Migrate),
    // as in the split semantics, where only the other fields of an updated type are read through getters.
    if (field === this.program.entities.get(reference.entity)?.keyName) {
      if (this.store.get(reference) === undefined) abort('A0106', `no such entity ${canonical(reference)}`);
      return reference.key;
    }
    return fieldOf(this.existing(reference), field);
  }

  protected override invocationOf(reference: ReferenceValue, methodName: string, args: readonly Value[]): Invocation {
    this.tick();
    const self = this.existing(reference);
    const method = this.program.entities.get(self.entity)!.methods.get(methodName);
    if (method === undefined) throw new Error(`assertion: ${self.entity} has no method ${methodName}`);
    return { method, self, args };
  }

  protected override createEntity(entityName: string, key: MapKey, args: readonly Value[]): Creation {
    this.tick();
    const entity = this.program.entities.get(entityName)!;
    const reference = referenceValue(entityName, key);
    if (this.store.has(reference)) abort('A0107', `${canonical(reference)} already exists`);
    const self = this.store.create(entity, key);
    if (this.updated.has(entityName)) {
      for (const [field, initial] of this.allFields.get(entityName)!) if (!self.fields.has(field)) self.fields.set(field, initial);
      self.fields.set(versionField, this.codeVersion(entityName));
    }
    return { reference, init: entity.init === undefined ? undefined : { method: entity.init, self, args } };
  }

  /** Inside a transaction the call runs to completion where it is started; the future holds its result. */
  protected override completedFuture(result: Value): Value {
    this.futures.push(result);
    return { kind: 'future', id: this.futures.length - 1 };
  }

  protected override awaitFuture(future: Value): Value {
    return this.futures[(future as { id: number }).id];
  }

  protected override abortStatement(message: string): Completion {
    return abort('A0101', message);
  }

  protected override print(): void {
    throw new Error('assertion: print in a method passed the checker');
  }

  /** `emit` in a transaction (`S-Emit`): the atom waits in the outbox until the transaction commits. */
  protected override emit(stream: string, events: readonly Value[]): void {
    this.tick();
    if (this.streams.isSealed(stream)) abort('A0113', `stream ${stream} is sealed`);
    this.outbox.push({ stream, events });
  }

  /** Only a `$seal` request of the split semantics' driver seals here (the checker keeps `seal` out of methods). */
  protected override seal(stream: string): void {
    this.streams.seal(stream);
  }
}

function fieldOf(state: EntityState, field: string): Value {
  const value = state.fields.get(field);
  if (value === undefined) abort('A0109', `uninitialized field ${canonical(referenceValue(state.entity, state.key))}.${field}`);
  return value;
}
