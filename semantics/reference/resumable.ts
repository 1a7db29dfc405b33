// Stage: semantics/reference. Evaluation of the typed statements and expressions that run other methods
// (a call, `new` running `init`, `async`), for the reference model: the same rules as `evaluator.ts`,
// written as generators that suspend at each method they run. The suspended evaluation yields the method
// to run (an Invocation); the driver (`run`) keeps the caller's suspended evaluation on an explicit stack,
// runs the callee, and resumes the caller with its result. So the host's stack holds only the nesting
// within one method body (bounded by the parser, E0106), and a recursion of any depth runs until the
// step budget stops it, at a steady cost per step. Code that runs no other method (known statically, by
// `runsMethods`) is evaluated by the plain rules of `evaluator.ts`, which are several times faster.

import type { Span } from '../../grammar/span.ts';
import { childExpressions, statementExpressions } from '../typed-walk.ts';
import type * as T from '../typed.ts';
import {
  applyBinary, applyBuiltin, applyUnary, applyValueMethod, assertNever, listItems, listValue, referenceValue, voidValue,
  type ListValue, type MapKey, type ReferenceValue, type Value,
} from '../values.ts';
import { breaking, continuing, Evaluator, indexed, normal, returning, type Completion, type Frame } from './evaluator.ts';
import type { EntityState } from './store.ts';

/** A method to run on an entity with these arguments: what a resumable evaluation yields to run it. */
export interface Invocation {
  readonly method: T.TypedMethod;
  readonly self: EntityState;
  readonly args: readonly Value[];
}

/** `new`: the reference to the entity just created, and its `init` to run, if it has one. */
export interface Creation {
  readonly reference: ReferenceValue;
  readonly init: Invocation | undefined;
}

/** An evaluation that suspends at every method it runs, and is resumed with that method's result. */
export type Resumable<Result> = Generator<Invocation, Result, Value>;

/** A method being run: its frame, and its body's evaluation, suspended while it waits for a callee. */
interface Activation {
  readonly frame: Frame;
  readonly body: Resumable<Completion>;
}

export abstract class ResumableEvaluator extends Evaluator {
  /** The method `r.m(…)` runs (ticks, and aborts when there is no such entity). */
  protected abstract invocationOf(
    receiver: ReferenceValue, method: string, args: readonly Value[], span: Span | undefined,
  ): Invocation;
  /** `new E(k, …)`: creates the entity (or aborts), and gives its `init` to run. */
  protected abstract createEntity(entity: string, key: MapKey, args: readonly Value[], span: Span | undefined): Creation;
  /** `async r.m(…)` inside a method: a future for the call, which has run to completion where it started. */
  protected abstract completedFuture(result: Value): Value;
  /** The error to raise for one that ended the evaluation of this statement (the model adds the location). */
  protected abstract locatedError(error: unknown, span: Span): unknown;

  /**
   * Whether to evaluate this code by the resumable rules: exactly when it runs methods. (Any code may be
   * evaluated resumably, at a cost; a test evaluates everything so, and must see the same run.)
   */
  protected resumes(node: T.Expression | T.Statement | T.Block): boolean {
    return runsMethods(node);
  }

  // ------------------------------------------------------------------------------------ the driver

  /**
   * Runs a method to completion with every method it runs, transitively: the activations waiting for a
   * callee are on `waiting`, never on the host's stack. A method whose body runs no other method cannot
   * nest deeper, so it runs at once, by the plain rules.
   */
  protected run(invocation: Invocation): Value {
    if (!this.resumes(invocation.method.body)) return this.runAtOnce(invocation);
    const waiting: Activation[] = [];
    let running = this.activate(invocation);
    let result: Value = voidValue;
    for (;;) {
      const next = running.body.next(result);
      if (!next.done) {
        const callee = next.value;
        if (!this.resumes(callee.method.body)) {
          result = this.runAtOnce(callee);
        } else {
          waiting.push(running);
          running = this.activate(callee);
        }
        continue;
      }
      result = running.frame.result;
      const caller = waiting.pop();
      if (caller === undefined) return result;
      running = caller;
    }
  }

  private runAtOnce(invocation: Invocation): Value {
    const frame = frameOf(invocation);
    this.block(invocation.method.body, frame);
    return frame.result;
  }

