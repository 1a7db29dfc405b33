// Stage: interpreter. The local small-step machine over the split program: one activation of one block
// on one entity, ⟨block, term, environment, frames⟩, reduced by named rules (proofs/semantics.md lists
// them with the same names). `step` is pure: it reads the entity's fields, never changes them, and
// returns the next activation with the write to apply, or the message the activation suspends on, or
// the value it returns, or the abort it raises. The runtime applies effects and delivers messages.

import type { Span } from '../grammar/span.ts';
import { boundVariables, type Atom, type Primitive, type Term } from '../semantics/core.ts';
import type { SplitBlock, SplitProgram } from '../semantics/split/index.ts';
import {
  applyBinary, applyBuiltin, applyMutation, applyUnary, applyValueMethod, canonical, listIndex, listStore, listValue,
  mapLookup, mapStore, mapValue, referenceValue, sizeOf, TransactionAbort,
  type ListValue, type MapKey, type MapValue, type ReferenceValue, type Value,
} from '../semantics/values.ts';
import type { DiagnosticCode } from '../diagnostics/catalog.ts';

/** Where a returned value goes: a suspended block of some entity, or the end of a `new`. */
export type Frame =
  | {
      readonly kind: 'resume';
      readonly self: ReferenceValue;
      readonly block: string;
      /** The values of the block's live variables, in the order of `SplitBlock.live`. */
      readonly values: readonly Value[];
      /** The call was `async`: the result is handed over as a future holding it. */
      readonly async: boolean;
    }
  /** `new` ran `init`; what returns to the caller is the new entity's reference. */
  | { readonly kind: 'created'; readonly reference: ReferenceValue };

/**
 * The frames a result returns to, innermost on top: a persistent linked stack. A call pushes one cell
 * and shares every frame below with its caller's message, so a call costs the same at any depth (a
 * copied array made a chain of n calls cost n² frames). `undefined` is the empty stack: the result
 * goes to the transaction's coordinator (or the client).
 */
export type FrameStack = { readonly top: Frame; readonly below: FrameStack } | undefined;

export function pushFrame(stack: FrameStack, frame: Frame): FrameStack {
  return { top: frame, below: stack };
}

/** How many frames a stack holds (walks it: for assertions, traces and tests, not for hot paths). */
export function stackDepth(stack: FrameStack): number {
  let depth = 0;
  for (let cell = stack; cell !== undefined; cell = cell.below) depth++;
  return depth;
}

/**
 * The values of an activation's variables. Each block gives every variable bound in it (its parameters,
 * its live variables, every `let`, `set`, field read and continuation parameter) a slot, so binding a
 * variable copies a small array instead of a map of names; a name bound twice (a `set`, a loop's
 * parameters on each iteration) keeps its slot, which is the meaning a map of names gives too.
 */
export interface Environment {
  readonly slots: ReadonlyMap<string, number>;
  readonly values: readonly (Value | undefined)[];
}

export interface Activation {
  readonly self: ReferenceValue;
  readonly block: SplitBlock;
  readonly term: Term;
  readonly env: Environment;
  /** Frames to return to, innermost last. */
  readonly stack: FrameStack;
}

/** A message an activation suspends on; its `stack` carries the caller's frame on top. */
export type Outgoing =
  | { readonly kind: 'invoke'; readonly target: ReferenceValue; readonly method: string; readonly args: readonly Value[]; readonly stack: FrameStack }
  | { readonly kind: 'read'; readonly target: ReferenceValue; readonly field: string; readonly stack: FrameStack }
  | { readonly kind: 'create'; readonly entity: string; readonly key: MapKey; readonly args: readonly Value[]; readonly stack: FrameStack; readonly ifAbsent?: boolean };

export type LocalRule =
  | 'L-Let' | 'L-Set' | 'L-Read-Self' | 'L-Write-Self' | 'L-LetCont' | 'L-Jump' | 'L-Goto'
  | 'L-Branch-True' | 'L-Branch-False' | 'L-Call' | 'L-Read-Remote' | 'L-New' | 'L-Return' | 'L-Abort' | 'L-Fail';

