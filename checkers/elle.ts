// Stage: checkers. Elle's history format (the JSON of a Jepsen list-append or read-write-register test)
// as the generic transaction history of dependency-graph.ts. Input: the JSON text of an array of
// operations; output: the history (with the facts of each register's version order that
// elle-versions.ts infers), the findings that the conversion itself makes (lists read in orders that no
// single order explains, register version facts that contradict one another), and a way to name
// versions, or one error naming the operation at fault. checkElleHistory runs the dependency-graph
// checker on the result.

import {
  checkDependencyGraph, type Anomaly, type TransactionHistory, type TransactionRecord, type Version, type VersionAccess,
} from './dependency-graph.ts';
import { inferRegisterOrders, type RegisterTransaction } from './elle-versions.ts';

type Scalar = number | string;

type MicroOperation =
  | { readonly kind: 'append'; readonly key: string; readonly value: Scalar }
  | { readonly kind: 'write'; readonly key: string; readonly value: Scalar }
  | { readonly kind: 'read'; readonly key: string; readonly value: readonly Scalar[] | Scalar | null };

type Outcome = 'ok' | 'fail' | 'info';

/** One transaction: an invocation paired with its completion (or a lone completion, or an invocation
 * that never completed, which counts as `info`). */
interface ElleTransaction {
  readonly id: string;
  readonly outcome: Outcome;
  readonly operations: readonly MicroOperation[];
  readonly process: string | undefined;
  /** Positions in the history of its invocation and completion (undefined: not recorded). */
  readonly invoked: number | undefined;
  readonly completed: number | undefined;
}

export type ElleConversion =
  | {
      readonly kind: 'converted';
      readonly history: TransactionHistory;
      readonly findings: readonly Anomaly[];
      readonly describeVersion: (object: string, version: Version) => string;
    }
  | { readonly kind: 'invalid'; readonly message: string };

export type ElleCheck =
  | { readonly kind: 'checked'; readonly anomalies: readonly Anomaly[] }
  | { readonly kind: 'invalid'; readonly message: string };

/** Malformed input, with the operation at fault in the message; caught at this module's boundary. */
class ElleFormatError extends Error {}

/** What Elle's register version orders may be inferred from, beyond the initial state and writes that
 * follow reads in a transaction (which are always used). */
export interface ElleOptions {
  /** Each key is sequential: a process sees its versions in order (Elle's sequential-keys). */
  readonly processOrder?: boolean;
  /** Each key is linearizable: a transaction that completed before another was invoked saw an earlier
   * or the same version (Elle's linearizable-keys). */
  readonly realtime?: boolean;
}

export function checkElleHistory(text: string, options: ElleOptions = {}): ElleCheck {
  const converted = convertElleHistory(text, options);
  if (converted.kind === 'invalid') return converted;
  const { anomalies } = checkDependencyGraph(converted.history, { describeVersion: converted.describeVersion });
  return { kind: 'checked', anomalies: [...converted.findings, ...anomalies] };
}

export function convertElleHistory(text: string, options: ElleOptions = {}): ElleConversion {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', message: `not JSON: ${(error as Error).message}` };
  }
  return convertElleOperations(json, options);
}

export function convertElleOperations(json: unknown, options: ElleOptions = {}): ElleConversion {
  try {
    if (!Array.isArray(json)) throw new ElleFormatError('an Elle history is a JSON array of operations');
    return convertTransactions(pairOperations(json), options);
  } catch (error) {
    if (error instanceof ElleFormatError) return { kind: 'invalid', message: error.message };
    throw error;
  }
}

// -------------------------------------------------------------------------------------- parsing

interface ParsedOperation {
  readonly where: string;
  readonly position: number;
  readonly index: number;
  readonly type: 'invoke' | Outcome;
  readonly process: string | undefined;
  readonly operations: readonly MicroOperation[] | undefined;
}

const operationTypes = new Set(['invoke', 'ok', 'fail', 'info']);

function withoutColon(text: unknown): unknown {
  return typeof text === 'string' && text.startsWith(':') ? text.slice(1) : text;
}

