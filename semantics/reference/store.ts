// Stage: semantics/reference. The global entity store of the sequential model, with an undo log: every
// change a transaction makes to any entity is recorded, so that an abort restores the store exactly.

import type { TypedEntity, TypedProgram } from '../typed.ts';
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
    this.undoLog?.push({ kind: 'field', id: entityId(state.entity, state.key), field, previous: state.fields.get(field) });
    state.fields.set(field, value);
  }

  begin(): void {
    if (this.undoLog !== undefined) throw new Error('assertion: a transaction is already open');
    this.undoLog = [];
  }

  commit(): void {
    this.undoLog = undefined;
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
  }

  /**
   * Carries the store over to a new version of the program (the REPL redeclared entities): keeps each
   * entity whose type still exists, keeps fields whose type is unchanged, and gives new fields their
   * defaults. Returns one line per entity that could not keep its state.
   */
  migrate(program: TypedProgram, previous: TypedProgram): string[] {
    const notes: string[] = [];
    for (const [id, state] of [...this.states]) {
      const entity = program.entities.get(state.entity);
      const old = previous.entities.get(state.entity);
      if (entity === undefined) {
        this.states.delete(id);
        notes.push(`${id} was removed: entity ${state.entity} is no longer declared`);
        continue;
      }
      const problem = migrationProblem(entity, old);
      if (problem !== undefined) {
        this.states.delete(id);
        notes.push(`${id} was removed: ${problem}`);
        continue;
      }
      const fields = new Map<string, Value | undefined>([[entity.keyName, state.key]]);
      for (const field of entity.fields) {
        fields.set(field.name, state.fields.has(field.name) ? state.fields.get(field.name) : field.initial);
      }
      this.states.set(id, { entity: state.entity, key: state.key, fields });
    }
    return notes;
  }
}

function migrationProblem(entity: TypedEntity, old: TypedEntity | undefined): string | undefined {
  if (old === undefined) return undefined;
  if (old.keyType.kind !== entity.keyType.kind) return `the key of ${entity.name} changed type`;
  for (const field of entity.fields) {
    const before = old.fields.find((candidate) => candidate.name === field.name);
    if (before !== undefined && JSON.stringify(before.type) !== JSON.stringify(field.type)) {
      return `field ${field.name} changed type`;
    }
    if (before === undefined && field.initial === undefined) {
      return `new field ${field.name} has no default to start from`;
    }
  }
  return undefined;
}
