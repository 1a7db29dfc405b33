// Stage: runtime. Workloads generated from a program: the entities of a small key space are created
// first (the setup: one in sixteen is left out, and a shrunk counterexample keeps only those it needs),
// then each of several clients makes up to a given number of random calls with arguments by type, and
// random field reads, one at a time. All randomness comes from one `pick`, so that a workload is a list
// of numbers: fast-check generates and shrinks such lists, and `ent check` draws them from its seed.

import type { Request } from '../semantics/transactions.ts';
import type { TypedEntity, TypedProgram } from '../semantics/typed.ts';
import type { Type } from '../semantics/types.ts';
import { listValue, mapValue, referenceValue, voidValue, type MapKey, type Value } from '../semantics/values.ts';
import { describeRequest, plural } from './describe.ts';
import { codeReference, installArguments } from '../semantics/updates.ts';

export interface Workload {
  /** Run one at a time, each awaited, before the clients start. */
  readonly setup: readonly Request[];
  /** Each client's requests, submitted one after another. */
  readonly clients: readonly (readonly Request[])[];
}

export interface WorkloadShape {
  readonly clients: number;
  /** At most: a client makes fewer one time in eight, and a shrunk counterexample as few as it needs. */
  readonly requestsPerClient: number;
  readonly keysPerEntity: number;
  /**
   * The ints the workload passes, the plainest first (default `plainInts`). A program whose methods
   * recurse on an int argument (the generated programs' fuel) needs small ones, or a call tree grows
   * exponentially with the argument.
   */
  readonly ints?: readonly number[];
  /**
   * How many times the setup creates every entity (default 1). An `init` that calls an entity of a type
   * created later aborts, and so does every request to the entity it did not create; a second round
   * creates it once the others exist (the ones already created abort with `already exists`).
   */
  readonly setupRounds?: number;
}

/** A shape in words, as `ent check` and `ent explore` print it: `2 clients × up to 1 request over 2 keys`. */
export function describeShape(shape: WorkloadShape): string {
  return `${plural(shape.clients, 'client')} × up to ${plural(shape.requestsPerClient, 'request')} over ${plural(shape.keysPerEntity, 'key')}`;
}

export const defaultShape: WorkloadShape = { clients: 3, requestsPerClient: 4, keysPerEntity: 2 };

export type Pick = (count: number) => number;

const strings = ['a', 'b', 'c', ''];

/** The ints a workload passes by default, -2 to 20, the plainest first: 1 (a deposit of 1), then 0, -1, -2, 2, 3, … */
export const plainInts: readonly number[] = [1, 0, -1, -2, ...Array.from({ length: 19 }, (_, index) => index + 2)];

/** The key number `index` of an entity's key space: `index` for int keys, `k<index>` for string keys. */
export function keyAt(entity: TypedEntity, index: number): MapKey {
  return entity.keyType.kind === 'int' ? index : `k${index}`;
}

export function keysOf(entity: TypedEntity, count: number): MapKey[] {
  return Array.from({ length: count }, (_, index) => keyAt(entity, index));
}

/** A random value of the type: small ints, a few strings, short lists and maps, references into the key space. */
export function randomValue(type: Type, pick: Pick, program: TypedProgram, shape: WorkloadShape, depth = 0): Value {
  const keys = shape.keysPerEntity;
  switch (type.kind) {
    case 'int': {
      const ints = shape.ints ?? plainInts;
      return ints[pick(ints.length)];
    }
    case 'bool': return pick(2) === 1;
    case 'string': return strings[pick(strings.length)];
    case 'list': {
      const length = depth > 1 ? 0 : pick(3);
      return listValue(Array.from({ length }, () => randomValue(type.element, pick, program, shape, depth + 1)));
    }
    case 'map': {
      const entries = new Map<MapKey, Value>();
      const size = depth > 1 ? 0 : pick(3);
      for (let index = 0; index < size; index++) {
        const key = randomValue(type.key, pick, program, shape, depth + 1) as MapKey;
        entries.set(key, randomValue(type.value, pick, program, shape, depth + 1));
      }
      return mapValue(entries);
    }
    case 'entity': {
      return referenceValue(type.name, keyAt(program.entities.get(type.name)!, pick(keys)));
    }
    case 'void':
    case 'error':
    case 'future':
      return voidValue;
  }
}

