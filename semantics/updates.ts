// Stage: semantics. Live updates (docs/language.md §15), as every semantics sees them. The code version
// of each updated entity type is the state of one system-owned entity, `$Code(0)`; an update is a
// request `$Code(0).$install(T, v)` that writes it (U-Update), and the client submits it like any other
// transaction, in its place in the run block. Each entity of an updated type remembers in its hidden
// field `$version` the version its state is in; a transaction that uses the entity under a newer
// version first migrates it (U-Migrate: the fields the newer versions add take their defaults, then
// each version's `migrate { … }` runs, in order). A migration reads and writes its own entity alone
// (E0522), so migrating at the entity's first use equals migrating every entity at the update, in
// everything a program or a checker can observe.

import type { TypedEntity, TypedProgram, TypedUpdate } from './typed.ts';
import { referenceValue, type Value } from './values.ts';

/** The system-owned entity type that holds the code versions, and its one entity. */
export const codeEntity = '$Code';
export const codeKey = 0;
export const codeReference = referenceValue(codeEntity, codeKey);
/** The hidden field in which an entity of an updated type keeps the version of its state. */
export const versionField = '$version';

/** A read of field f of an updated type is a call of its getter `$get$f` in the split program. */
export const getterPrefix = '$get$';

/** Whether the program has live updates. */
export function hasUpdates(program: TypedProgram): boolean {
  return (program.updates?.length ?? 0) > 0;
}

/** The entity types that some update changes. */
export function updatedTypes(program: TypedProgram): ReadonlySet<string> {
  return new Set((program.updates ?? []).map((update) => update.entity));
}

/** Version `version` of `entity`'s code (0 is its declaration). */
export function updateOf(program: TypedProgram, entity: string, version: number): TypedUpdate {
  const update = (program.updates ?? []).find((candidate) => candidate.entity === entity && candidate.version === version);
  if (update === undefined) throw new Error(`assertion: no version ${version} of ${entity}`);
  return update;
}

/** Every version of `entity`'s code, from its declaration on. */
export function versionsOf(program: TypedProgram, entity: string): readonly TypedEntity[] {
  return [program.entities.get(entity)!, ...(program.updates ?? []).filter((update) => update.entity === entity).map((update) => update.code)];
}

/** The request that installs version `version` of `entity` (U-Update). */
export function installArguments(entity: string, version: number): readonly Value[] {
  return [entity, version];
}
