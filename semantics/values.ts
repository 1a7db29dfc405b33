// Stage: semantics. Runtime values and the operations every semantics shares on them: equality, order,
// the canonical form that `print` and `str` write, and the primitive operators with their aborts. These
// are the value algebra, not evaluation: the reference model and the CPS machine both call them, while
// each keeps its own evaluator (a disagreement between the two then points at desugaring or splitting).
//
// Lists and maps are values: every update gives a new list or map and leaves the old one as it was. They
// are persistent structures (persistent-vector.ts, persistent-sorted-map.ts) that share all but a path
// with the version they came from (or, for a list of up to 64 elements or a map of up to 16 entries,
// copy one small flat array or two), so a push, a store or a remove costs a bounded amount of work
// instead of a copy. Code outside this module reads them through the functions below (`listLength`,
// `listItems`, `mapGet`, `mapEntries`, …), never through their representation. The one exception to
// "leaves the old one as it was" is `listStoreInPlace`, `listPushInPlace` and `mapStoreInPlace`, which
// the compiled blocks call only on a value that nothing but them holds, so that nobody can tell.

import type { DiagnosticCode } from '../diagnostics/catalog.ts';
import { PersistentSortedMap } from './persistent-sorted-map.ts';
import { PersistentVector } from './persistent-vector.ts';

export type MapKey = number | string;

export interface ListValue {
  readonly kind: 'list';
  /** Read through `listLength`, `listItem`, `listItems` and `listToArray`. */
  readonly vector: PersistentVector<Value>;
}

