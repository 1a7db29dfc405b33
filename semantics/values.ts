// Stage: semantics. Runtime values and the operations every semantics shares on them: equality, order,
// the canonical form that `print` and `str` write, and the primitive operators with their aborts. These
// are the value algebra, not evaluation: the reference model and the CPS machine both call them, while
// each keeps its own evaluator (a disagreement between the two then points at desugaring or splitting).

import type { DiagnosticCode } from '../diagnostics/catalog.ts';

export type MapKey = number | string;

export interface ListValue {
  readonly kind: 'list';
  readonly items: readonly Value[];
}

export interface MapValue {
  readonly kind: 'map';
  /** Insertion-ordered; every reader that exposes an order sorts the keys first (`sortedKeys`). */
  readonly entries: ReadonlyMap<MapKey, Value>;
}

export interface ReferenceValue {
  readonly kind: 'ref';
  readonly entity: string;
  readonly key: MapKey;
}

/** A future; what `id` names depends on the semantics that made it. */
export interface FutureValue {
  readonly kind: 'future';
  readonly id: number;
}

export interface VoidValue {
  readonly kind: 'void';
}

export type Value = number | boolean | string | ListValue | MapValue | ReferenceValue | FutureValue | VoidValue;

export const voidValue: VoidValue = Object.freeze({ kind: 'void' });

export function listValue(items: readonly Value[]): ListValue {
  return { kind: 'list', items };
}

export function mapValue(entries: ReadonlyMap<MapKey, Value>): MapValue {
  return { kind: 'map', entries };
}

export function referenceValue(entity: string, key: MapKey): ReferenceValue {
  return { kind: 'ref', entity, key };
}

/** A transaction abort, raised by a primitive or by `abort e`. Thrown, caught by the semantics, never by users. */
export class TransactionAbort {
  constructor(
    readonly code: DiagnosticCode,
    readonly message: string,
  ) {}
}

export function abort(code: DiagnosticCode, message: string): never {
  throw new TransactionAbort(code, message);
}

// ----------------------------------------------------------------------------------- equality, order

export function valuesEqual(left: Value, right: Value): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object') return false;
  switch (left.kind) {
    case 'list': {
      if (right.kind !== 'list' || left.items.length !== right.items.length) return false;
      return left.items.every((item, index) => valuesEqual(item, right.items[index]));
    }
    case 'map': {
      if (right.kind !== 'map' || left.entries.size !== right.entries.size) return false;
      for (const [key, value] of left.entries) {
        const other = right.entries.get(key);
        if (other === undefined || !valuesEqual(value, other)) return false;
      }
      return true;
    }
    case 'ref':
      return right.kind === 'ref' && left.entity === right.entity && left.key === right.key;
    case 'future':
      return right.kind === 'future' && left.id === right.id;
    case 'void':
      return right.kind === 'void';
    default:
      return assertNever(left);
  }
}

/** Ints numerically, strings by UTF-16 code units (JavaScript's `<`). */
export function compareKeys(left: MapKey, right: MapKey): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

export function sortedKeys(map: MapValue): MapKey[] {
  return [...map.entries.keys()].sort(compareKeys);
}

// ---------------------------------------------------------------------------------- canonical form

export function canonical(value: Value): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    default:
      break;
  }
  switch (value.kind) {
    case 'list':
      return `[${value.items.map(canonical).join(', ')}]`;
    case 'map':
      return `{${sortedKeys(value).map((key) => `${canonical(key)}: ${canonical(value.entries.get(key)!)}`).join(', ')}}`;
    case 'ref':
      return `${value.entity}(${canonical(value.key)})`;
    case 'future':
      return `future#${value.id}`;
    case 'void':
      return '()';
    default:
      return assertNever(value);
  }
}

/** `str(e)`: a string as it is, any other value in canonical form. */
export function show(value: Value): string {
  return typeof value === 'string' ? value : canonical(value);
}

// --------------------------------------------------------------------------------- int arithmetic

function checkedInt(result: number): number {
  if (!Number.isSafeInteger(result)) abort('A0102', 'integer overflow');
  return result === 0 ? 0 : result;
}

export function add(left: number, right: number): number {
  return checkedInt(left + right);
}

export function subtract(left: number, right: number): number {
  return checkedInt(left - right);
}

export function multiply(left: number, right: number): number {
  return checkedInt(left * right);
}

export function divide(left: number, right: number): number {
  if (right === 0) abort('A0103', 'division by zero');
  return checkedInt(Math.trunc(left / right));
}

export function remainder(left: number, right: number): number {
  if (right === 0) abort('A0103', 'division by zero');
  return checkedInt(left % right);
}

