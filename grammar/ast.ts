// Stage: grammar. The surface AST: what the parser gives the checker. Every node carries the half-open
// source span it came from. Nodes are discriminated unions on `kind`; nothing here is resolved or typed yet.

import type { Span } from './span.ts';

export interface Identifier {
  readonly name: string;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------- types

export type TypeExpression =
  /**
   * A name, with the type arguments written after it. Only `list`, `map` and `future` take arguments, and
   * they become the types below when the count is right; the checker reports any other use (E0208).
   */
  | { readonly kind: 'NamedType'; readonly name: string; readonly arguments: readonly TypeExpression[]; readonly span: Span }
  | { readonly kind: 'ListType'; readonly element: TypeExpression; readonly span: Span }
  | { readonly kind: 'MapType'; readonly key: TypeExpression; readonly value: TypeExpression; readonly span: Span }
  | { readonly kind: 'FutureType'; readonly result: TypeExpression; readonly span: Span };

// ------------------------------------------------------------------------------------------ program

export interface Program {
  readonly kind: 'Program';
  readonly entities: readonly EntityDeclaration[];
  /** Every `stream NAME: T` in source order. */
  readonly streams: readonly StreamDeclaration[];
  /** Every `run { … }` block in source order; the checker accepts at most one. */
  readonly runBlocks: readonly RunBlock[];
  readonly span: Span;
}

export interface RunBlock {
  readonly kind: 'RunBlock';
  readonly body: Block;
  readonly span: Span;
}

/** `stream NAME: T`: a named, totally ordered stream of atoms, each a list of events of type T. */
export interface StreamDeclaration {
  readonly kind: 'StreamDeclaration';
  readonly name: Identifier;
  readonly eventType: TypeExpression;
  readonly span: Span;
}

export interface EntityDeclaration {
  readonly kind: 'EntityDeclaration';
  readonly name: Identifier;
  readonly members: readonly Member[];
  readonly span: Span;
}

export type Member = KeyDeclaration | FieldDeclaration | InitDeclaration | MethodDeclaration | HandlerDeclaration;

/** `on NAME(event: T) by KEY { … }`: a consumer of stream NAME, routing each event by KEY. */
export interface HandlerDeclaration {
  readonly kind: 'HandlerDeclaration';
  readonly stream: Identifier;
  /** The checker accepts exactly one, the event. */
  readonly parameters: readonly Parameter[];
  readonly key: Expression;
  readonly body: Block;
  /** The span of `on NAME(…)`, for diagnostics about the whole consumer. */
  readonly headSpan: Span;
  readonly span: Span;
}

export interface KeyDeclaration {
  readonly kind: 'KeyDeclaration';
  readonly name: Identifier;
  readonly type: TypeExpression;
  readonly span: Span;
}

export interface FieldDeclaration {
  readonly kind: 'FieldDeclaration';
  readonly name: Identifier;
  readonly type: TypeExpression;
  readonly initializer: Expression | undefined;
  readonly span: Span;
}

export interface Parameter {
  readonly name: Identifier;
  readonly type: TypeExpression;
  readonly span: Span;
}

export interface InitDeclaration {
  readonly kind: 'InitDeclaration';
  readonly parameters: readonly Parameter[];
  readonly body: Block;
  /** The span of the `init(…)` head, for diagnostics about the whole initializer. */
  readonly headSpan: Span;
  readonly span: Span;
}

export interface MethodDeclaration {
  readonly kind: 'MethodDeclaration';
  readonly name: Identifier;
  readonly parameters: readonly Parameter[];
  /** Absent means the method returns nothing (`void`). */
  readonly resultType: TypeExpression | undefined;
  readonly body: Block;
  readonly span: Span;
}

// --------------------------------------------------------------------------------------- statements

export interface Block {
  readonly kind: 'Block';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export type AssignTarget =
  | { readonly kind: 'VariableTarget'; readonly name: Identifier; readonly span: Span }
  /** `object.field = …`; the checker accepts only `self` as the object (entity state is private). */
  | { readonly kind: 'FieldTarget'; readonly object: Expression; readonly field: Identifier; readonly span: Span }
  | {
      readonly kind: 'IndexTarget';
      readonly base: VariableOrFieldTarget;
      readonly index: Expression;
      readonly span: Span;
    };

export type VariableOrFieldTarget = Extract<AssignTarget, { kind: 'VariableTarget' | 'FieldTarget' }>;

export type Statement =
  | {
      readonly kind: 'Let';
      readonly name: Identifier;
      readonly type: TypeExpression | undefined;
      readonly initializer: Expression;
      readonly span: Span;
    }
  | { readonly kind: 'Assign'; readonly target: AssignTarget; readonly value: Expression; readonly span: Span }
  | {
      readonly kind: 'If';
      readonly condition: Expression;
      readonly thenBlock: Block;
      /** `else { … }` is a Block; `else if …` is a nested If. */
      readonly elseBranch: Block | Extract<Statement, { kind: 'If' }> | undefined;
      readonly span: Span;
    }
  | { readonly kind: 'While'; readonly condition: Expression; readonly body: Block; readonly span: Span }
  | {
      readonly kind: 'For';
      readonly variable: Identifier;
      readonly iterable: Expression;
      readonly body: Block;
      readonly span: Span;
    }
  | { readonly kind: 'Break'; readonly span: Span }
  | { readonly kind: 'Continue'; readonly span: Span }
  | { readonly kind: 'Return'; readonly value: Expression | undefined; readonly span: Span }
  | { readonly kind: 'Abort'; readonly message: Expression; readonly span: Span }
  | { readonly kind: 'Print'; readonly value: Expression; readonly span: Span }
  /** `emit NAME e`: the list `e` is one atom of stream NAME. */
  | { readonly kind: 'Emit'; readonly stream: Identifier; readonly events: Expression; readonly span: Span }
  | { readonly kind: 'Seal'; readonly stream: Identifier; readonly span: Span }
  /**
   * `update NAME { members; migrate { … } }`: a live update of entity type NAME, in the run block only.
   * The members replace the same-named ones of the type's code, or are added; `migrate` (at most one)
   * runs on the state of each entity that exists.
   */
  | {
      readonly kind: 'Update';
      readonly entity: Identifier;
      readonly members: readonly Member[];
      readonly migrate: readonly MigrateBlock[];
      readonly span: Span;
    }
  | { readonly kind: 'ExpressionStatement'; readonly expression: Expression; readonly span: Span };

/** `migrate { … }` in an update: the body runs on each existing entity, as a method of the new code. */
export interface MigrateBlock {
  readonly body: Block;
  readonly span: Span;
}

export type IfStatement = Extract<Statement, { kind: 'If' }>;

// -------------------------------------------------------------------------------------- expressions

export type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';
export type UnaryOperator = '!' | '-';

export interface MapEntry {
  readonly key: Expression;
  readonly value: Expression;
}

export type Expression =
  | { readonly kind: 'IntLiteral'; readonly value: number; readonly span: Span }
  | { readonly kind: 'StringLiteral'; readonly value: string; readonly span: Span }
  | { readonly kind: 'BoolLiteral'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'ListLiteral'; readonly elements: readonly Expression[]; readonly span: Span }
  | { readonly kind: 'MapLiteral'; readonly entries: readonly MapEntry[]; readonly span: Span }
  | { readonly kind: 'Self'; readonly span: Span }
  | { readonly kind: 'Name'; readonly name: string; readonly span: Span }
  | {
      readonly kind: 'Binary';
      readonly operator: BinaryOperator;
      readonly left: Expression;
      readonly right: Expression;
      readonly operatorSpan: Span;
      readonly span: Span;
    }
  | { readonly kind: 'Unary'; readonly operator: UnaryOperator; readonly operand: Expression; readonly span: Span }
  | { readonly kind: 'Await'; readonly future: Expression; readonly span: Span }
  | { readonly kind: 'Async'; readonly call: Expression; readonly span: Span }
  /** `object.field`: a field read (of `self`, of another entity, or a key). */
  | { readonly kind: 'Member'; readonly object: Expression; readonly member: Identifier; readonly span: Span }
  /** `receiver.method(args)`: an entity method call or a built-in method on a value. */
  | {
      readonly kind: 'MethodCall';
      readonly receiver: Expression;
      readonly method: Identifier;
      readonly args: readonly Expression[];
      readonly span: Span;
    }
  /** `name(args)`: a built-in function (`str`, `min`, …) or an entity reference `Name(key)`. */
  | {
      readonly kind: 'FunctionCall';
      readonly callee: Identifier;
      readonly args: readonly Expression[];
      readonly span: Span;
    }
  | { readonly kind: 'Index'; readonly base: Expression; readonly index: Expression; readonly span: Span }
  | { readonly kind: 'New'; readonly entity: Identifier; readonly args: readonly Expression[]; readonly span: Span };

export type ExpressionKind = Expression['kind'];
