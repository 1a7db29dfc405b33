// Stage: semantics/reference. The global entity store of the sequential model, with an undo log: every
// change a transaction makes to any entity is recorded, so that an abort restores the store exactly. A
// field's value before the transaction is recorded once, at its first write: recording every write
// would keep every version of a list a loop pushes to, and the step budget would no longer bound memory.

import type { TypedEntity } from '../typed.ts';
import { canonical, referenceValue, type MapKey, type ReferenceValue, type Value } from '../values.ts';

export interface EntityState {
  readonly entity: string;
  readonly key: MapKey;
  /** Every field, the key included; `undefined` marks a field that `init` has not assigned yet. */
  readonly fields: Map<string, Value | undefined>;
}

type Undo =
  | { readonly kind: 'field'; readonly id: string; readonly field: string; readonly previous: Value | undefined }
  | { readonly kind: 'created'; readonly id: string };

/** The identity of an entity: its canonical reference, `Item("apple")`. */
export function entityId(entity: string, key: MapKey): string {
  return canonical(referenceValue(entity, key));
}

export class EntityStore {
  private readonly states = new Map<string, EntityState>();
  private undoLog: Undo[] | undefined;
  /** The fields the open transaction has written, by entity: their values before it are in the log. */
  private readonly written = new Map<EntityState, Set<string>>();

  get(reference: ReferenceValue): EntityState | undefined {
    return this.states.get(entityId(reference.entity, reference.key));
  }

  has(reference: ReferenceValue): boolean {
    return this.states.has(entityId(reference.entity, reference.key));
  }

  /** Every entity, in creation order. */
  all(): IterableIterator<EntityState> {
    return this.states.values();
  }

  get size(): number {
    return this.states.size;
  }

  create(entity: TypedEntity, key: MapKey): EntityState {
    const id = entityId(entity.name, key);
    const fields = new Map<string, Value | undefined>([[entity.keyName, key]]);
    for (const field of entity.fields) fields.set(field.name, field.initial);
    const state: EntityState = { entity: entity.name, key, fields };
    this.states.set(id, state);
    this.undoLog?.push({ kind: 'created', id });
    return state;
  }

  write(state: EntityState, field: string, value: Value): void {
    if (this.undoLog !== undefined) {
      let fields = this.written.get(state);
      if (fields === undefined) this.written.set(state, fields = new Set());
      if (!fields.has(field)) {
        fields.add(field);
        this.undoLog.push({ kind: 'field', id: entityId(state.entity, state.key), field, previous: state.fields.get(field) });
      }
    }
    state.fields.set(field, value);
  }

  begin(): void {
    if (this.undoLog !== undefined) throw new Error('assertion: a transaction is already open');
    this.undoLog = [];
  }

  commit(): void {
    this.undoLog = undefined;
    this.written.clear();
  }

  /** Undoes every change since `begin`, newest first. */
  rollback(): void {
    const log = this.undoLog ?? [];
    for (let index = log.length - 1; index >= 0; index--) {
      const undo = log[index];
      if (undo.kind === 'created') {
        this.states.delete(undo.id);
      } else {
        this.states.get(undo.id)?.fields.set(undo.field, undo.previous);
      }
    }
    this.undoLog = undefined;
    this.written.clear();
  }

  /** Starts the store from these states (the REPL carries its entities over to a new program). */
  restore(states: Iterable<{ readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> }>): void {
    this.states.clear();
    for (const state of states) this.states.set(entityId(state.entity, state.key), { entity: state.entity, key: state.key, fields: new Map(state.fields) });
  }
}