  private activate(invocation: Invocation): Activation {
    const frame = frameOf(invocation);
    return { frame, body: this.resumableBlock(invocation.method.body, frame) };
  }

  // The plain rules never meet these: the code that reaches them runs methods, so it is resumable.
  protected override call(): Value {
    throw new Error('assertion: a call evaluated by the plain rules');
  }

  protected override create(): Value {
    throw new Error('assertion: `new` evaluated by the plain rules');
  }

  protected override startAsync(): Value {
    throw new Error('assertion: `async` evaluated by the plain rules');
  }

  // ------------------------------------------------------------------------------------ statements

  protected *resumableBlock(block: T.Block, frame: Frame): Resumable<Completion> {
    for (let index = 0; index < block.length; index++) {
      const statement = block[index];
      let completion: Completion;
      try {
        completion = this.resumes(statement)
          ? yield* this.resumableStatement(statement, frame)
          : this.statement(statement, frame);
      } catch (error) {
        throw this.locatedError(error, statement.span);
      }
      if (completion !== normal) return completion;
    }
    return normal;
  }

  /**
   * The rules of `Evaluator.statement`, step for step, for a statement that runs methods: the step is
   * counted, then the statement's rule runs (each rule is a generator of its own, which keeps the
   * suspended state of a deep recursion small).
   */
  protected resumableStatement(statement: T.Statement, frame: Frame): Resumable<Completion> {
    this.tick();
    switch (statement.kind) {
      case 'Let':
      case 'AssignLocal':
        return this.assignLocalRule(statement, frame);
      case 'AssignField':
        return this.assignFieldRule(statement, frame);
      case 'AssignIndex':
        return this.assignIndexRule(statement, frame);
      case 'If':
        return this.ifRule(statement, frame);
      case 'While':
        return this.whileRule(statement, frame);
      case 'For':
        return this.forRule(statement, frame);
      case 'Return':
        return this.returnRule(statement, frame);
      case 'Abort':
        return this.abortRule(statement, frame);
      case 'Print':
        return this.printRule(statement, frame);
      case 'ExpressionStatement':
        return this.expressionStatementRule(statement, frame);
      case 'Emit':
        return this.emitRule(statement, frame);
      case 'Seal':
        this.seal(statement.stream, statement.span);
        return this.completionRule(normal);
      case 'Update':
        this.liveUpdate(statement.entity, statement.version, statement.span);
        return this.completionRule(normal);
      case 'Break':
        return this.completionRule(breaking);
      case 'Continue':
        return this.completionRule(continuing);
      default:
        return assertNever(statement);
    }
  }

  private *completionRule(completion: Completion): Resumable<Completion> {
    return completion;
  }

  private *assignLocalRule(statement: StatementOf<'Let' | 'AssignLocal'>, frame: Frame): Resumable<Completion> {
    const value = this.plain(statement.value, frame) ?? (yield* this.resumable(statement.value, frame));
    frame.slots[statement.variable.slot] = value;
    return normal;
  }

  private *assignFieldRule(statement: StatementOf<'AssignField'>, frame: Frame): Resumable<Completion> {
    const value = this.plain(statement.value, frame) ?? (yield* this.resumable(statement.value, frame));
    this.writeSelf(frame, statement.field, value);
    return normal;
  }

  private *assignIndexRule(statement: StatementOf<'AssignIndex'>, frame: Frame): Resumable<Completion> {
    const index = this.plain(statement.index, frame) ?? (yield* this.resumable(statement.index, frame));
    const value = this.plain(statement.value, frame) ?? (yield* this.resumable(statement.value, frame));
    this.storeIndexed(statement, index, value, frame);
    return normal;
  }

  private *ifRule(statement: StatementOf<'If'>, frame: Frame): Resumable<Completion> {
    const condition = this.plain(statement.condition, frame) ?? (yield* this.resumable(statement.condition, frame));
    return yield* this.resumableBlock(condition === true ? statement.thenBlock : statement.elseBlock, frame);
  }

  private *whileRule(statement: StatementOf<'While'>, frame: Frame): Resumable<Completion> {
    while ((this.plain(statement.condition, frame) ?? (yield* this.resumable(statement.condition, frame))) === true) {
      const completion = yield* this.resumableBlock(statement.body, frame);
      if (completion === breaking) break;
      if (completion === returning) return returning;
      this.tick();
    }
    return normal;
  }