export function negate(operand: number): number {
  return checkedInt(-operand);
}

// ---------------------------------------------------------------------------- lists, maps, strings

export function listIndex(list: ListValue, index: number): Value {
  if (!Number.isInteger(index) || index < 0 || index >= list.items.length) abort('A0104', 'index out of range');
  return list.items[index];
}

export function listStore(list: ListValue, index: number, item: Value): ListValue {
  if (!Number.isInteger(index) || index < 0 || index >= list.items.length) abort('A0104', 'index out of range');
  const items = list.items.slice();
  items[index] = item;
  return listValue(items);
}

export function listPush(list: ListValue, item: Value): ListValue {
  return listValue([...list.items, item]);
}

export function listContains(list: ListValue, item: Value): boolean {
  return list.items.some((candidate) => valuesEqual(candidate, item));
}

export function mapLookup(map: MapValue, key: MapKey): Value {
  const found = map.entries.get(key);
  if (found === undefined) abort('A0105', 'missing key');
  return found;
}

export function mapStore(map: MapValue, key: MapKey, item: Value): MapValue {
  const entries = new Map(map.entries);
  entries.set(key, item);
  return mapValue(entries);
}

export function mapRemove(map: MapValue, key: MapKey): MapValue {
  if (!map.entries.has(key)) abort('A0105', 'missing key');
  const entries = new Map(map.entries);
  entries.delete(key);
  return mapValue(entries);
}

export function mapKeys(map: MapValue): ListValue {
  return listValue(sortedKeys(map));
}

/**
 * The size of a value an operation produces, which every semantics charges against the step budget on
 * top of the step itself: building a list, map or string of n elements is n steps of work (a list is
 * copied to be pushed to), so the budget bounds a transaction's memory as well as its time.
 */
export function sizeOf(value: Value): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object') return 0;
  if (value.kind === 'list') return value.items.length;
  if (value.kind === 'map') return value.entries.size;
  return 0;
}

export function assertNever(value: never): never {
  throw new Error(`assertion: unexpected ${JSON.stringify(value)}`);
}

// ------------------------------------------------------------------- operators and built-ins as data

/** A strict binary operator (`&&` and `||` short-circuit, so their evaluators handle them). */
export function applyBinary(operator: string, left: Value, right: Value): Value {
  switch (operator) {
    case '==': return valuesEqual(left, right);
    case '!=': return !valuesEqual(left, right);
    case '<': return (left as MapKey) < (right as MapKey);
    case '<=': return (left as MapKey) <= (right as MapKey);
    case '>': return (left as MapKey) > (right as MapKey);
    case '>=': return (left as MapKey) >= (right as MapKey);
    case '+': return typeof left === 'string' ? left + (right as string) : add(left as number, right as number);
    case '-': return subtract(left as number, right as number);
    case '*': return multiply(left as number, right as number);
    case '/': return divide(left as number, right as number);
    case '%': return remainder(left as number, right as number);
    default: throw new Error(`assertion: ${operator} is not a strict binary operator`);
  }
}

export function applyUnary(operator: string, operand: Value): Value {
  return operator === '!' ? !(operand as boolean) : negate(operand as number);
}

export function applyBuiltin(name: string, args: readonly Value[]): Value {
  switch (name) {
    case 'str': return show(args[0]);
    case 'min': return Math.min(args[0] as number, args[1] as number);
    case 'max': return Math.max(args[0] as number, args[1] as number);
    case 'abs': return negateIfNegative(args[0] as number);
    default: throw new Error(`assertion: unknown built-in ${name}`);
  }
}

function negateIfNegative(value: number): number {
  return value < 0 ? negate(value) : value;
}

/** `len`, `contains`, `has` and `keys` on a list, map or string. */
export function applyValueMethod(method: string, receiver: Value, args: readonly Value[]): Value {
  switch (method) {
    case 'len':
      if (typeof receiver === 'string') return receiver.length;
      return (receiver as ListValue).kind === 'list' ? (receiver as ListValue).items.length : (receiver as MapValue).entries.size;
    case 'contains': return listContains(receiver as ListValue, args[0]);
    case 'has': return (receiver as MapValue).entries.has(args[0] as MapKey);
    case 'keys': return mapKeys(receiver as MapValue);
    default: throw new Error(`assertion: unknown value method ${method}`);
  }
}

/** `push` and `remove`: the changed value of the variable or field they target. */
export function applyMutation(method: 'push' | 'remove', target: Value, argument: Value): Value {
  return method === 'push' ? listPush(target as ListValue, argument) : mapRemove(target as MapValue, argument as MapKey);
}
