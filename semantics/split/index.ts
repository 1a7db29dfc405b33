// Stage: semantics/split. Core CPS terms → the split program: per entity, the set of blocks that the
// paper calls its state machine (the dataflow operator of the entity). Splitting is closure conversion
// plus defunctionalization of the continuations that calls capture: each continuation named by a call,
// a remote field read or a `new` becomes a block whose parameters are its own parameters followed by
// the variables live at its entry, and a suspended call carries a frame {block, live values}.
// A continuation also becomes a block when it is jumped to from inside another block (a loop around a
// call): it is then reached by a local `goto`, with the live variables copied by name.
//
// Calls on `self` are split like any other call. Treating them alike keeps one rule for every call,
// and it is what makes re-entrancy work: a call that comes back to an entity while one of its
// activations is suspended runs on the entity's current state, sees the changes the suspended one
// made, and its own changes are seen when the suspended one resumes, exactly as in one sequential
// program. The runtime may deliver a call on `self` without a network message; the block structure is
// the same either way.

import type { Span } from '../../grammar/span.ts';
import { primitiveAtoms, type Atom, type CoreEntity, type CoreMethod, type CoreProgram, type Term } from '../core.ts';

/** A local continuation of a block: jumped to within the block, never captured. */
export interface LocalContinuation {
  readonly name: string;
  readonly parameters: readonly string[];
  readonly body: Term;
}

export interface SplitBlock {
  readonly name: string;
  readonly entity: string;
  readonly method: string;
  /** The continuation it came from (`entry` for the method's first block). */
  readonly origin: string;
  /** Parameters passed explicitly: the method's parameters, a call's result, a continuation's arguments. */
  readonly parameters: readonly string[];
  /** Variables live at entry, carried by the frame (or copied by a `goto`) by name. */
  readonly live: readonly string[];
  readonly body: Term;
  readonly continuations: ReadonlyMap<string, LocalContinuation>;
  readonly span: Span;
}

export interface SplitMethod {
  readonly entity: string;
  readonly name: string;
  readonly parameters: readonly string[];
  readonly entry: string;
  /** In order: the entry block first. */
  readonly blocks: readonly SplitBlock[];
}

export interface SplitEntity {
  readonly name: string;
  readonly keyName: string;
  readonly fields: CoreEntity['fields'];
  readonly methods: ReadonlyMap<string, SplitMethod>;
  /** Every block of every method, by name: the entity's operator. */
  readonly blocks: ReadonlyMap<string, SplitBlock>;
}

export interface SplitProgram {
  readonly entities: ReadonlyMap<string, SplitEntity>;
}

export function splitProgram(program: CoreProgram): SplitProgram {
  const entities = new Map<string, SplitEntity>();
  for (const entity of program.entities.values()) {
    const methods = new Map<string, SplitMethod>();
    const blocks = new Map<string, SplitBlock>();
    for (const method of entity.methods.values()) {
      const split = splitMethod(method);
      methods.set(method.name, split);
      for (const block of split.blocks) blocks.set(block.name, block);
    }
    entities.set(entity.name, { name: entity.name, keyName: entity.keyName, fields: entity.fields, methods, blocks });
  }
  return { entities };
}

type LetCont = Extract<Term, { kind: 'LetCont' }>;

export function splitMethod(method: CoreMethod): SplitMethod {
  const definitions = collectContinuations(method.body);
  const blockContinuations = chooseBlocks(method.body, definitions);
  const liveIn = liveness(definitions);
  const blockNames = new Map<string, string>();
  let count = 0;
  for (const name of definitions.keys()) {
    if (blockContinuations.has(name)) blockNames.set(name, `${method.name}_${++count}`);
  }
  const rename = (name: string): string => blockNames.get(name) ?? name;
  const makeBlock = (name: string, origin: string, parameters: readonly string[], body: Term, span: Span): SplitBlock => {
    const live = origin === 'entry' ? [] : [...liveIn.get(origin)!].filter((variable) => !parameters.includes(variable)).sort();
    const lifted = liftBlocks(body, blockContinuations, rename);
    return {
      name, entity: method.entity, method: method.name, origin, parameters, live,
      body: lifted, continuations: localContinuations(lifted), span,
    };
  };
  const blocks = [makeBlock(`${method.name}_0`, 'entry', method.parameters, method.body, method.span)];
  for (const [name, blockName] of blockNames) {
    const definition = definitions.get(name)!;
    blocks.push(makeBlock(blockName, name, definition.parameters, definition.continuationBody, definition.span));
  }
  return { entity: method.entity, name: method.name, parameters: method.parameters, entry: blocks[0].name, blocks };
}

/** Every `letcont` of the term, by name, in the order the term runs. */
export function collectContinuations(term: Term): Map<string, LetCont> {
  const found = new Map<string, LetCont>();
  const walk = (current: Term): void => {
    switch (current.kind) {
      case 'Let': case 'Set': case 'ReadSelf': case 'WriteSelf':
        walk(current.body);
        return;
      case 'LetCont':
        walk(current.body);
        found.set(current.name, current);
        walk(current.continuationBody);
        return;
      default:
        return;
    }
  };
  walk(term);
  return found;
}