  private *forRule(statement: StatementOf<'For'>, frame: Frame): Resumable<Completion> {
    const iterable = this.plain(statement.iterable, frame) ?? (yield* this.resumable(statement.iterable, frame));
    for (const item of this.forItems(statement, iterable)) {
      frame.slots[statement.variable.slot] = item;
      const completion = yield* this.resumableBlock(statement.body, frame);
      if (completion === breaking) break;
      if (completion === returning) return returning;
      this.tick();
    }
    return normal;
  }

  private *returnRule(statement: StatementOf<'Return'>, frame: Frame): Resumable<Completion> {
    const value = statement.value;
    frame.result = value === undefined ? voidValue : this.plain(value, frame) ?? (yield* this.resumable(value, frame));
    return returning;
  }

  private *abortRule(statement: StatementOf<'Abort'>, frame: Frame): Resumable<Completion> {
    const message = this.plain(statement.message, frame) ?? (yield* this.resumable(statement.message, frame));
    return this.abortStatement(message as string);
  }

  private *printRule(statement: StatementOf<'Print'>, frame: Frame): Resumable<Completion> {
    const value = this.plain(statement.value, frame) ?? (yield* this.resumable(statement.value, frame));
    this.print(value);
    return normal;
  }

  private *emitRule(statement: StatementOf<'Emit'>, frame: Frame): Resumable<Completion> {
    const events = this.plain(statement.events, frame) ?? (yield* this.resumable(statement.events, frame));
    this.emit(statement.stream, [...listItems(events as ListValue)], statement.span);
    return normal;
  }

  private *expressionStatementRule(statement: StatementOf<'ExpressionStatement'>, frame: Frame): Resumable<Completion> {
    this.plain(statement.expression, frame) ?? (yield* this.resumable(statement.expression, frame));
    return normal;
  }

  // ----------------------------------------------------------------------------------- expressions

  /**
   * The value of an operand that runs no method, by the plain rules, at once; `undefined` for one that
   * runs methods. Each rule reads an operand as `plain(e) ?? (yield* resumable(e))`: only an operand
   * that runs methods is evaluated by the resumable rules, and no generator is made for the others.
   */
  private plain(expression: T.Expression, frame: Frame): Value | undefined {
    return this.resumes(expression) ? undefined : this.expression(expression, frame);
  }

  /** Arguments or elements: their values, left to right, when none runs a method; `undefined` otherwise. */
  private plainAll(expressions: readonly T.Expression[], frame: Frame): Value[] | undefined {
    for (const expression of expressions) if (this.resumes(expression)) return undefined;
    return expressions.map((expression) => this.expression(expression, frame));
  }

  /** The rules of `Evaluator.expression`, operand for operand, for an expression that runs methods. */
  protected resumable(expression: T.Expression, frame: Frame): Resumable<Value> {
    switch (expression.kind) {
      case 'ListLiteral':
        return this.listLiteralRule(expression, frame);
      case 'MapLiteral':
        return this.mapLiteralRule(expression, frame);
      case 'RemoteField':
        return this.remoteFieldRule(expression, frame);
      case 'KeyOf':
        return this.keyOfRule(expression, frame);
      case 'Unary':
        return this.unaryRule(expression, frame);
      case 'Binary':
        return this.binaryRule(expression, frame);
      case 'Index':
        return this.indexRule(expression, frame);
      case 'Call':
        return this.callRule(expression, frame);
      case 'New':
        return this.newRule(expression, frame);
      case 'Reference':
        return this.referenceRule(expression, frame);
      case 'Async':
        return this.asyncRule(expression, frame);
      case 'Await':
        return this.awaitRule(expression, frame);
      case 'ValueMethod':
        return this.valueMethodRule(expression, frame);
      case 'Mutation':
        return this.mutationRule(expression, frame);
      case 'Builtin':
        return this.builtinRule(expression, frame);
      case 'Literal':
      case 'Local':
      case 'Self':
      case 'SelfField':
        return this.operandFreeRule(expression, frame);
      default:
        return assertNever(expression);
    }
  }

