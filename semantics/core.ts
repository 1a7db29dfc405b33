// Stage: semantics. The core calculus: continuation-passing terms with named, second-class continuations
// (Kennedy, "Compiling with Continuations, Continued"), in A-normal form: every operand is an atom (a
// variable or a constant), and every call, remote field read, `new` and `await` names its continuation.
// Method-local variables may be updated (`Set`); continuations capture them by reference while the
// activation runs and by value (in a frame) when a call suspends it, which is all a local ever needs,
// because no one but its own activation can change it. Every term keeps the span of its source.

import type { BinaryOperator, UnaryOperator } from '../grammar/ast.ts';
import type { Span } from '../grammar/span.ts';
import type { BuiltinFunction, ValueMethod } from './typed.ts';
import type { Value } from './values.ts';

export type Atom =
  | { readonly kind: 'Variable'; readonly name: string }
  | { readonly kind: 'Constant'; readonly value: Value };

/** Pure computations: no state, no messages. Some may abort (`1 / 0`, an index out of range). */
export type Primitive =
  | { readonly kind: 'Atom'; readonly atom: Atom }
  | { readonly kind: 'Binary'; readonly operator: Exclude<BinaryOperator, '&&' | '||'>; readonly left: Atom; readonly right: Atom }
  | { readonly kind: 'Unary'; readonly operator: UnaryOperator; readonly operand: Atom }
  | { readonly kind: 'List'; readonly elements: readonly Atom[] }
  | { readonly kind: 'Map'; readonly entries: readonly (readonly [Atom, Atom])[] }
  | { readonly kind: 'Index'; readonly container: 'list' | 'map'; readonly base: Atom; readonly index: Atom }
  /** The container with one element replaced (lists) or set (maps): `x[i] = v` without the assignment. */
  | { readonly kind: 'Store'; readonly container: 'list' | 'map'; readonly base: Atom; readonly index: Atom; readonly value: Atom }
  | { readonly kind: 'ValueMethod'; readonly method: ValueMethod; readonly receiver: Atom; readonly args: readonly Atom[] }
  /** The container after `push` or `remove`. */
  | { readonly kind: 'Mutate'; readonly method: 'push' | 'remove'; readonly target: Atom; readonly arg: Atom }
  | { readonly kind: 'Builtin'; readonly function: BuiltinFunction; readonly args: readonly Atom[] }
  | { readonly kind: 'Reference'; readonly entity: string; readonly key: Atom }
  | { readonly kind: 'SelfReference' }
  | { readonly kind: 'KeyOf'; readonly object: Atom }
  /** The result a future holds (inside a transaction, an async call has completed where it started). */
  | { readonly kind: 'Await'; readonly future: Atom };

export type Term =
  | { readonly kind: 'Let'; readonly variable: string; readonly primitive: Primitive; readonly body: Term; readonly span: Span }
  | { readonly kind: 'Set'; readonly variable: string; readonly primitive: Primitive; readonly body: Term; readonly span: Span }
  | { readonly kind: 'ReadSelf'; readonly variable: string; readonly field: string; readonly body: Term; readonly span: Span }
  | { readonly kind: 'WriteSelf'; readonly field: string; readonly value: Atom; readonly body: Term; readonly span: Span }
  /** `letcont k(x…) = continuationBody in body`; k is in scope in both (continuations may loop). */
  | {
      readonly kind: 'LetCont';
      readonly name: string;
      readonly parameters: readonly string[];
      readonly continuationBody: Term;
      readonly body: Term;
      readonly span: Span;
    }
  | { readonly kind: 'Jump'; readonly continuation: string; readonly args: readonly Atom[]; readonly span: Span }
  | {
      readonly kind: 'Branch';
      readonly condition: Atom;
      readonly thenContinuation: string;
      readonly elseContinuation: string;
      readonly span: Span;
    }
  /** `call r.m(args) k`: k receives the result (for `async`, a future holding it). */
  | {
      readonly kind: 'Call';
      readonly receiver: Atom;
      readonly entity: string;
      readonly method: string;
      readonly args: readonly Atom[];
      readonly async: boolean;
      readonly continuation: string;
      readonly span: Span;
    }
  | {
      readonly kind: 'ReadRemote';
      readonly object: Atom;
      readonly entity: string;
      readonly field: string;
      readonly continuation: string;
      readonly span: Span;
    }
  | {
      readonly kind: 'New';
      readonly entity: string;
      readonly key: Atom;
      readonly args: readonly Atom[];
      readonly continuation: string;
      readonly span: Span;
      /**
       * Create if absent (`new?`, rule S-Ensure): an entity that exists is left as it is and its reference
       * is the result. Only a stream's delivery creates this way (docs/language.md §14).
       */
      readonly ifAbsent?: boolean;
    }
  | { readonly kind: 'Return'; readonly value: Atom; readonly span: Span }
  /** `abort e` (A0101), or an abort the system's own code raises with its own code (`stream S is sealed`, A0113). */
  | { readonly kind: 'Abort'; readonly message: Atom; readonly span: Span; readonly code?: 'A0113' };

/** The terms that end a straight line of computation and name where control goes next. */
export type SuspendingTerm = Extract<Term, { kind: 'Call' | 'ReadRemote' | 'New' }>;

export interface CoreMethod {
  readonly entity: string;
  readonly name: string;
  readonly parameters: readonly string[];
  readonly body: Term;
  readonly span: Span;
}

export interface CoreEntity {
  readonly name: string;
  readonly keyName: string;
  /** Every field but the key, with its default (absent when `init` assigns it). */
  readonly fields: readonly { readonly name: string; readonly initial: Value | undefined }[];
  /** `init` (when declared) and every method. */
  readonly methods: ReadonlyMap<string, CoreMethod>;
}

export interface CoreProgram {
  readonly entities: ReadonlyMap<string, CoreEntity>;
}

export function variable(name: string): Atom {
  return { kind: 'Variable', name };
}

export function constant(value: Value): Atom {
  return { kind: 'Constant', value };
}

/** The atoms a primitive reads, in evaluation order. */
export function primitiveAtoms(primitive: Primitive): readonly Atom[] {
  switch (primitive.kind) {
    case 'Atom': return [primitive.atom];
    case 'Binary': return [primitive.left, primitive.right];
    case 'Unary': return [primitive.operand];
    case 'List': return primitive.elements;
    case 'Map': return primitive.entries.flat();
    case 'Index': return [primitive.base, primitive.index];
    case 'Store': return [primitive.base, primitive.index, primitive.value];
    case 'ValueMethod': return [primitive.receiver, ...primitive.args];
    case 'Mutate': return [primitive.target, primitive.arg];
    case 'Builtin': return primitive.args;
    case 'Reference': return [primitive.key];
    case 'SelfReference': return [];
    case 'KeyOf': return [primitive.object];
    case 'Await': return [primitive.future];
  }
}

/** Every variable a term binds (`let`, `set`, field reads, continuation parameters), in order, with repeats. */
export function boundVariables(term: Term): string[] {
  switch (term.kind) {
    case 'Let':
    case 'Set':
    case 'ReadSelf':
      return [term.variable, ...boundVariables(term.body)];
    case 'WriteSelf':
      return boundVariables(term.body);
    case 'LetCont':
      return [...term.parameters, ...boundVariables(term.continuationBody), ...boundVariables(term.body)];
    default:
      return [];
  }
}