/** The continuations a term refers to, with the kind of reference. */
function references(term: Term): { name: string; captured: boolean }[] {
  switch (term.kind) {
    case 'Jump': return [{ name: term.continuation, captured: false }];
    case 'Branch': return [{ name: term.thenContinuation, captured: false }, { name: term.elseContinuation, captured: false }];
    case 'Call': case 'ReadRemote': case 'New': return [{ name: term.continuation, captured: true }];
    default: return [];
  }
}

/**
 * The continuations that become blocks: those a call captures, and, until nothing changes, those
 * referred to from a block other than the one (or the method entry) they are defined in.
 */
function chooseBlocks(body: Term, definitions: ReadonlyMap<string, LetCont>): Set<string> {
  const blocks = new Set<string>();
  for (;;) {
    const home = new Map<string, string>();
    const uses: { name: string; captured: boolean; site: string }[] = [];
    const walk = (term: Term, site: string): void => {
      for (const reference of references(term)) uses.push({ ...reference, site });
      switch (term.kind) {
        case 'Let': case 'Set': case 'ReadSelf': case 'WriteSelf':
          walk(term.body, site);
          return;
        case 'LetCont':
          home.set(term.name, site);
          walk(term.body, site);
          walk(term.continuationBody, blocks.has(term.name) ? term.name : site);
          return;
        default:
          return;
      }
    };
    walk(body, 'entry');
    const before = blocks.size;
    for (const use of uses) {
      if (!definitions.has(use.name)) throw new Error(`assertion: continuation ${use.name} is not defined`);
      if (use.captured || home.get(use.name) !== use.site) blocks.add(use.name);
    }
    if (blocks.size === before) return blocks;
  }
}

function atomVariables(atoms: readonly Atom[]): string[] {
  return atoms.flatMap((atom) => (atom.kind === 'Variable' ? [atom.name] : []));
}

/** Live variables at each continuation's entry (its parameters excluded), to a fixpoint. */
function liveness(definitions: ReadonlyMap<string, LetCont>): Map<string, Set<string>> {
  const liveIn = new Map<string, Set<string>>();
  for (const name of definitions.keys()) liveIn.set(name, new Set());
  const live = (term: Term): Set<string> => {
    switch (term.kind) {
      case 'Let':
      case 'Set': {
        const after = live(term.body);
        after.delete(term.variable);
        for (const name of atomVariables(primitiveAtoms(term.primitive))) after.add(name);
        return after;
      }
      case 'ReadSelf': {
        const after = live(term.body);
        after.delete(term.variable);
        return after;
      }
      case 'WriteSelf':
        return new Set([...live(term.body), ...atomVariables([term.value])]);
      case 'LetCont':
        return live(term.body);
      case 'Jump':
        return new Set([...liveIn.get(term.continuation)!, ...atomVariables(term.args)]);
      case 'Branch':
        return new Set([...atomVariables([term.condition]), ...liveIn.get(term.thenContinuation)!, ...liveIn.get(term.elseContinuation)!]);
      case 'Call':
        return new Set([...atomVariables([term.receiver, ...term.args]), ...liveIn.get(term.continuation)!]);
      case 'ReadRemote':
        return new Set([...atomVariables([term.object]), ...liveIn.get(term.continuation)!]);
      case 'New':
        return new Set([...atomVariables([term.key, ...term.args]), ...liveIn.get(term.continuation)!]);
      case 'Return':
        return new Set(atomVariables([term.value]));
      case 'Abort':
        return new Set(atomVariables([term.message]));
    }
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, definition] of definitions) {
      const entry = live(definition.continuationBody);
      for (const parameter of definition.parameters) entry.delete(parameter);
      const previous = liveIn.get(name)!;
      if (entry.size !== previous.size || [...entry].some((variable) => !previous.has(variable))) {
        liveIn.set(name, entry);
        changed = true;
      }
    }
  }
  return liveIn;
}

/** Removes the `letcont`s that became blocks and points every reference to a block at its name. */
function liftBlocks(term: Term, blocks: ReadonlySet<string>, rename: (name: string) => string): Term {
  const lift = (current: Term): Term => liftBlocks(current, blocks, rename);
  switch (term.kind) {
    case 'Let': case 'Set': case 'ReadSelf': case 'WriteSelf':
      return { ...term, body: lift(term.body) };
    case 'LetCont':
      if (blocks.has(term.name)) return lift(term.body);
      return { ...term, continuationBody: lift(term.continuationBody), body: lift(term.body) };
    case 'Jump':
      return { ...term, continuation: rename(term.continuation) };
    case 'Branch':
      return { ...term, thenContinuation: rename(term.thenContinuation), elseContinuation: rename(term.elseContinuation) };
    case 'Call': case 'ReadRemote': case 'New':
      return { ...term, continuation: rename(term.continuation) };
    case 'Return': case 'Abort':
      return term;
  }
}

function localContinuations(body: Term): Map<string, LocalContinuation> {
  const table = new Map<string, LocalContinuation>();
  for (const [name, definition] of collectContinuations(body)) {
    table.set(name, { name, parameters: definition.parameters, body: definition.continuationBody });
  }
  return table;
}
