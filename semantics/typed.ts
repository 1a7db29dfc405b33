// Stage: semantics. The typed AST: what the checker gives the reference model and the desugarer. Every
// name is resolved (a local variable to its slot, a call to its entity and method, a built-in to its
// operation), every expression has its type, and every node keeps the span of its source.

import type { BinaryOperator, UnaryOperator } from '../grammar/ast.ts';
import type { Span } from '../grammar/span.ts';
import type { Type } from './types.ts';
import type { Value } from './values.ts';

/** One binding of a local variable, parameter or loop variable; `slot` is unique within its frame. */
export interface Variable {
  readonly name: string;
  readonly slot: number;
  readonly type: Type;
  readonly span: Span;
}

export interface TypedProgram {
  /** In declaration order. */
  readonly entities: ReadonlyMap<string, TypedEntity>;
  /** In declaration order. */
  readonly streams: ReadonlyMap<string, TypedStream>;
  readonly run: TypedRunBlock | undefined;
  /**
   * The live updates of the run block (`update NAME { … }`), in program order; absent or empty when it
   * has none. `entities` is the code before the first of them.
   */
  readonly updates?: readonly TypedUpdate[];
}

/**
 * `update NAME { … }`: from this step of the serial order on, entity type `entity` runs `code`. Versions
 * of a type count from 0 (its declaration); this is version `version`.
 */
export interface TypedUpdate {
  readonly entity: string;
  readonly version: number;
  /** The type's whole code from this update on: unchanged members kept, replaced and added ones new. */
  readonly code: TypedEntity;
  /** Fields that this version adds: an existing entity takes their defaults when it migrates. */
  readonly added: readonly TypedField[];
  /** `migrate { … }`: runs on each existing entity's state, as a method of the new code (U-Migrate). */
  readonly migrate: TypedMethod | undefined;
  /** Every entity type's code after this update. */
  readonly entities: ReadonlyMap<string, TypedEntity>;
  readonly span: Span;
}

/** `stream NAME: T`, with the entity types that consume it. */
export interface TypedStream {
  readonly name: string;
  readonly eventType: Type;
  /** The entity types with an `on NAME(…)` consumer, in declaration order: the order an event visits them. */
  readonly consumers: readonly string[];
  readonly span: Span;
}

/** `on NAME(event: T) by KEY { … }` in an entity type. */
export interface TypedHandler {
  readonly entity: string;
  readonly stream: string;
  /** The event's variable: slot 0 of the routing key's frame and of the body's. */
  readonly parameter: Variable;
  /** The key of the entity an event goes to: computed from the event alone (no call, no read, no `self`). */
  readonly key: Expression;
  readonly keySlotCount: number;
  /** The body as a method of the entity named `on NAME`, taking the event, returning nothing. */
  readonly method: TypedMethod;
  readonly span: Span;
}

export interface TypedRunBlock {
  readonly body: Block;
  /** Slots used by the run block's variables (the client's frame). */
  readonly slotCount: number;
  readonly span: Span;
}

export interface TypedField {
  readonly name: string;
  readonly type: Type;
  /** The field's constant default, evaluated by the checker; absent when `init` assigns it. */
  readonly initial: Value | undefined;
  readonly span: Span;
}

export interface TypedEntity {
  readonly name: string;
  readonly keyName: string;
  readonly keyType: Type;
  /** Fields other than the key, in declaration order. */
  readonly fields: readonly TypedField[];
  readonly init: TypedMethod | undefined;
  readonly methods: ReadonlyMap<string, TypedMethod>;
  /** Consumers by the stream they consume. */
  readonly handlers: ReadonlyMap<string, TypedHandler>;
  readonly span: Span;
}

export interface TypedMethod {
  readonly entity: string;
  /** `init` for the initializer. */
  readonly name: string;
  readonly isInit: boolean;
  readonly parameters: readonly Variable[];
  readonly result: Type;
  readonly body: Block;
  readonly slotCount: number;
  readonly span: Span;
}

export type Block = readonly Statement[];

