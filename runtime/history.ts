// Stage: runtime. The history a run records: every request a client submitted, every response it got,
// and for every decided transaction, committed or aborted by its program, its place in the serial
// order the protocol claims and the version of each entity it read (and, for commits, the entities it
// writes, whose installs follow as events of their own). It
// is an append-only list shared between configurations (appending is O(1)), turned into an array, and
// into the JSON of docs/history.md, at the end of a run or as it goes (`drainHistory`).

import type { DiagnosticCode } from '../diagnostics/catalog.ts';
import { abortCause, type Outcome, type Request } from '../semantics/transactions.ts';
import {
  canonical, listToArray, listValue, mapEntries, mapValue, referenceValue, type MapKey, type Value,
} from '../semantics/values.ts';

export type HistoryEvent =
  | { readonly type: 'request'; readonly requestId: string; readonly client: number; readonly tick: number; readonly request: Request }
  | { readonly type: 'response'; readonly requestId: string; readonly client: number; readonly tick: number; readonly outcome: Outcome }
  | {
      readonly type: 'commit';
      readonly requestId: string;
      readonly order: number;
      readonly tick: number;
      /** Entity id → the version the transaction read (the first time, from the store; 0: it did not exist). */
      readonly reads: ReadonlyMap<string, number>;
      /** The ids of the entities the transaction writes: its installs must cover every one of them. */
      readonly writes: readonly string[];
    }
  /**
   * The coordinator decided that the transaction aborts (its program aborted, or ran out of steps),
   * as number `order` of the serial order: running alone there, after reading these versions, it aborts.
   */
  | {
      readonly type: 'abort';
      readonly requestId: string;
      readonly order: number;
      readonly tick: number;
      readonly reads: ReadonlyMap<string, number>;
      readonly code: DiagnosticCode;
      readonly message: string;
    }
  /** A participant installed a committed transaction's write of one entity, as this version. */
  | { readonly type: 'install'; readonly requestId: string; readonly entity: string; readonly version: number; readonly tick: number };

export type History = { readonly event: HistoryEvent; readonly previous: History } | undefined;

export function record(history: History, event: HistoryEvent): History {
  return { event, previous: history };
}

/** The events of a history, oldest first. */
export function historyEvents(history: History): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (let cursor = history; cursor !== undefined; cursor = cursor.previous) events.push(cursor.event);
  return events.reverse();
}

// ----------------------------------------------------------------------------------- values in JSON

export type JsonValue = null | boolean | number | string | JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Values in JSON: ints, bools and strings as themselves, lists as arrays, maps as
 * `{"map": [[key, value], …]}` (keys ascending), references as `{"ref": "Item", "key": "apple"}`,
 * and void as `null`.
 */
export function valueToJson(value: Value): JsonValue {
  if (typeof value !== 'object') return value;
  switch (value.kind) {
    case 'list': return listToArray(value).map(valueToJson);
    case 'map': return { map: [...mapEntries(value)].map(([key, item]) => [key, valueToJson(item)]) };
    case 'ref': return { ref: value.entity, key: value.key };
    case 'future': return { future: value.id };
    case 'void': return null;
  }
}

export function valueFromJson(json: JsonValue): Value {
  if (json === null) return { kind: 'void' };
  if (typeof json !== 'object') return json;
  if (Array.isArray(json)) return listValue(json.map(valueFromJson));
  const object = json as Record<string, JsonValue>;
  if ('ref' in object) return referenceValue(String(object.ref), object.key as MapKey);
  if ('map' in object && Array.isArray(object.map)) {
    return mapValue(new Map((object.map as JsonValue[][]).map(([key, item]) => [key as MapKey, valueFromJson(item)])));
  }
  throw new Error(`not an Ent value in JSON: ${JSON.stringify(json)}`);
}

function requestToJson(request: Request): JsonValue {
  switch (request.kind) {
    case 'call': return { kind: 'call', target: canonical(request.target), method: request.method, args: request.args.map(valueToJson) };
    case 'read': return { kind: 'read', target: canonical(request.target), field: request.field };
    case 'new': return { kind: 'new', target: canonical(referenceValue(request.entity, request.key)), args: request.args.map(valueToJson) };
  }
}

function outcomeToJson(outcome: Outcome): JsonValue {
  return outcome.kind === 'committed'
    ? { kind: 'committed', value: valueToJson(outcome.value) }
    : { kind: 'aborted', code: outcome.code, message: outcome.message };
}

/** The version of the history format this Ent writes (docs/history.md). */
export const historyFormatVersion = 2;

/** The history as the JSON document of docs/history.md. */
export function historyToJson(events: readonly HistoryEvent[], settings: Record<string, JsonValue>): JsonValue {
  return { ...historyHeader(settings), events: events.map(historyEventToJson) };
}

/** The document's fields before its events (a writer that streams the events writes these first). */
export function historyHeader(settings: Record<string, JsonValue>): { format: string; version: number; settings: Record<string, JsonValue> } {
  return { format: 'ent-history', version: historyFormatVersion, settings };
}

/**
 * One event as JSON. Each stands alone, so that a long run's history can be written as it happens: a
 * commit names the entities it writes, and the version each became is in the `install` events.
 */
export function historyEventToJson(event: HistoryEvent): JsonValue {
  switch (event.type) {
    case 'request':
      return { type: 'request', id: event.requestId, client: event.client, tick: event.tick, request: requestToJson(event.request) };
    case 'response':
      return { type: 'response', id: event.requestId, client: event.client, tick: event.tick, outcome: outcomeToJson(event.outcome) };
    case 'commit':
      return {
        type: 'commit', id: event.requestId, order: event.order, tick: event.tick, reads: Object.fromEntries(event.reads), writes: [...event.writes],
      };
    case 'abort':
      return {
        type: 'abort', id: event.requestId, order: event.order, tick: event.tick, reads: Object.fromEntries(event.reads),
        code: event.code, message: event.message, cause: abortCause(event.code),
      };
    case 'install':
      return { type: 'install', id: event.requestId, entity: event.entity, version: event.version, tick: event.tick };
  }
}