  /** A literal, a variable, `self` or `self.f`: no operand, so nothing to suspend at. */
  private *operandFreeRule(expression: T.Expression, frame: Frame): Resumable<Value> {
    return this.expression(expression, frame);
  }

  private *listLiteralRule(expression: ExpressionOf<'ListLiteral'>, frame: Frame): Resumable<Value> {
    const elements = this.plainAll(expression.elements, frame) ?? (yield* this.resumableAll(expression.elements, frame));
    return this.built(listValue(elements));
  }

  private *mapLiteralRule(expression: ExpressionOf<'MapLiteral'>, frame: Frame): Resumable<Value> {
    const entries = new Map<MapKey, Value>();
    for (const entry of expression.entries) {
      const key = (this.plain(entry.key, frame) ?? (yield* this.resumable(entry.key, frame))) as MapKey;
      entries.set(key, this.plain(entry.value, frame) ?? (yield* this.resumable(entry.value, frame)));
    }
    return this.builtMap(entries);
  }

  private *remoteFieldRule(expression: ExpressionOf<'RemoteField'>, frame: Frame): Resumable<Value> {
    const object = this.plain(expression.object, frame) ?? (yield* this.resumable(expression.object, frame));
    return this.readRemote(object as ReferenceValue, expression.field, expression.span);
  }

  private *keyOfRule(expression: ExpressionOf<'KeyOf'>, frame: Frame): Resumable<Value> {
    const object = this.plain(expression.object, frame) ?? (yield* this.resumable(expression.object, frame));
    return (object as ReferenceValue).key;
  }

  private *unaryRule(expression: ExpressionOf<'Unary'>, frame: Frame): Resumable<Value> {
    const operand = this.plain(expression.operand, frame) ?? (yield* this.resumable(expression.operand, frame));
    return applyUnary(expression.operator, operand);
  }

  private *binaryRule(expression: ExpressionOf<'Binary'>, frame: Frame): Resumable<Value> {
    const { left, right } = expression;
    const leftValue = this.plain(left, frame) ?? (yield* this.resumable(left, frame));
    if (expression.operator === '&&' && leftValue !== true) return false;
    if (expression.operator === '||' && leftValue === true) return true;
    const rightValue = this.plain(right, frame) ?? (yield* this.resumable(right, frame));
    if (expression.operator === '&&' || expression.operator === '||') return rightValue;
    return this.built(applyBinary(expression.operator, leftValue, rightValue));
  }

  private *indexRule(expression: ExpressionOf<'Index'>, frame: Frame): Resumable<Value> {
    const base = this.plain(expression.base, frame) ?? (yield* this.resumable(expression.base, frame));
    const index = this.plain(expression.index, frame) ?? (yield* this.resumable(expression.index, frame));
    return indexed(expression, base, index);
  }

  /** A call: the receiver, the arguments, then the method runs (on the driver's stack) and gives its result. */
  private *callRule(expression: T.CallExpression, frame: Frame): Resumable<Value> {
    const receiver = this.plain(expression.receiver, frame) ?? (yield* this.resumable(expression.receiver, frame));
    const args = this.plainAll(expression.args, frame) ?? (yield* this.resumableAll(expression.args, frame));
    return yield this.invocationOf(receiver as ReferenceValue, expression.method, args, expression.span);
  }

  /** `new`: the key, the arguments, then the entity is created and its `init` runs. */
  private *newRule(expression: ExpressionOf<'New'>, frame: Frame): Resumable<Value> {
    const key = this.plain(expression.key, frame) ?? (yield* this.resumable(expression.key, frame));
    const args = this.plainAll(expression.args, frame) ?? (yield* this.resumableAll(expression.args, frame));
    const creation = this.createEntity(expression.entity, key as MapKey, args, expression.span);
    if (creation.init !== undefined) yield creation.init;
    return creation.reference;
  }

  private *referenceRule(expression: ExpressionOf<'Reference'>, frame: Frame): Resumable<Value> {
    const key = this.plain(expression.key, frame) ?? (yield* this.resumable(expression.key, frame));
    return referenceValue(expression.entity, key as MapKey);
  }

  private *asyncRule(expression: ExpressionOf<'Async'>, frame: Frame): Resumable<Value> {
    const result = yield* this.callRule(expression.call, frame);
    return this.completedFuture(result);
  }