export type LocalStep =
  | {
      readonly kind: 'stepped';
      readonly rule: LocalRule;
      readonly span: Span;
      readonly next: Activation;
      readonly write: { readonly field: string; readonly value: Value } | undefined;
      /** Steps charged against the budget: 1, plus the size of a list, map or string the step built. */
      readonly cost: number;
    }
  | { readonly kind: 'suspended'; readonly rule: LocalRule; readonly span: Span; readonly outgoing: Outgoing }
  | { readonly kind: 'returned'; readonly rule: LocalRule; readonly span: Span; readonly value: Value; readonly stack: FrameStack }
  | { readonly kind: 'aborted'; readonly rule: LocalRule; readonly span: Span; readonly code: DiagnosticCode; readonly message: string };

/** A future inside a transaction: the call has completed, so the future holds its result. */
interface ResolvedFuture {
  readonly kind: 'future';
  readonly id: number;
  readonly result: Value;
}

export function resolvedFuture(result: Value): Value {
  const future: ResolvedFuture = { kind: 'future', id: 0, result };
  return future;
}

export function block(program: SplitProgram, entity: string, name: string): SplitBlock {
  const found = program.entities.get(entity)?.blocks.get(name);
  if (found === undefined) throw new Error(`assertion: no block ${entity}.${name}`);
  return found;
}

/** The activation that runs `method` of `self` with `args` (a call, or `init` for a `new`). */
export function enterMethod(
  program: SplitProgram,
  self: ReferenceValue,
  method: string,
  args: readonly Value[],
  stack: FrameStack,
): Activation {
  const splitMethod = program.entities.get(self.entity)?.methods.get(method);
  if (splitMethod === undefined) throw new Error(`assertion: no method ${self.entity}.${method}`);
  const entry = block(program, self.entity, splitMethod.entry);
  const env = emptyEnvironment(entry);
  entry.parameters.forEach((parameter, index) => bind(env, parameter, args[index]));
  return { self, block: entry, term: entry.body, env, stack };
}

/** The activation that resumes a suspended block with the value its call returned. */
export function resumeFrame(program: SplitProgram, frame: Extract<Frame, { kind: 'resume' }>, value: Value, stack: FrameStack): Activation {
  const resumed = block(program, frame.self.entity, frame.block);
  const env = emptyEnvironment(resumed);
  resumed.live.forEach((name, index) => bind(env, name, frame.values[index]));
  if (resumed.parameters.length > 0) bind(env, resumed.parameters[0], frame.async ? resolvedFuture(value) : value);
  return { self: frame.self, block: resumed, term: resumed.body, env, stack };
}

const layouts = new WeakMap<SplitBlock, ReadonlyMap<string, number>>();

/**
 * The block's slots, computed once per block: its parameters, its live variables and every name bound
 * in its body (which holds its local continuations' `letcont`s too).
 */
function layoutOf(splitBlock: SplitBlock): ReadonlyMap<string, number> {
  const cached = layouts.get(splitBlock);
  if (cached !== undefined) return cached;
  const slots = new Map<string, number>();
  for (const name of [...splitBlock.parameters, ...splitBlock.live, ...boundVariables(splitBlock.body)]) {
    if (!slots.has(name)) slots.set(name, slots.size);
  }
  layouts.set(splitBlock, slots);
  return slots;
}

/** A fresh environment for the block, every slot unbound; filled by `bind` before anyone sees it. */
export function emptyEnvironment(splitBlock: SplitBlock): { slots: ReadonlyMap<string, number>; values: (Value | undefined)[] } {
  const slots = layoutOf(splitBlock);
  return { slots, values: new Array<Value | undefined>(slots.size).fill(undefined) };
}

function slotOf(env: Environment, name: string): number {
  const slot = env.slots.get(name);
  if (slot === undefined) throw new Error(`assertion: variable ${name} has no slot in its block`);
  return slot;
}

/** Binds in an environment being built (never in one an activation already holds). */
export function bind(env: { slots: ReadonlyMap<string, number>; values: (Value | undefined)[] }, name: string, value: Value): void {
  env.values[slotOf(env, name)] = value;
}

export function variableValue(name: string, env: Environment): Value {
  const value = env.values[slotOf(env, name)];
  if (value === undefined) throw new Error(`assertion: variable ${name} is unbound`);
  return value;
}