export type Statement =
  | { readonly kind: 'Let'; readonly variable: Variable; readonly value: Expression; readonly span: Span }
  | { readonly kind: 'AssignLocal'; readonly variable: Variable; readonly value: Expression; readonly span: Span }
  | { readonly kind: 'AssignField'; readonly field: string; readonly value: Expression; readonly span: Span }
  | {
      readonly kind: 'AssignIndex';
      readonly target: MutationTarget;
      readonly container: 'list' | 'map';
      readonly index: Expression;
      readonly value: Expression;
      readonly span: Span;
    }
  | {
      readonly kind: 'If';
      readonly condition: Expression;
      readonly thenBlock: Block;
      readonly elseBlock: Block;
      readonly span: Span;
    }
  | { readonly kind: 'While'; readonly condition: Expression; readonly body: Block; readonly span: Span }
  | {
      readonly kind: 'For';
      readonly variable: Variable;
      readonly iterable: Expression;
      /** A list walks its elements, a map its keys in ascending order. */
      readonly over: 'list' | 'map';
      readonly body: Block;
      readonly span: Span;
    }
  | { readonly kind: 'Break'; readonly span: Span }
  | { readonly kind: 'Continue'; readonly span: Span }
  | { readonly kind: 'Return'; readonly value: Expression | undefined; readonly span: Span }
  | { readonly kind: 'Abort'; readonly message: Expression; readonly span: Span }
  | { readonly kind: 'Print'; readonly value: Expression; readonly span: Span }
  /** `emit NAME e`: `e` (a list of the stream's event type) is one atom. */
  | { readonly kind: 'Emit'; readonly stream: string; readonly events: Expression; readonly span: Span }
  /** `seal NAME`, in the run block only. */
  | { readonly kind: 'Seal'; readonly stream: string; readonly span: Span }
  /** `update NAME { … }`, at the top level of the run block only: installs version `version` of `entity`. */
  | { readonly kind: 'Update'; readonly entity: string; readonly version: number; readonly span: Span }
  | { readonly kind: 'ExpressionStatement'; readonly expression: Expression; readonly span: Span };

/** What `x[i] = e`, `xs.push(v)` and `m.remove(k)` change: a local variable or a field of `self`. */
export type MutationTarget =
  | { readonly kind: 'local'; readonly variable: Variable }
  | { readonly kind: 'field'; readonly field: string };

export type ValueMethod = 'len' | 'contains' | 'has' | 'keys';
export type BuiltinFunction = 'str' | 'min' | 'max' | 'abs';

export type Expression =
  | { readonly kind: 'Literal'; readonly value: Value; readonly type: Type; readonly span: Span }
  | { readonly kind: 'ListLiteral'; readonly elements: readonly Expression[]; readonly type: Type; readonly span: Span }
  | {
      readonly kind: 'MapLiteral';
      readonly entries: readonly { readonly key: Expression; readonly value: Expression }[];
      readonly type: Type;
      readonly span: Span;
    }
  | { readonly kind: 'Local'; readonly variable: Variable; readonly type: Type; readonly span: Span }
  | { readonly kind: 'Self'; readonly type: Type; readonly span: Span }
  /** `self.f`, the key included. */
  | { readonly kind: 'SelfField'; readonly field: string; readonly type: Type; readonly span: Span }
  /** `r.f` of another entity (or of `self` reached through a reference): a read that may cross the network. */
  | {
      readonly kind: 'RemoteField';
      readonly object: Expression;
      readonly entity: string;
      readonly field: string;
      readonly type: Type;
      readonly span: Span;
    }
  /** `r.k` where k is the entity's key: the reference holds it, so no entity is read. */
  | { readonly kind: 'KeyOf'; readonly object: Expression; readonly type: Type; readonly span: Span }
  | {
      readonly kind: 'Unary';
      readonly operator: UnaryOperator;
      readonly operand: Expression;
      readonly type: Type;
      readonly span: Span;
    }
  | {
      readonly kind: 'Binary';
      readonly operator: BinaryOperator;
      readonly left: Expression;
      readonly right: Expression;
      readonly type: Type;
      readonly span: Span;
    }
  | {
      readonly kind: 'Index';
      readonly base: Expression;
      readonly index: Expression;
      readonly container: 'list' | 'map';
      readonly type: Type;
      readonly span: Span;
    }
  | CallExpression
  | {
      readonly kind: 'New';
      readonly entity: string;
      readonly key: Expression;
      readonly args: readonly Expression[];
      readonly type: Type;
      readonly span: Span;
    }
  | { readonly kind: 'Reference'; readonly entity: string; readonly key: Expression; readonly type: Type; readonly span: Span }
  | { readonly kind: 'Async'; readonly call: CallExpression; readonly type: Type; readonly span: Span }
  | { readonly kind: 'Await'; readonly future: Expression; readonly type: Type; readonly span: Span }
  | {
      readonly kind: 'ValueMethod';
      readonly method: ValueMethod;
      readonly receiver: Expression;
      readonly receiverKind: 'list' | 'map' | 'string';
      readonly args: readonly Expression[];
      readonly type: Type;
      readonly span: Span;
    }
  | {
      readonly kind: 'Mutation';
      readonly method: 'push' | 'remove';
      readonly target: MutationTarget;
      readonly arg: Expression;
      readonly type: Type;
      readonly span: Span;
    }
  | {
      readonly kind: 'Builtin';
      readonly function: BuiltinFunction;
      readonly args: readonly Expression[];
      readonly type: Type;
      readonly span: Span;
    };

/** `r.m(args)`: a method call on an entity, `self` included. */
export interface CallExpression {
  readonly kind: 'Call';
  readonly receiver: Expression;
  readonly entity: string;
  readonly method: string;
  readonly args: readonly Expression[];
  readonly type: Type;
  readonly span: Span;
}
