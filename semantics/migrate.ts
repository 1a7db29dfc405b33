// Stage: semantics. Carrying entity states over to a new version of a program (the REPL redeclared an
// entity): an entity keeps its state when its type still exists with the same key type, its fields keep
// their values where their types are unchanged, and new fields take their defaults. An entity that cannot
// keep its state is dropped, with the reason.

import type { TypedEntity, TypedProgram } from './typed.ts';
import { typeToString } from './types.ts';
import { canonical, referenceValue, type MapKey, type Value } from './values.ts';

export interface EntityState {
  readonly entity: string;
  readonly key: MapKey;
  readonly fields: ReadonlyMap<string, Value | undefined>;
}

export interface Migration {
  readonly kept: readonly EntityState[];
  /** One line for each entity that could not keep its state. */
  readonly notes: readonly string[];
}

export function migrateStates(states: Iterable<EntityState>, program: TypedProgram, previous: TypedProgram): Migration {
  const kept: EntityState[] = [];
  const notes: string[] = [];
  for (const state of states) {
    const id = canonical(referenceValue(state.entity, state.key));
    const entity = program.entities.get(state.entity);
    if (entity === undefined) {
      notes.push(`${id} was dropped: entity ${state.entity} is no longer declared`);
      continue;
    }
    const problem = migrationProblem(entity, previous.entities.get(state.entity));
    if (problem !== undefined) {
      notes.push(`${id} was dropped: ${problem}`);
      continue;
    }
    const fields = new Map<string, Value | undefined>([[entity.keyName, state.key]]);
    for (const field of entity.fields) fields.set(field.name, state.fields.has(field.name) ? state.fields.get(field.name) : field.initial);
    kept.push({ entity: state.entity, key: state.key, fields });
  }
  return { kept, notes };
}

function migrationProblem(entity: TypedEntity, old: TypedEntity | undefined): string | undefined {
  if (old === undefined) return undefined;
  if (old.keyType.kind !== entity.keyType.kind) return `the key of ${entity.name} is now ${typeToString(entity.keyType)}`;
  for (const field of entity.fields) {
    const before = old.fields.find((candidate) => candidate.name === field.name);
    if (before !== undefined && typeToString(before.type) !== typeToString(field.type)) {
      return `field ${field.name} changed from ${typeToString(before.type)} to ${typeToString(field.type)}`;
    }
    if (before === undefined && field.initial === undefined) return `new field ${field.name} has no default to start from`;
  }
  return undefined;
}