/**
 * One setup entity in this many is left out of a random workload; 0, the plainest number, leaves it out,
 * so that a shrunk counterexample keeps only the entities it needs.
 */
const setupSkipOneIn = 16;

export function generateWorkload(program: TypedProgram, shape: WorkloadShape, pick: Pick): Workload {
  const entities = [...program.entities.values()];
  const setup: Request[] = [];
  for (let round = 0; round < (shape.setupRounds ?? 1); round++) {
    for (const entity of entities) {
      for (const key of keysOf(entity, shape.keysPerEntity)) {
        // Both numbers are drawn whether or not the entity is kept, so that leaving one out does not
        // change what the numbers after it mean.
        const args = (entity.init?.parameters ?? []).map((parameter) => randomValue(parameter.type, pick, program, shape));
        if (pick(setupSkipOneIn) !== 0) setup.push({ kind: 'new', entity: entity.name, key, args });
      }
    }
  }
  const clients = Array.from({ length: shape.clients }, () => {
    // The full count unless the number is small (one time in eight), so that a counterexample whose
    // numbers were zeroed keeps only the requests it needs: 0 is no request at all.
    // Every request is drawn, and the first `count` kept, so that one client's count does not change
    // what the numbers after it mean for the next client.
    const count = Math.min(shape.requestsPerClient, pick(8 * shape.requestsPerClient));
    return Array.from({ length: shape.requestsPerClient }, () => randomRequest(program, entities, shape, pick)).slice(0, count);
  });
  const updates = program.updates ?? [];
  if (updates.length > 0 && clients.length > 0) clients[0] = withInstalls(clients[0], updates, pick);
  return { setup, clients };
}

/**
 * A program with live updates: the run block's updates (`$Code(0).$install(T, v)`, U-Update), in their
 * order, at places the numbers choose among the first client's requests, so that the other clients'
 * transactions run while each is installed and every transaction and atom must still run wholly on one
 * version (U-Version). Drawn only for such programs, so no other program's numbers change meaning.
 */
function withInstalls(requests: readonly Request[], updates: NonNullable<TypedProgram['updates']>, pick: Pick): Request[] {
  const merged: Request[] = [];
  let taken = 0;
  for (const update of updates) {
    const before = pick(requests.length - taken + 1);
    merged.push(...requests.slice(taken, taken + before));
    taken += before;
    merged.push({ kind: 'call', target: codeReference, method: '$install', args: installArguments(update.entity, update.version) });
  }
  merged.push(...requests.slice(taken));
  return merged;
}

function randomRequest(program: TypedProgram, entities: readonly TypedEntity[], shape: WorkloadShape, pick: Pick): Request {
  const entity = entities[pick(entities.length)];
  const target = referenceValue(entity.name, keyAt(entity, pick(shape.keysPerEntity)));
  const methods = [...entity.methods.values()];
  // A field read one time in eight; 0, the most ordinary choice, is a call of the first method.
  if (methods.length === 0 || (entity.fields.length > 0 && pick(8) === 7)) {
    const fields = [entity.keyName, ...entity.fields.map((field) => field.name)];
    return { kind: 'read', target, field: fields[pick(fields.length)] };
  }
  const method = methods[pick(methods.length)];
  const args = method.parameters.map((parameter) => randomValue(parameter.type, pick, program, shape));
  return { kind: 'call', target, method: method.name, args };
}

/**
 * The workload in words, one request a line; `answer` gives what a request got (its value, or its
 * abort), so that a setup step that aborted is not taken for one that was done.
 */
export function describeWorkload(workload: Workload, answer: (request: Request) => string | undefined = () => undefined): string {
  const line = (request: Request): string => {
    const answered = answer(request);
    return `  ${describeRequest(request)}${answered === undefined ? '' : `  → ${answered}`}`;
  };
  const lines = workload.setup.length === 0 ? ['setup: nothing'] : ['setup:', ...workload.setup.map(line)];
  workload.clients.forEach((requests, client) => {
    if (requests.length > 0) lines.push(`client ${client}:`, ...requests.map(line));
  });
  return lines.join('\n');
}