function parseOperation(raw: unknown, position: number): ParsedOperation | undefined {
  let where = `operation ${position}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ElleFormatError(`${where} is not an object`);
  const op = raw as Record<string, unknown>;
  const index = Number.isSafeInteger(op.index) ? (op.index as number) : position;
  if (index !== position) where += ` (index ${index})`;
  const type = withoutColon(op.type);
  if (typeof type !== 'string' || !operationTypes.has(type)) {
    throw new ElleFormatError(`${where} has type ${JSON.stringify(op.type)}; expected "invoke", "ok", "fail" or "info"`);
  }
  const f = withoutColon(op.f);
  if (f !== undefined && f !== null && f !== 'txn') {
    if (withoutColon(op.process) === 'nemesis') return undefined;
    throw new ElleFormatError(`${where} has f ${JSON.stringify(op.f)}; only "txn" operations can be checked`);
  }
  const process = op.process === undefined || op.process === null ? undefined : JSON.stringify(op.process);
  const valueMissing = op.value === undefined || op.value === null;
  if (valueMissing && type === 'invoke') throw new ElleFormatError(`${where} is an invocation without a value`);
  const operations = valueMissing ? undefined : parseMicroOperations(op.value, where, type === 'invoke');
  return { where, position, index, type: type as ParsedOperation['type'], process, operations };
}

function parseMicroOperations(value: unknown, where: string, invocation: boolean): MicroOperation[] {
  if (!Array.isArray(value)) throw new ElleFormatError(`${where}: its value is not a list of micro-operations`);
  return value.map((raw, position) => parseMicroOperation(raw, `${where}, micro-operation ${position}`, invocation));
}

function isScalar(value: unknown): value is Scalar {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string';
}

function parseMicroOperation(raw: unknown, where: string, invocation: boolean): MicroOperation {
  if (!Array.isArray(raw) || raw.length !== 3) {
    throw new ElleFormatError(`${where}: ${JSON.stringify(raw)} is not [f, key, value]`);
  }
  const [rawF, rawKey, value] = raw as [unknown, unknown, unknown];
  const f = withoutColon(rawF);
  const key = withoutColon(rawKey);
  if (!isScalar(key)) throw new ElleFormatError(`${where}: the key ${JSON.stringify(rawKey)} is not a number or a string`);
  switch (f) {
    case 'append':
    case 'w':
      if (!isScalar(value)) {
        throw new ElleFormatError(`${where}: ${f} of ${JSON.stringify(value)}; expected a number or a string`);
      }
      return { kind: f === 'append' ? 'append' : 'write', key: String(key), value };
    case 'r':
      // An invocation's reads are placeholders: their values are not looked at.
      if (invocation) return { kind: 'read', key: String(key), value: null };
      if (value === null || isScalar(value)) return { kind: 'read', key: String(key), value };
      if (Array.isArray(value) && value.every(isScalar)) return { kind: 'read', key: String(key), value };
      throw new ElleFormatError(
        `${where}: a read returned ${JSON.stringify(value)}; expected null, a value, or a list of values`,
      );
    default:
      throw new ElleFormatError(`${where}: unknown function ${JSON.stringify(rawF)}; expected "append", "r" or "w"`);
  }
}

/** Invocations paired with completions by process; a lone completion stands for itself. */
function pairOperations(raw: readonly unknown[]): ElleTransaction[] {
  const pending = new Map<string, ParsedOperation>();
  const transactions: ElleTransaction[] = [];
  const indices = new Map<number, string>();
  raw.forEach((item, position) => {
    const op = parseOperation(item, position);
    if (op === undefined) return;
    const same = indices.get(op.index);
    if (same !== undefined) throw new ElleFormatError(`${op.where}: index ${op.index} is already that of ${same}`);
    indices.set(op.index, op.where);
    if (op.type === 'invoke') {
      if (op.process === undefined) {
        throw new ElleFormatError(`${op.where} is an invocation without a process to pair it with its completion`);
      }
      const earlier = pending.get(op.process);
      if (earlier !== undefined) {
        throw new ElleFormatError(
          `${op.where} invokes on process ${op.process}, which still awaits the completion of ${earlier.where}`,
        );
      }
      pending.set(op.process, op);
      return;
    }
    const invocation = op.process === undefined ? undefined : pending.get(op.process);
    if (invocation !== undefined) pending.delete(op.process!);
    transactions.push(completed(op, invocation));
  });
  for (const invocation of pending.values()) {
    transactions.push({
      id: `T${invocation.index}`, outcome: 'info', operations: invocation.operations!,
      process: invocation.process, invoked: invocation.position, completed: undefined,
    });
  }
  return transactions;
}

function completed(completion: ParsedOperation, invocation: ParsedOperation | undefined): ElleTransaction {
  const operations = completion.operations ?? invocation?.operations;
  if (operations === undefined) {
    throw new ElleFormatError(`${completion.where} is a completion without a value and without an invocation`);
  }
  if (invocation !== undefined && completion.operations !== undefined) {
    const invoked = invocation.operations!;
    const differs = operations.length !== invoked.length
      || operations.some((micro, position) => micro.kind !== invoked[position].kind || micro.key !== invoked[position].key);
    if (differs) throw new ElleFormatError(`${completion.where} completes ${invocation.where} with different micro-operations`);
  }
  return {
    id: `T${completion.index}`, outcome: completion.type as Outcome, operations,
    process: completion.process, invoked: invocation?.position, completed: completion.position,
  };
}

// ----------------------------------------------------------------------------------- conversion

type KeyKind = 'list' | 'register';

/** A key's known version order: for a list, the elements of its longest read, in order. */
interface ListOrder {
  readonly elements: readonly Scalar[];
  readonly position: ReadonlyMap<Scalar, number>;
}

function convertTransactions(transactions: readonly ElleTransaction[], options: ElleOptions): ElleConversion {
  const kinds = keyKinds(transactions);
  const findings: Anomaly[] = [];
  const { orders, compatible } = listOrders(transactions, findings);
  const observed = observedValues(transactions);
  const records: TransactionRecord[] = [];
  for (const transaction of transactions) {
    const seen = transaction.operations.some((micro) => micro.kind !== 'read' && observed.get(micro.key)?.has(micro.value) === true);
    const committed = transaction.outcome === 'ok' || (transaction.outcome === 'info' && seen);
    if (transaction.outcome === 'info' && !committed) continue;
    records.push({
      id: transaction.id,
      committed,
      reads: transaction.outcome === 'ok' ? externalReads(transaction, compatible) : [],
      writes: transaction.operations.flatMap((micro): VersionAccess[] =>
        (micro.kind === 'read' ? [] : [{ object: micro.key, version: micro.value }])),
    });
  }
  const versionOrder = Object.fromEntries([...kinds.keys()].map((key): [string, Version[]] => [key, [null, ...(orders.get(key)?.elements ?? [])]]));
  const describeVersion = versionDescriber(kinds, orders);
  const registers = new Set([...kinds].filter(([, kind]) => kind === 'register').map(([key]) => key));
  const sources = { processOrder: options.processOrder === true, realtime: options.realtime === true };
  const inferred = inferRegisterOrders(registerTransactions(transactions, registers), registers, sources, describeVersion);
  findings.push(...inferred.findings);
  const history = { transactions: records, versionOrder, versionPrecedences: inferred.precedences };
  return { kind: 'converted', history, findings, describeVersion };
}

/** The committed (`ok`) transactions as the register version inference reads them. */
function registerTransactions(transactions: readonly ElleTransaction[], registers: ReadonlySet<string>): RegisterTransaction[] {
  const result: RegisterTransaction[] = [];
  for (const transaction of transactions) {
    if (transaction.outcome !== 'ok' || transaction.completed === undefined) continue;
    const firstRead = new Map<string, Scalar | null>();
    const lastWrite = new Map<string, Scalar>();
    for (const micro of transaction.operations) {
      if (!registers.has(micro.key)) continue;
      if (micro.kind === 'write') lastWrite.set(micro.key, micro.value);
      else if (micro.kind === 'read' && !lastWrite.has(micro.key) && !firstRead.has(micro.key)) {
        firstRead.set(micro.key, micro.value as Scalar | null);
      }
    }
    if (firstRead.size + lastWrite.size === 0) continue;
    const { id, process, invoked, completed } = transaction;
    result.push({ id, process, invoked, completed, firstRead, lastWrite });
  }
  return result;
}

/** Each key's kind, from what is done to it; a key only ever read as nil counts as a register. */
function keyKinds(transactions: readonly ElleTransaction[]): Map<string, KeyKind> {
  const kinds = new Map<string, KeyKind>();
  const firstUse = new Map<string, string>();
  for (const transaction of transactions) {
    for (const micro of transaction.operations) {
      const kind = kindOf(micro);
      const known = kinds.get(micro.key);
      if (kind === undefined || kind === known) continue;
      if (known !== undefined) {
        throw new ElleFormatError(
          `key ${micro.key} is used as a ${known} by ${firstUse.get(micro.key)} and as a ${kind} by ${transaction.id}`,
        );
      }
      kinds.set(micro.key, kind);
      firstUse.set(micro.key, transaction.id);
    }
  }
  for (const transaction of transactions) {
    for (const micro of transaction.operations) if (!kinds.has(micro.key)) kinds.set(micro.key, 'register');
  }
  return kinds;
}

function kindOf(micro: MicroOperation): KeyKind | undefined {
  switch (micro.kind) {
    case 'append': return 'list';
    case 'write': return 'register';
    case 'read': return micro.value === null ? undefined : Array.isArray(micro.value) ? 'list' : 'register';
  }
}

/** Every list read of a committed (`ok`) transaction, with its reader. */
interface ListRead {
  readonly transaction: string;
  readonly key: string;
  readonly list: readonly Scalar[];
}

function* listReads(transactions: readonly ElleTransaction[]): Generator<ListRead> {
  for (const transaction of transactions) {
    if (transaction.outcome !== 'ok') continue;
    for (const micro of transaction.operations) {
      if (micro.kind === 'read' && Array.isArray(micro.value)) yield { transaction: transaction.id, key: micro.key, list: micro.value };
    }
  }
}

/**
 * Each list key's version order, from its longest read; every other read must be a prefix of it. A
 * read that is not (or that lists an element twice) is an `incompatible-order` finding, and is left
 * out of the graph (the set `compatible` holds the reads that are kept).
 */
function listOrders(
  transactions: readonly ElleTransaction[],
  findings: Anomaly[],
): { orders: Map<string, ListOrder>; compatible: Set<readonly Scalar[]> } {
  const longest = new Map<string, { transaction: string; list: readonly Scalar[] }>();
  for (const read of listReads(transactions)) {
    if (read.list.length > (longest.get(read.key)?.list.length ?? -1)) longest.set(read.key, read);
  }
  const orders = new Map<string, ListOrder>();
  for (const [key, { transaction, list }] of longest) {
    const position = new Map<Scalar, number>();
    let end = 0;
    while (end < list.length && !position.has(list[end])) position.set(list[end], end++);
    if (end < list.length) {
      findings.push({
        class: 'incompatible-order',
        transactions: [transaction],
        explanation: [`${transaction} read ${key} = ${listText(list)}, which holds ${list[end]} twice`],
      });
    }
    orders.set(key, { elements: list.slice(0, end), position });
  }
  const compatible = new Set<readonly Scalar[]>();
  for (const read of listReads(transactions)) {
    const order = orders.get(read.key)!;
    if (read.list.length <= order.elements.length && read.list.every((element, index) => order.elements[index] === element)) {
      compatible.add(read.list);
    } else if (read.list !== longest.get(read.key)!.list) {
      const other = longest.get(read.key)!;
      findings.push({
        class: 'incompatible-order',
        transactions: [other.transaction, read.transaction],
        explanation: [
          `${read.transaction} read ${read.key} = ${listText(read.list)}, which is not a prefix of ${other.transaction}'s read ${listText(other.list)}`,
        ],
      });
    }
  }
  return { orders, compatible };
}

