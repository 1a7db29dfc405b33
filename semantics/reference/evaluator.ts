// Stage: semantics/reference. The big-step evaluator of typed statements and expressions, with every
// effect that crosses an entity left to a subclass: the reference model's transactions (`model.ts`)
// run calls, field reads and `new` on the global store; the client (`client.ts`) submits them as
// transactions to whichever semantics it drives. Evaluation is left to right throughout. This
// evaluator runs on the host's stack, which bounds only the nesting within one method body (the parser
// refuses deeper programs, E0106): the reference model evaluates code that runs other methods with the
// resumable rules of `resumable.ts`, which keep the chain of calls on an explicit stack instead.

import type { Span } from '../../grammar/span.ts';
import type * as T from '../typed.ts';
import {
  applyBinary, applyBuiltin, applyMutation, applyUnary, applyValueMethod, listIndex, listItems, listStore, listValue,
  mapKeys, mapLookup, mapStore, mapValue, referenceValue, sizeOf, voidValue, assertNever,
  type ListValue, type MapKey, type MapValue, type ReferenceValue, type Value,
} from '../values.ts';
import type { EntityState } from './store.ts';

/** Non-local exits of statements: the completion of executing one. */
export const normal = 0;
export const breaking = 1;
export const continuing = 2;
export const returning = 3;
export type Completion = typeof normal | typeof breaking | typeof continuing | typeof returning;

export interface Frame {
  /** The entity running the method; absent in the client. */
  readonly self: EntityState | undefined;
  readonly slots: (Value | undefined)[];
  result: Value;
}

export abstract class Evaluator {
  /** Counts small steps of work: one for a statement, a loop iteration or a call; more for a large value built. */
  protected abstract tick(weight?: number): void;

  /** Charges the size of a value an operation built (see `sizeOf`), and gives the value back. */
  protected built(value: Value): Value {
    const size = sizeOf(value);
    if (size > 0) this.tick(size);
    return value;
  }
  protected abstract call(receiver: ReferenceValue, method: string, args: readonly Value[], span: Span): Value;
  protected abstract readRemote(receiver: ReferenceValue, field: string, span: Span): Value;
  protected abstract create(entity: string, key: MapKey, args: readonly Value[], span: Span): Value;
  /** `async r.m(…)`: gives a future for the call. */
  protected abstract startAsync(call: T.CallExpression, frame: Frame): Value;
  protected abstract awaitFuture(future: Value, span: Span): Value;
  protected abstract readSelf(frame: Frame, field: string): Value;
  protected abstract writeSelf(frame: Frame, field: string, value: Value): void;
  protected abstract readLocal(frame: Frame, variable: T.Variable, span: Span): Value;
  protected abstract print(value: Value): void;
  /** `emit NAME e`, once the atom's events (the list `e`) are known. */
  protected abstract emit(stream: string, events: readonly Value[], span: Span): void;
  /** `seal NAME` (the checker allows it in the run block only). */
  protected abstract seal(stream: string, span: Span): void;
  /** `update NAME { … }` (only the client runs one: the checker keeps it in the run block). */
  protected liveUpdate(entity: string, version: number, span: Span): void {
    void entity; void version; void span;
    throw new Error('assertion: an update outside the run block passed the checker');
  }

  // ------------------------------------------------------------------------------------ statements

  protected block(block: T.Block, frame: Frame): Completion {
    for (const statement of block) {
      const completion = this.statement(statement, frame);
      if (completion !== normal) return completion;
    }
    return normal;
  }

  protected statement(statement: T.Statement, frame: Frame): Completion {
    this.tick();
    switch (statement.kind) {
      case 'Let':
      case 'AssignLocal':
        frame.slots[statement.variable.slot] = this.expression(statement.value, frame);
        return normal;
      case 'AssignField':
        this.writeSelf(frame, statement.field, this.expression(statement.value, frame));
        return normal;
      case 'AssignIndex': {
        const index = this.expression(statement.index, frame);
        this.storeIndexed(statement, index, this.expression(statement.value, frame), frame);
        return normal;
      }
      case 'If':
        return this.expression(statement.condition, frame) === true
          ? this.block(statement.thenBlock, frame)
          : this.block(statement.elseBlock, frame);
      case 'While':
        while (this.expression(statement.condition, frame) === true) {
          const completion = this.block(statement.body, frame);
          if (completion === breaking) break;
          if (completion === returning) return returning;
          this.tick();
        }
        return normal;
      case 'For':
        return this.forLoop(statement, frame);
      case 'Break':
        return breaking;
      case 'Continue':
        return continuing;
      case 'Return':
        frame.result = statement.value === undefined ? voidValue : this.expression(statement.value, frame);
        return returning;
      case 'Abort':
        return this.abortStatement(this.expression(statement.message, frame) as string);
      case 'Print':
        this.print(this.expression(statement.value, frame));
        return normal;
      case 'ExpressionStatement':
        this.expression(statement.expression, frame);
        return normal;
      case 'Emit':
        this.emit(statement.stream, [...listItems(this.expression(statement.events, frame) as ListValue)], statement.span);
        return normal;
      case 'Seal':
        this.seal(statement.stream, statement.span);
        return normal;
      case 'Update':
        this.liveUpdate(statement.entity, statement.version, statement.span);
        return normal;
      default:
        return assertNever(statement);
    }
  }

  protected abstract abortStatement(message: string): Completion;