  private *awaitRule(expression: ExpressionOf<'Await'>, frame: Frame): Resumable<Value> {
    const future = this.plain(expression.future, frame) ?? (yield* this.resumable(expression.future, frame));
    return this.awaitFuture(future, expression.span);
  }

  private *valueMethodRule(expression: ExpressionOf<'ValueMethod'>, frame: Frame): Resumable<Value> {
    const receiver = this.plain(expression.receiver, frame) ?? (yield* this.resumable(expression.receiver, frame));
    const args = this.plainAll(expression.args, frame) ?? (yield* this.resumableAll(expression.args, frame));
    return this.built(applyValueMethod(expression.method, receiver, args));
  }

  private *mutationRule(expression: ExpressionOf<'Mutation'>, frame: Frame): Resumable<Value> {
    const argument = this.plain(expression.arg, frame) ?? (yield* this.resumable(expression.arg, frame));
    return this.mutate(expression, argument, frame);
  }

  private *builtinRule(expression: ExpressionOf<'Builtin'>, frame: Frame): Resumable<Value> {
    const args = this.plainAll(expression.args, frame) ?? (yield* this.resumableAll(expression.args, frame));
    return this.built(applyBuiltin(expression.function, args));
  }

  /** Arguments or elements, left to right, when one of them runs methods. */
  private *resumableAll(expressions: readonly T.Expression[], frame: Frame): Resumable<Value[]> {
    const values: Value[] = new Array(expressions.length);
    for (let index = 0; index < expressions.length; index++) {
      const expression = expressions[index];
      values[index] = this.plain(expression, frame) ?? (yield* this.resumable(expression, frame));
    }
    return values;
  }
}

type StatementOf<Kind extends T.Statement['kind']> = Extract<T.Statement, { kind: Kind }>;
type ExpressionOf<Kind extends T.Expression['kind']> = Extract<T.Expression, { kind: Kind }>;

function frameOf(invocation: Invocation): Frame {
  const { method, self, args } = invocation;
  const frame: Frame = { self, slots: new Array(method.slotCount), result: voidValue };
  method.parameters.forEach((parameter, index) => {
    frame.slots[parameter.slot] = args[index];
  });
  return frame;
}

// ------------------------------------------------------------------------- which code runs methods

const runsMethodsKnown = new WeakMap<T.Expression | T.Statement | T.Block, boolean>();

/**
 * Whether evaluating this expression, statement or block may run a method: it contains a call, a `new`
 * (which runs `init`) or an `async` (whose call runs where it starts). A remote field read or an `await`
 * runs none. Computed once per node of the typed AST, and remembered.
 */
export function runsMethods(node: T.Expression | T.Statement | T.Block): boolean {
  let known = runsMethodsKnown.get(node);
  if (known === undefined) {
    if (isBlock(node)) known = node.some(runsMethods);
    else known = isStatement(node) ? statementRunsMethods(node) : expressionRunsMethods(node);
    runsMethodsKnown.set(node, known);
  }
  return known;
}

function expressionRunsMethods(expression: T.Expression): boolean {
  if (expression.kind === 'Call' || expression.kind === 'New' || expression.kind === 'Async') return true;
  return childExpressions(expression).some(runsMethods);
}

function statementRunsMethods(statement: T.Statement): boolean {
  if (statementExpressions(statement).some(runsMethods)) return true;
  switch (statement.kind) {
    case 'If':
      return runsMethods(statement.thenBlock) || runsMethods(statement.elseBlock);
    case 'While':
    case 'For':
      return runsMethods(statement.body);
    default:
      return false;
  }
}

function isBlock(node: T.Expression | T.Statement | T.Block): node is T.Block {
  return Array.isArray(node);
}

const statementKinds: ReadonlySet<string> = new Set<T.Statement['kind']>([
  'Let', 'AssignLocal', 'AssignField', 'AssignIndex', 'If', 'While', 'For', 'Break', 'Continue', 'Return', 'Abort', 'Print',
  'ExpressionStatement', 'Emit', 'Seal', 'Update',
]);

function isStatement(node: T.Expression | T.Statement): node is T.Statement {
  return statementKinds.has(node.kind);
}