export function atomValue(atom: Atom, env: Environment): Value {
  return atom.kind === 'Constant' ? atom.value : variableValue(atom.name, env);
}

/** Evaluates a primitive; may raise a TransactionAbort. The CPS path's own evaluator of pure terms. */
export function evaluatePrimitive(primitive: Primitive, env: Environment, self: ReferenceValue): Value {
  const value = (atom: Atom): Value => atomValue(atom, env);
  switch (primitive.kind) {
    case 'Atom': return value(primitive.atom);
    case 'Binary': return applyBinary(primitive.operator, value(primitive.left), value(primitive.right));
    case 'Unary': return applyUnary(primitive.operator, value(primitive.operand));
    case 'List': return listValue(primitive.elements.map(value));
    case 'Map': return mapValue(new Map(primitive.entries.map(([key, item]) => [value(key) as MapKey, value(item)])));
    case 'Index': {
      const base = value(primitive.base);
      const index = value(primitive.index);
      return primitive.container === 'list' ? listIndex(base as ListValue, index as number) : mapLookup(base as MapValue, index as MapKey);
    }
    case 'Store': {
      const base = value(primitive.base);
      const index = value(primitive.index);
      const item = value(primitive.value);
      return primitive.container === 'list' ? listStore(base as ListValue, index as number, item) : mapStore(base as MapValue, index as MapKey, item);
    }
    case 'ValueMethod': return applyValueMethod(primitive.method, value(primitive.receiver), primitive.args.map(value));
    case 'Mutate': return applyMutation(primitive.method, value(primitive.target), value(primitive.arg));
    case 'Builtin': return applyBuiltin(primitive.function, primitive.args.map(value));
    case 'Reference': return referenceValue(primitive.entity, value(primitive.key) as MapKey);
    case 'SelfReference': return self;
    case 'KeyOf': return (value(primitive.object) as ReferenceValue).key;
    case 'Await': return (value(primitive.future) as unknown as ResolvedFuture).result;
  }
}

/**
 * The primitives that build a list, map or string element by element (whose size the step is charged);
 * a store, push or remove updates a persistent value and costs its step alone (values.ts, `sizeOf`).
 */
export function builds(primitive: Primitive): boolean {
  return primitive.kind === 'List' || primitive.kind === 'Map' || primitive.kind === 'Binary'
    || primitive.kind === 'ValueMethod' || primitive.kind === 'Builtin';
}

/** A copy of the environment with more bindings: the activation it came from stays as it was. */
function withBindings(env: Environment, names: readonly string[], values: readonly Value[]): Environment {
  const copy = { slots: env.slots, values: env.values.slice() };
  names.forEach((name, index) => bind(copy, name, values[index]));
  return copy;
}

/** `withBindings` for one name, the common case of a step, without the arrays. */
function withBinding(env: Environment, name: string, value: Value): Environment {
  const copy = { slots: env.slots, values: env.values.slice() };
  bind(copy, name, value);
  return copy;
}

/** One small step of the activation. `fields` is the entity's state as it is now (read only). */
export function step(program: SplitProgram, activation: Activation, fields: ReadonlyMap<string, Value | undefined>): LocalStep {
  const { term, env, self } = activation;
  const span = term.span;
  const moveTo = (rule: LocalRule, next: Term, nextEnv: Environment, write?: { field: string; value: Value }, cost = 1): LocalStep => ({
    kind: 'stepped', rule, span, next: { self, block: activation.block, term: next, env: nextEnv, stack: activation.stack }, write, cost,
  });
  try {
    switch (term.kind) {
      case 'Let':
      case 'Set': {
        const value = evaluatePrimitive(term.primitive, env, self);
        const cost = 1 + (builds(term.primitive) ? sizeOf(value) : 0);
        return moveTo(term.kind === 'Let' ? 'L-Let' : 'L-Set', term.body, withBinding(env, term.variable, value), undefined, cost);
      }
      case 'ReadSelf': {
        const value = fields.get(term.field);
        if (value === undefined) return uninitialized(self, term.field, span);
        return moveTo('L-Read-Self', term.body, withBinding(env, term.variable, value));
      }
      case 'WriteSelf':
        return moveTo('L-Write-Self', term.body, env, { field: term.field, value: atomValue(term.value, env) });
      case 'LetCont':
        return moveTo('L-LetCont', term.body, env);
      case 'Jump':
        return jump(program, activation, term.continuation, term.args.map((atom) => atomValue(atom, env)), 'L-Jump', span);
      case 'Branch': {
        const condition = atomValue(term.condition, env) === true;
        return jump(program, activation, condition ? term.thenContinuation : term.elseContinuation, [],
          condition ? 'L-Branch-True' : 'L-Branch-False', span);
      }
      case 'Call':
      case 'ReadRemote':
      case 'New':
        return suspend(program, activation, term);
      case 'Return':
        return { kind: 'returned', rule: 'L-Return', span, value: atomValue(term.value, env), stack: activation.stack };
      case 'Abort':
        return { kind: 'aborted', rule: 'L-Abort', span, code: term.code ?? 'A0101', message: atomValue(term.message, env) as string };
    }
  } catch (error) {
    if (!(error instanceof TransactionAbort)) throw error;
    return { kind: 'aborted', rule: 'L-Fail', span, code: error.code, message: error.message };
  }
}