  /** `x[i] = v` and `self.f[k] = v`, once the index and the value are known. */
  protected storeIndexed(
    statement: Extract<T.Statement, { kind: 'AssignIndex' }>, index: Value, value: Value, frame: Frame,
  ): void {
    const current = this.targetValue(statement.target, frame, statement.span);
    // A store costs its step alone: the persistent list or map shares all but a path with the old one.
    const updated = statement.container === 'list'
      ? listStore(current as ListValue, index as number, value)
      : mapStore(current as MapValue, index as MapKey, value);
    this.storeTarget(statement.target, updated, frame);
  }

  private forLoop(statement: Extract<T.Statement, { kind: 'For' }>, frame: Frame): Completion {
    for (const item of this.forItems(statement, this.expression(statement.iterable, frame))) {
      frame.slots[statement.variable.slot] = item;
      const completion = this.block(statement.body, frame);
      if (completion === breaking) break;
      if (completion === returning) return returning;
      this.tick();
    }
    return normal;
  }

  /** What a `for` walks: a list's items, or a map's keys (charged for, as building the keys is). */
  protected forItems(statement: Extract<T.Statement, { kind: 'For' }>, iterable: Value): Iterable<Value> {
    const items = statement.over === 'list' ? iterable as ListValue : this.built(mapKeys(iterable as MapValue)) as ListValue;
    return listItems(items);
  }

  private targetValue(target: T.MutationTarget, frame: Frame, span: Span): Value {
    return target.kind === 'local' ? this.readLocal(frame, target.variable, span) : this.readSelf(frame, target.field);
  }

  private storeTarget(target: T.MutationTarget, value: Value, frame: Frame): void {
    if (target.kind === 'local') frame.slots[target.variable.slot] = value;
    else this.writeSelf(frame, target.field, value);
  }

  // ----------------------------------------------------------------------------------- expressions

  protected expression(expression: T.Expression, frame: Frame): Value {
    switch (expression.kind) {
      case 'Literal':
        return expression.value;
      case 'ListLiteral':
        return this.built(listValue(expression.elements.map((element) => this.expression(element, frame))));
      case 'MapLiteral': {
        const entries = new Map<MapKey, Value>();
        for (const entry of expression.entries) {
          const key = this.expression(entry.key, frame) as MapKey;
          entries.set(key, this.expression(entry.value, frame));
        }
        return this.builtMap(entries);
      }
      case 'Local':
        return this.readLocal(frame, expression.variable, expression.span);
      case 'Self':
        return referenceValue(frame.self!.entity, frame.self!.key);
      case 'SelfField':
        return this.readSelf(frame, expression.field);
      case 'RemoteField':
        return this.readRemote(this.expression(expression.object, frame) as ReferenceValue, expression.field, expression.span);
      case 'KeyOf':
        return (this.expression(expression.object, frame) as ReferenceValue).key;
      case 'Unary':
        return applyUnary(expression.operator, this.expression(expression.operand, frame));
      case 'Binary':
        return this.built(this.binary(expression, frame));
      case 'Index': {
        const base = this.expression(expression.base, frame);
        return indexed(expression, base, this.expression(expression.index, frame));
      }
      case 'Call': {
        const receiver = this.expression(expression.receiver, frame) as ReferenceValue;
        const args = expression.args.map((argument) => this.expression(argument, frame));
        return this.call(receiver, expression.method, args, expression.span);
      }
      case 'New': {
        const key = this.expression(expression.key, frame) as MapKey;
        const args = expression.args.map((argument) => this.expression(argument, frame));
        return this.create(expression.entity, key, args, expression.span);
      }
      case 'Reference':
        return referenceValue(expression.entity, this.expression(expression.key, frame) as MapKey);
      case 'Async':
        return this.startAsync(expression.call, frame);
      case 'Await':
        return this.awaitFuture(this.expression(expression.future, frame), expression.span);
      case 'ValueMethod': {
        const receiver = this.expression(expression.receiver, frame);
        return this.built(applyValueMethod(expression.method, receiver, expression.args.map((argument) => this.expression(argument, frame))));
      }
      case 'Mutation':
        return this.mutate(expression, this.expression(expression.arg, frame), frame);
      case 'Builtin':
        return this.built(applyBuiltin(expression.function, expression.args.map((argument) => this.expression(argument, frame))));
      default:
        return assertNever(expression);
    }
  }

  /** A map literal's value, once its entries are known. */
  protected builtMap(entries: Map<MapKey, Value>): Value {
    return this.built(mapValue(entries));
  }

  /** `xs.push(v)` and `m.remove(k)`, once the argument is known. */
  protected mutate(expression: Extract<T.Expression, { kind: 'Mutation' }>, argument: Value, frame: Frame): Value {
    const current = this.targetValue(expression.target, frame, expression.span);
    this.storeTarget(expression.target, applyMutation(expression.method, current, argument), frame);
    return voidValue;
  }

  private binary(expression: Extract<T.Expression, { kind: 'Binary' }>, frame: Frame): Value {
    const left = this.expression(expression.left, frame);
    if (expression.operator === '&&') return left === true ? this.expression(expression.right, frame) : false;
    if (expression.operator === '||') return left === true ? true : this.expression(expression.right, frame);
    return applyBinary(expression.operator, left, this.expression(expression.right, frame));
  }
}

/** `xs[i]` and `m[k]`, once the base and the index are known. */
export function indexed(expression: Extract<T.Expression, { kind: 'Index' }>, base: Value, index: Value): Value {
  return expression.container === 'list'
    ? listIndex(base as ListValue, index as number)
    : mapLookup(base as MapValue, index as MapKey);
}
