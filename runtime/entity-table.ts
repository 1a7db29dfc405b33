// Stage: runtime. Entity states of the split program's runtime, with a per-transaction undo log so that
// an abort restores every entity the transaction touched (including the ones it created). A field's
// value before the transaction is logged at its first write only, so that the log does not keep every
// version of a list a loop pushes to (the step budget bounds memory only if garbage can be collected).

import type { SplitEntity } from '../semantics/split/index.ts';
import { abort, canonical, referenceValue, type MapKey, type ReferenceValue, type Value } from '../semantics/values.ts';

export interface EntityRecord {
  readonly entity: string;
  readonly key: MapKey;
  /** Every field, the key included; `undefined` marks a field that `init` has not assigned yet. */
  readonly fields: Map<string, Value | undefined>;
}

type Undo =
  | { readonly kind: 'write'; readonly record: EntityRecord; readonly field: string; readonly previous: Value | undefined }
  | { readonly kind: 'create'; readonly id: string };

export class EntityTable {
  private readonly records = new Map<string, EntityRecord>();
  private undo: Undo[] = [];
  /** The fields written since `begin`, by entity: their earlier values are in `undo`. */
  private readonly written = new Map<EntityRecord, Set<string>>();

  get(reference: ReferenceValue): EntityRecord | undefined {
    return this.records.get(canonical(reference));
  }

  /** The entity, or the abort `no such entity …`. */
  existing(reference: ReferenceValue): EntityRecord {
    const found = this.get(reference);
    if (found === undefined) abort('A0106', `no such entity ${canonical(reference)}`);
    return found;
  }

  all(): IterableIterator<EntityRecord> {
    return this.records.values();
  }

  create(entity: SplitEntity, key: MapKey): EntityRecord {
    const reference = referenceValue(entity.name, key);
    const id = canonical(reference);
    if (this.records.has(id)) abort('A0107', `${id} already exists`);
    const fields = new Map<string, Value | undefined>([[entity.keyName, key]]);
    for (const field of entity.fields) fields.set(field.name, field.initial);
    const record: EntityRecord = { entity: entity.name, key, fields };
    this.records.set(id, record);
    this.undo.push({ kind: 'create', id });
    return record;
  }

  write(record: EntityRecord, field: string, value: Value): void {
    let fields = this.written.get(record);
    if (fields === undefined) this.written.set(record, fields = new Set());
    if (!fields.has(field)) {
      fields.add(field);
      this.undo.push({ kind: 'write', record, field, previous: record.fields.get(field) });
    }
    record.fields.set(field, value);
  }

  /** Starts the table from these states (the REPL carries its entities over to a new program). */
  restore(states: Iterable<{ readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> }>): void {
    this.records.clear();
    for (const state of states) {
      this.records.set(canonical(referenceValue(state.entity, state.key)), { entity: state.entity, key: state.key, fields: new Map(state.fields) });
    }
  }

  begin(): void {
    this.undo = [];
    this.written.clear();
  }

  commit(): void {
    this.undo = [];
    this.written.clear();
  }

  rollback(): void {
    for (let index = this.undo.length - 1; index >= 0; index--) {
      const entry = this.undo[index];
      if (entry.kind === 'create') this.records.delete(entry.id);
      else entry.record.fields.set(entry.field, entry.previous);
    }
    this.undo = [];
    this.written.clear();
  }
}