export function uninitialized(self: ReferenceValue, field: string, span: Span): Extract<LocalStep, { kind: 'aborted' }> {
  return { kind: 'aborted', rule: 'L-Fail', span, code: 'A0109', message: `uninitialized field ${canonical(self)}.${field}` };
}

/**
 * A jump to a local continuation binds its parameters and goes on in the same block (L-Jump, and the
 * branches); a jump to another block starts that block with the arguments and the live variables,
 * copied by name (L-Goto).
 */
function jump(program: SplitProgram, activation: Activation, target: string, args: readonly Value[], rule: LocalRule, span: Span): LocalStep {
  const local = activation.block.continuations.get(target);
  if (local !== undefined) {
    const env = withBindings(activation.env, local.parameters, args);
    const next: Activation = { self: activation.self, block: activation.block, term: local.body, env, stack: activation.stack };
    return { kind: 'stepped', rule, span, next, write: undefined, cost: 1 };
  }
  const next = block(program, activation.self.entity, target);
  const env = emptyEnvironment(next);
  for (const name of next.live) bind(env, name, variableValue(name, activation.env));
  next.parameters.forEach((parameter, index) => bind(env, parameter, args[index]));
  return {
    kind: 'stepped', rule: rule === 'L-Jump' ? 'L-Goto' : rule, span,
    next: { self: activation.self, block: next, term: next.body, env, stack: activation.stack }, write: undefined, cost: 1,
  };
}

/** A call, remote read or `new`: the activation ends, and its frame travels with the message. */
export function suspend(
  program: SplitProgram, activation: Activation, term: Extract<Term, { kind: 'Call' | 'ReadRemote' | 'New' }>,
): Extract<LocalStep, { kind: 'suspended' }> {
  const { env, self } = activation;
  const resumeAt = block(program, self.entity, term.continuation);
  const frame: Frame = {
    kind: 'resume',
    self,
    block: resumeAt.name,
    values: resumeAt.live.map((name) => variableValue(name, env)),
    async: term.kind === 'Call' && term.async,
  };
  const stack = pushFrame(activation.stack, frame);
  const span = term.span;
  switch (term.kind) {
    case 'Call': {
      const target = atomValue(term.receiver, env) as ReferenceValue;
      const args = term.args.map((atom) => atomValue(atom, env));
      return { kind: 'suspended', rule: 'L-Call', span, outgoing: { kind: 'invoke', target, method: term.method, args, stack } };
    }
    case 'ReadRemote': {
      const target = atomValue(term.object, env) as ReferenceValue;
      return { kind: 'suspended', rule: 'L-Read-Remote', span, outgoing: { kind: 'read', target, field: term.field, stack } };
    }
    case 'New': {
      const key = atomValue(term.key, env) as MapKey;
      const args = term.args.map((atom) => atomValue(atom, env));
      return { kind: 'suspended', rule: 'L-New', span, outgoing: { kind: 'create', entity: term.entity, key, args, stack, ...(term.ifAbsent === true ? { ifAbsent: true } : {}) } };
    }
  }
}