/** Per key, every element or value that a committed read returned: an `info` transaction whose write
 * was observed committed. */
function observedValues(transactions: readonly ElleTransaction[]): Map<string, Set<Scalar>> {
  const observed = new Map<string, Set<Scalar>>();
  const add = (key: string, value: Scalar): void => {
    let values = observed.get(key);
    if (values === undefined) observed.set(key, (values = new Set()));
    values.add(value);
  };
  for (const transaction of transactions) {
    if (transaction.outcome !== 'ok') continue;
    for (const micro of transaction.operations) {
      if (micro.kind !== 'read' || micro.value === null) continue;
      if (Array.isArray(micro.value)) for (const element of micro.value) add(micro.key, element);
      else add(micro.key, micro.value as Scalar);
    }
  }
  return observed;
}

/** The reads of keys the transaction had not yet written (its later reads see its own writes). */
function externalReads(transaction: ElleTransaction, compatible: ReadonlySet<readonly Scalar[]>): VersionAccess[] {
  const written = new Set<string>();
  const reads: VersionAccess[] = [];
  for (const micro of transaction.operations) {
    if (micro.kind !== 'read') {
      written.add(micro.key);
      continue;
    }
    if (written.has(micro.key)) continue;
    if (!Array.isArray(micro.value)) {
      reads.push({ object: micro.key, version: micro.value as Scalar | null });
    } else if (micro.value.length === 0) {
      reads.push({ object: micro.key, version: null });
    } else if (compatible.has(micro.value)) {
      reads.push({ object: micro.key, version: micro.value[micro.value.length - 1] });
    }
  }
  return reads;
}

function listText(list: readonly Scalar[]): string {
  return `[${list.map((element) => JSON.stringify(element)).join(' ')}]`;
}

/** A list's version as the list (its tail when long), a register's as its value. */
function versionDescriber(
  kinds: ReadonlyMap<string, KeyKind>,
  orders: ReadonlyMap<string, ListOrder>,
): (object: string, version: Version) => string {
  return (object, version) => {
    if (kinds.get(object) !== 'list') return `${object} = ${version === null ? 'nil' : JSON.stringify(version)}`;
    if (version === null) return `${object} = []`;
    const order = orders.get(object);
    const position = order?.position.get(version);
    if (order === undefined || position === undefined) return `${object} = [… ${JSON.stringify(version)}]`;
    const prefix = order.elements.slice(0, position + 1);
    return `${object} = ${prefix.length <= 6 ? listText(prefix) : `[… ${listText(prefix.slice(-3)).slice(1)}`}`;
  };
}
