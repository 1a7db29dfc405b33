// Stage: engines/restate. Ent's values, requests, outcomes and frame stacks as JSON, the form in which
// they travel in Restate calls and sit in Restate's durable state. Values use the history's encoding
// (docs/history.md); a future inside a transaction always holds its result, and travels with it.

import type { Frame, FrameStack } from '../../interpreter/machine.ts';
import { resolvedFuture } from '../../interpreter/machine.ts';
import { valueFromJson, valueToJson, type JsonValue } from '../../runtime/history.ts';
import type { DiagnosticCode } from '../../diagnostics/catalog.ts';
import type { Outcome, Request } from '../../semantics/transactions.ts';
import { listToArray, listValue, mapEntries, mapValue, referenceValue, type MapKey, type ReferenceValue, type Value } from '../../semantics/values.ts';

export type Json = JsonValue;

export function encodeValue(value: Value): Json {
  if (typeof value === 'object') {
    switch (value.kind) {
      case 'future': return { future: value.id, result: encodeValue((value as unknown as { result: Value }).result) };
      case 'list': return listToArray(value).map(encodeValue);
      case 'map': return { map: [...mapEntries(value)].map(([key, item]) => [key, encodeValue(item)]) };
      default: return valueToJson(value);
    }
  }
  return valueToJson(value);
}

export function decodeValue(json: Json): Value {
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const object = json as Record<string, Json>;
    if ('future' in object) return resolvedFuture(decodeValue(object.result));
    if ('map' in object && Array.isArray(object.map)) {
      return mapValue(new Map((object.map as Json[][]).map(([key, item]) => [key as MapKey, decodeValue(item)])));
    }
  }
  if (Array.isArray(json)) return listValue(json.map(decodeValue));
  return valueFromJson(json);
}

export interface EncodedReference { readonly entity: string; readonly key: MapKey }

export function encodeReference(reference: ReferenceValue): EncodedReference {
  return { entity: reference.entity, key: reference.key };
}

export function decodeReference(encoded: EncodedReference): ReferenceValue {
  return referenceValue(encoded.entity, encoded.key);
}

export type EncodedFrame =
  | { readonly kind: 'resume'; readonly self: EncodedReference; readonly block: string; readonly values: Json[]; readonly async: boolean }
  | { readonly kind: 'created'; readonly reference: EncodedReference };

/** A frame stack (or the top frames of one) as an array, innermost frame first. */
export type EncodedStack = EncodedFrame[];

export function encodeFrame(frame: Frame): EncodedFrame {
  return frame.kind === 'resume'
    ? { kind: 'resume', self: encodeReference(frame.self), block: frame.block, values: frame.values.map(encodeValue), async: frame.async }
    : { kind: 'created', reference: encodeReference(frame.reference) };
}

export function encodeStack(stack: FrameStack): EncodedStack {
  const frames: EncodedStack = [];
  for (let cell = stack; cell !== undefined; cell = cell.below) frames.push(encodeFrame(cell.top));
  return frames;
}

/** Whether two encoded references name the same entity. */
export function sameEntity(a: EncodedReference, b: EncodedReference): boolean {
  return a.entity === b.entity && JSON.stringify(a.key) === JSON.stringify(b.key);
}

export function decodeStack(frames: EncodedStack): FrameStack {
  let stack: FrameStack;
  for (let index = frames.length - 1; index >= 0; index--) {
    const frame = frames[index];
    const decoded: Frame = frame.kind === 'resume'
      ? { kind: 'resume', self: decodeReference(frame.self), block: frame.block, values: frame.values.map(decodeValue), async: frame.async }
      : { kind: 'created', reference: decodeReference(frame.reference) };
    stack = { top: decoded, below: stack };
  }
  return stack;
}

export type EncodedRequest =
  | { readonly kind: 'call'; readonly target: EncodedReference; readonly method: string; readonly args: Json[] }
  | { readonly kind: 'read'; readonly target: EncodedReference; readonly field: string }
  | { readonly kind: 'new'; readonly entity: string; readonly key: MapKey; readonly args: Json[] };

export function encodeRequest(request: Request): EncodedRequest {
  switch (request.kind) {
    case 'call': return { kind: 'call', target: encodeReference(request.target), method: request.method, args: request.args.map(encodeValue) };
    case 'read': return { kind: 'read', target: encodeReference(request.target), field: request.field };
    case 'new': return { kind: 'new', entity: request.entity, key: request.key, args: request.args.map(encodeValue) };
  }
}

export function decodeRequest(encoded: EncodedRequest): Request {
  switch (encoded.kind) {
    case 'call': return { kind: 'call', target: decodeReference(encoded.target), method: encoded.method, args: encoded.args.map(decodeValue) };
    case 'read': return { kind: 'read', target: decodeReference(encoded.target), field: encoded.field };
    case 'new': return { kind: 'new', entity: encoded.entity, key: encoded.key, args: encoded.args.map(decodeValue) };
  }
}

export type EncodedOutcome =
  | { readonly kind: 'committed'; readonly value: Json }
  | { readonly kind: 'aborted'; readonly code: DiagnosticCode; readonly message: string };

export function encodeOutcome(outcome: Outcome): EncodedOutcome {
  return outcome.kind === 'committed'
    ? { kind: 'committed', value: encodeValue(outcome.value) }
    : { kind: 'aborted', code: outcome.code, message: outcome.message };
}

export function decodeOutcome(encoded: EncodedOutcome): Outcome {
  return encoded.kind === 'committed'
    ? { kind: 'committed', value: decodeValue(encoded.value) }
    : { kind: 'aborted', code: encoded.code, message: encoded.message, span: undefined };
}

/** Entity fields as JSON (an uninitialized field is absent). */
export function encodeFields(fields: ReadonlyMap<string, Value | undefined>): Record<string, Json> {
  const encoded: Record<string, Json> = {};
  for (const [name, value] of fields) if (value !== undefined) encoded[name] = encodeValue(value);
  return encoded;
}

export function decodeFields(encoded: Record<string, Json>): Map<string, Value | undefined> {
  return new Map(Object.entries(encoded).map(([name, value]) => [name, decodeValue(value)]));
}

/** The Restate object name of an entity type, and the object key of an entity's key. */
export function objectName(entity: string): string {
  // Restate names a service with letters, digits and `_`: a system entity (`$Streams`) is `Sys_Streams`,
  // which no `E_…` of a declared entity can be.
  return entity.startsWith('$') ? `Sys_${entity.slice(1)}` : `E_${entity}`;
}

/**
 * The object key of an entity: the run's namespace (so that runs on a server Ent did not start keep
 * apart), a `|`, and the entity's key as JSON.
 */
export function objectKey(namespace: string, key: MapKey): string {
  return `${namespace}|${JSON.stringify(key)}`;
}

export function keyOfObject(objectKeyText: string): MapKey {
  return JSON.parse(objectKeyText.slice(objectKeyText.indexOf('|') + 1)) as MapKey;
}

export const coordinatorName = 'EntCoordinator';
export const orderName = 'EntOrder';