export interface MapValue {
  readonly kind: 'map';
  /**
   * In ascending key order: ints numerically, strings by UTF-16 code units (JavaScript's `<`). Read
   * through `mapSize`, `mapGet`, `mapHas`, `mapEntries` and `sortedKeys`.
   */
  readonly tree: PersistentSortedMap<Value>;
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

/**
 * The most characters a string, or elements a list or map, may have. Building a larger one aborts the
 * transaction with `value too large` (A0112), or stops the run block with a client error; the host would
 * otherwise run out of memory, or fail with a RangeError, long after the program went wrong.
 */
export const valueSizeMax = 10_000_000;

function tooLarge(): never {
  return abort('A0112', 'value too large');
}

function listOf(vector: PersistentVector<Value>): ListValue {
  return { kind: 'list', vector };
}

function mapOf(tree: PersistentSortedMap<Value>): MapValue {
  return { kind: 'map', tree };
}

/** The list of `items`, in order. */
export function listValue(items: readonly Value[]): ListValue {
  if (items.length > valueSizeMax) tooLarge();
  return listOf(PersistentVector.from(items));
}

/** The map of `entries` (in any order). */
export function mapValue(entries: ReadonlyMap<MapKey, Value>): MapValue {
  if (entries.size > valueSizeMax) tooLarge();
  return mapOf(PersistentSortedMap.from(entries));
}

export function listLength(list: ListValue): number {
  return list.vector.length;
}

/** The element at `index`, which the caller knows to be in range (`listIndex` checks). */
export function listItem(list: ListValue, index: number): Value {
  return list.vector.get(index);
}

/** The elements in order. */
export function listItems(list: ListValue): Iterable<Value> {
  return list.vector;
}

export function listToArray(list: ListValue): Value[] {
  return list.vector.toArray();
}

export function mapSize(map: MapValue): number {
  return map.tree.size;
}

/** The value bound to `key`, or `undefined` (`mapLookup` aborts instead). */
export function mapGet(map: MapValue, key: MapKey): Value | undefined {
  return map.tree.get(key);
}

export function mapHas(map: MapValue, key: MapKey): boolean {
  return map.tree.has(key);
}

/** The entries in ascending key order. */
export function mapEntries(map: MapValue): Iterable<[MapKey, Value]> {
  return map.tree;
}

/** The keys in ascending order. */
export function sortedKeys(map: MapValue): MapKey[] {
  return map.tree.keys();
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
      if (right.kind !== 'list' || left.vector.length !== right.vector.length) return false;
      if (left.vector === right.vector) return true;
      return left.vector.every((item, index) => valuesEqual(item, right.vector.get(index)));
    }
    case 'map': {
      if (right.kind !== 'map' || left.tree.size !== right.tree.size) return false;
      if (left.tree === right.tree) return true;
      // Both in ascending key order: equal maps pair up entry by entry.
      const others = right.tree[Symbol.iterator]();
      return left.tree.every((key, value) => {
        const [otherKey, otherValue] = others.next().value as [MapKey, Value];
        return key === otherKey && valuesEqual(value, otherValue);
      });
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

// ---------------------------------------------------------------------------------- canonical form

/**
 * The canonical form of a value, for everything that displays one (traces, the REPL's `:state`, error
 * messages, test dumps). It never aborts: a form longer than `valueSizeMax` characters is cut there and
 * ends with `…`, which also bounds the work for a list that holds the same large list many times.
 * `print` and `str` use `printedForm`, which aborts instead.
 */
export function canonical(value: Value): string {
  return writeCanonical(value, 'cut');
}

/**
 * The canonical form that `print` writes and `str` gives (for a value that is not a string): a string
 * like any other, so a form longer than `valueSizeMax` aborts with `value too large`.
 */
export function printedForm(value: Value): string {
  if (typeof value === 'object' && (value.kind === 'list' || value.kind === 'map') && printedLength(value, new Map()) > valueSizeMax) {
    tooLarge();
  }
  return writeCanonical(value, 'abort');
}

/**
 * The length of the value's canonical form, or any number above `valueSizeMax` once it is known to be
 * longer. A list or map that appears many times is measured once (`measured`, by identity), so a list
 * that holds one large list a thousand times is found too large without writing anything.
 */
function printedLength(value: Value, measured: Map<object, number>): number {
  if (typeof value !== 'object') return scalarCanonical(value).length;
  switch (value.kind) {
    case 'ref': return value.entity.length + 2 + scalarCanonical(value.key).length;
    case 'future': return `future#${value.id}`.length;
    case 'void': return 2;
    case 'list':
    case 'map': {
      const known = measured.get(value);
      if (known !== undefined) return known;
      let length = 2;
      const add = (part: number): boolean => (length += part) <= valueSizeMax;
      if (value.kind === 'list') {
        value.vector.every((item, index) => add((index > 0 ? 2 : 0) + printedLength(item, measured)));
      } else {
        value.tree.every((key, item) => add((length > 2 ? 2 : 0) + printedLength(key, measured) + 2 + printedLength(item, measured)));
      }
      measured.set(value, length);
      return length;
    }
    default:
      return assertNever(value);
  }
}

/** Unwinds the writer once the form is cut at the limit. */
class CutShort {}

function writeCanonical(value: Value, overLimit: 'cut' | 'abort'): string {
  // Scalars and references, the common case (every entity's identity is its reference's canonical
  // form), need no writer.
  if (typeof value !== 'object' || value.kind === 'ref') {
    const text = typeof value !== 'object' ? scalarCanonical(value) : `${value.entity}(${scalarCanonical(value.key)})`;
    if (text.length <= valueSizeMax) return text;
    if (overLimit === 'abort') tooLarge();
    return `${text.slice(0, valueSizeMax)}…`;
  }
  const writer = new CanonicalWriter(overLimit);
  try {
    writer.write(value);
  } catch (error) {
    if (!(error instanceof CutShort)) throw error;
  }
  return writer.parts.join('');
}

function scalarCanonical(value: number | boolean | string): string {
  switch (typeof value) {
    case 'number': return String(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'string': return JSON.stringify(value);
  }
}

class CanonicalWriter {
  readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly overLimit: 'cut' | 'abort') {}

  private append(text: string): void {
    if (this.length + text.length > valueSizeMax) {
      if (this.overLimit === 'abort') tooLarge();
      this.parts.push(text.slice(0, valueSizeMax - this.length), '…');
      throw new CutShort();
    }
    this.length += text.length;
    this.parts.push(text);
  }

  write(value: Value): void {
    if (typeof value !== 'object') return this.append(scalarCanonical(value));
    switch (value.kind) {
      case 'list':
        this.append('[');
        value.vector.every((item, index) => {
          if (index > 0) this.append(', ');
          this.write(item);
          return true;
        });
        return this.append(']');
      case 'map': {
        this.append('{');
        let first = true;
        value.tree.every((key, item) => {
          if (!first) this.append(', ');
          first = false;
          this.write(key);
          this.append(': ');
          this.write(item);
          return true;
        });
        return this.append('}');
      }
      case 'ref':
        return this.append(`${value.entity}(${scalarCanonical(value.key)})`);
      case 'future':
        return this.append(`future#${value.id}`);
      case 'void':
        return this.append('()');
      default:
        return assertNever(value);
    }
  }
}

/** `str(e)`: a string as it is, any other value in its printed form. */
export function show(value: Value): string {
  return typeof value === 'string' ? value : printedForm(value);
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
  if (!Number.isInteger(index) || index < 0 || index >= list.vector.length) abort('A0104', 'index out of range');
  return listItem(list, index);
}

export function listStore(list: ListValue, index: number, item: Value): ListValue {
  if (!Number.isInteger(index) || index < 0 || index >= list.vector.length) abort('A0104', 'index out of range');
  return listOf(list.vector.set(index, item));
}

export function listPush(list: ListValue, item: Value): ListValue {
  if (list.vector.length >= valueSizeMax) tooLarge();
  return listOf(list.vector.push(item));
}

/**
 * The in-place forms of `listStore`, `listPush` and `mapStore`, for interpreter/compiled.ts's values
 * updated in place only: each changes the value itself where that gives what the persistent operation
 * would build (a flat list or map, the index in range, the key present, no abort possible) and says
 * so; else it changes nothing and gives false, and the caller builds the new value as usual. The caller
 * must hold the only reference to the value: a value it built with `listStore`, `listPush` or
 * `mapStore` and has let nobody else see.
 */
export function listStoreInPlace(list: ListValue, index: number, item: Value): boolean {
  return list.vector.storeInPlace(index, item);
}

export function listPushInPlace(list: ListValue, item: Value): boolean {
  return list.vector.pushInPlace(item);
}

export function mapStoreInPlace(map: MapValue, key: MapKey, item: Value): boolean {
  return map.tree.storeInPlace(key, item);
}

export function listContains(list: ListValue, item: Value): boolean {
  return !list.vector.every((candidate) => !valuesEqual(candidate, item));
}

export function mapLookup(map: MapValue, key: MapKey): Value {
  const found = mapGet(map, key);
  if (found === undefined) abort('A0105', 'missing key');
  return found;
}

export function mapStore(map: MapValue, key: MapKey, item: Value): MapValue {
  if (map.tree.size >= valueSizeMax && !map.tree.has(key)) tooLarge();
  return mapOf(map.tree.set(key, item));
}

export function mapRemove(map: MapValue, key: MapKey): MapValue {
  // `remove` gives the same map when the key is missing: one search instead of a lookup first.
  const tree = map.tree.remove(key);
  if (tree === map.tree) abort('A0105', 'missing key');
  return mapOf(tree);
}

export function mapKeys(map: MapValue): ListValue {
  return listOf(PersistentVector.from(map.tree.keys()));
}

/** `a + b` on strings; JavaScript joins long strings without copying them, but the limit still holds. */
export function joinStrings(left: string, right: string): string {
  if (left.length + right.length > valueSizeMax) tooLarge();
  return left + right;
}

/**
 * The size of a value an operation produces, which every semantics charges against the step budget on
 * top of the step itself, for the operations that build a value element by element: a literal, `+` on
 * strings, `keys()`, `str`. A push, a store and a remove cost their step alone: they copy one path of a
 * persistent structure, whose depth `valueSizeMax` bounds. Either way a step allocates a bounded amount
 * of memory beyond what it is charged, so the budget bounds a transaction's memory as well as its time.
 */
export function sizeOf(value: Value): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object') return 0;
  if (value.kind === 'list') return value.vector.length;
  if (value.kind === 'map') return value.tree.size;
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
    case '+': return typeof left === 'string' ? joinStrings(left, right as string) : add(left as number, right as number);
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
      return (receiver as ListValue).kind === 'list' ? listLength(receiver as ListValue) : mapSize(receiver as MapValue);
    case 'contains': return listContains(receiver as ListValue, args[0]);
    case 'has': return mapHas(receiver as MapValue, args[0] as MapKey);
    case 'keys': return mapKeys(receiver as MapValue);
    default: throw new Error(`assertion: unknown value method ${method}`);
  }
}

/** `push` and `remove`: the changed value of the variable or field they target. */
export function applyMutation(method: 'push' | 'remove', target: Value, argument: Value): Value {
  return method === 'push' ? listPush(target as ListValue, argument) : mapRemove(target as MapValue, argument as MapKey);
}
