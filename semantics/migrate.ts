// Stage: semantics. Carrying entity states and the client's references over to a new version of a
// program (the REPL redeclared an entity). A redeclaration is accepted when everything that exists still
// fits it: every entity keeps its state (fields of an unchanged type keep their values, new fields take
// their defaults, removed fields are dropped, with a note), and every reference held in a variable or a
// field still names an entity of the same key type. Otherwise it is refused, with one problem per thing
// that would break, and nothing changes: a reference with an int key to an entity now keyed by strings
// would give wrong answers rather than errors.

import type { TypedEntity, TypedProgram } from './typed.ts';
import { typeToString, type Type } from './types.ts';
import { canonical, referenceValue, type MapKey, type Value } from './values.ts';

export interface EntityState {
  readonly entity: string;
  readonly key: MapKey;
  readonly fields: ReadonlyMap<string, Value | undefined>;
}

/** A client variable and its static type: what references it may hold. */
export interface HeldVariable {
  readonly name: string;
  readonly type: Type;
}

export interface MigrationProblem {
  /** The redeclared entity whose new declaration does not fit. */
  readonly entity: string;
  readonly message: string;
}

export type Migration =
  | {
      readonly kind: 'migrated';
      readonly kept: readonly EntityState[];
      /** What was dropped on the way (a removed field's values), one line each. */
      readonly notes: readonly string[];
    }
  | { readonly kind: 'refused'; readonly problems: readonly MigrationProblem[] };

/** Whether the type can hold a reference to `entity`, at any depth. */
export function mentionsEntity(type: Type, entity: string): boolean {
  switch (type.kind) {
    case 'entity': return type.name === entity;
    case 'list': return mentionsEntity(type.element, entity);
    case 'map': return mentionsEntity(type.key, entity) || mentionsEntity(type.value, entity);
    case 'future': return mentionsEntity(type.result, entity);
    default: return false;
  }
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** "Counter(1) holds", "Counter(1), Counter(2) hold": the names, and the verb that agrees with them. */
function subject(names: readonly string[], verb: string, plural = verb.replace(/s$/, '')): string {
  return `${listed(names)} ${names.length === 1 ? verb : plural}`;
}

export function migrateStates(
  states: Iterable<EntityState>, variables: readonly HeldVariable[], program: TypedProgram, previous: TypedProgram,
): Migration {
  const all = [...states];
  const problems: MigrationProblem[] = [];
  const notes: string[] = [];
  for (const entity of program.entities.values()) {
    const old = previous.entities.get(entity.name);
    if (old === undefined) continue;
    const instances = all.filter((state) => state.entity === entity.name).map((state) => canonical(referenceValue(state.entity, state.key)));
    problems.push(...keyProblems(entity, old, instances, variables, all, previous));
    if (instances.length === 0) continue;
    const problem = (message: string): void => {
      problems.push({ entity: entity.name, message });
    };
    for (const field of entity.fields) {
      const before = old.fields.find((candidate) => candidate.name === field.name);
      const [was, now] = [before === undefined ? '' : typeToString(before.type), typeToString(field.type)];
      if (before !== undefined && was !== now) {
        problem(`field ${field.name} changes from ${was} to ${now}, but ${subject(instances, 'holds')} ${was} values in it`);
      } else if (before === undefined && field.initial === undefined) {
        problem(`the new field ${field.name} has no default, and ${subject(instances, 'exists', 'exist')} without a value for it`);
      }
    }
    for (const field of old.fields) {
      if (entity.fields.some((candidate) => candidate.name === field.name)) continue;
      notes.push(`field ${entity.name}.${field.name} is gone: ${subject(instances, 'loses', 'lose')} its value`);
    }
  }
  if (problems.length > 0) return { kind: 'refused', problems };
  return { kind: 'migrated', kept: all.flatMap((state) => carried(state, program)), notes };
}

/** A changed key type breaks every existing entity of the type and every reference to one. */
function keyProblems(
  entity: TypedEntity, old: TypedEntity, instances: readonly string[], variables: readonly HeldVariable[],
  states: readonly EntityState[], previous: TypedProgram,
): MigrationProblem[] {
  if (old.keyType.kind === entity.keyType.kind) return [];
  const [was, now] = [typeToString(old.keyType), typeToString(entity.keyType)];
  const change = `the key of ${entity.name} changes from ${was} to ${now}`;
  const holders = variables.filter((variable) => mentionsEntity(variable.type, entity.name)).map((variable) => `\`${variable.name}\``);
  const holdingFields = states.flatMap((state) => (previous.entities.get(state.entity)?.fields ?? [])
    .filter((field) => mentionsEntity(field.type, entity.name))
    .map((field) => `${canonical(referenceValue(state.entity, state.key))}.${field.name}`));
  const references = [...holders, ...holdingFields];
  const problems: MigrationProblem[] = [];
  if (instances.length > 0) problems.push({ entity: entity.name, message: `${change}, but ${subject(instances, 'exists', 'exist')} with ${was} keys` });
  if (references.length > 0) {
    problems.push({ entity: entity.name, message: `${change}, but ${subject(references, 'holds')} ${entity.name} references with ${was} keys` });
  }
  return problems;
}

/** The state under the new declaration: the key, the kept fields, and the defaults of new ones. */
function carried(state: EntityState, program: TypedProgram): EntityState[] {
  const entity = program.entities.get(state.entity);
  if (entity === undefined) return [state];
  const fields = new Map<string, Value | undefined>([[entity.keyName, state.key]]);
  for (const field of entity.fields) fields.set(field.name, state.fields.has(field.name) ? state.fields.get(field.name) : field.initial);
  return [{ entity: state.entity, key: state.key, fields }];
}
