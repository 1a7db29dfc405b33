// Stage: explorer. The fingerprint of a state: a hash of a canonical serialization of everything that can
// change what happens next or what a checker says, and of nothing else. Two states with one fingerprint
// are expanded once.
//  - Absolute ticks are left out: every tick (a message's delivery time, a timer, a lock's age) is written
//    relative to the configuration's own tick. The runtime never reads a tick except to compare it with
//    another or with the present, so two states that differ by a shift of time behave alike.
//  - The history, which the checkers read at the end, is written without its ticks (no checker reads
//    one), event by event in order, so that states with different histories are never merged.
//  - The network is a multiset: messages are written in sorted order (the scheduler picks among all of
//    them whatever their order, and the explorer takes every pick).
//  - With `renameMessages`, message ids are renamed canonically (by what each message says, then by
//    their order), and the counter of the next id is left out: ids are only ever compared for equality
//    (deduplication), and a fresh one is always new, so a renamed state behaves as the original does.
//  - The settings are the same for every state of an exploration and are left out; so is `recording`.
// Hashing: SHA-1 of the serialization, 20 bytes; the chance that two of a million states collide is
// about 10⁻³⁶.

import { createHash } from 'node:crypto';
import type { Configuration, Envelope } from '../runtime/configuration.ts';
import type { History, HistoryEvent } from '../runtime/history.ts';
import { PersistentMap } from '../runtime/persistent-map.ts';
import { listToArray, mapEntries, type ListValue, type MapValue } from '../semantics/values.ts';

/** Fields that hold a tick: written relative to the configuration's tick. */
const tickFields = new Set(['tick', 'sentAt', 'deliverAt', 'recoverAt', 'renewedAt', 'since', 'deadline', 'submittedAt', 'resendAt']);
/**
 * Fields that no rule of the runtime and no checker reads (they are there for traces and readers): left
 * out, or a client that resends forever would count its sends, and a cycle would never close.
 */
const unreadFields = new Set(['sends', 'submittedAt', 'sentAt']);
/** Maps whose values are ticks. */
const tickMaps = new Set(['inquiries', 'resends']);
/** Subtrees that hold no tick and no message id: written once per object and remembered. */
const memoFields = new Set(['store', 'stack', 'request', 'decisions', 'applied', 'writes', 'fields', 'args', 'outcome', 'value', 'reads', 'touched', 'incarnations']);

export interface FingerprintOptions {
  readonly renameMessages: boolean;
}

const memo = new WeakMap<object, string>();
const historyMemo = new WeakMap<object, string>();

/** Texts that depend on the present tick (relative ticks inside), remembered with the tick they were written at. */
const atTick = new WeakMap<object, { readonly now: number; readonly text: string }>();

class Writer {
  readonly parts: string[] = [];
  rename: Map<number, number> | undefined;
  /** The text written so far depends on the renaming of message ids (it cannot be remembered without it). */
  usedRename = false;

  constructor(private readonly now: number) {}

  /** `key`: the field the value is held in, which says how to write some values. */
  value(value: unknown, key: string | undefined): void {
    const parts = this.parts;
    switch (typeof value) {
      case 'number':
        parts.push(key !== undefined && tickFields.has(key) ? `t${value - this.now}` : String(value));
        return;
      case 'string':
        parts.push(JSON.stringify(value));
        return;
      case 'boolean':
        parts.push(value ? 'T' : 'F');
        return;
      case 'undefined':
        parts.push('u');
        return;
      case 'object':
        break;
      default:
        throw new Error(`assertion: a configuration holds no ${typeof value}`);
    }
    if (value === null) {
      parts.push('n');
      return;
    }
    if (key !== undefined && memoFields.has(key)) {
      let known = memo.get(value);
      if (known === undefined) {
        const inner = new Writer(0);
        inner.rename = undefined;
        inner.object(value, key);
        known = inner.parts.join('');
        memo.set(value, known);
      }
      parts.push(known);
      return;
    }
    this.object(value, key);
  }

  private object(value: object, key: string | undefined): void {
    const parts = this.parts;
    if (Array.isArray(value)) {
      if (key === 'network') {
        parts.push('[', value.map((envelope: Envelope) => this.envelope(envelope)).sort().join(','), ']');
        return;
      }
      if (key === 'waiting') {
        parts.push('[', value.map((envelope: Envelope) => this.envelope(envelope)).join(','), ']');
        return;
      }
      parts.push('[');
      for (const item of value) {
        this.value(item, undefined);
        parts.push(',');
      }
      parts.push(']');
      return;
    }
    if (value instanceof PersistentMap) {
      this.entries([...value.entries()], key);
      return;
    }
    if (value instanceof Map) {
      this.entries([...value.entries()], key);
      return;
    }
    if (value instanceof Set) {
      if (key === 'seen' && this.rename !== undefined && value.size > 0) this.usedRename = true;
      const items = key === 'seen' && this.rename !== undefined
        ? [...value].map((id: number) => { const renamed = this.rename!.get(id); return renamed === undefined ? `#${id}` : String(renamed); })
        : [...value].map((item) => this.nested(item, undefined));
      parts.push('{', items.sort().join(','), '}');
      return;
    }
    const record = value as Record<string, unknown>;
    if (record.kind === 'list' && 'vector' in record) {
      parts.push('L');
      this.value(listToArray(value as ListValue), undefined);
      return;
    }
    if (record.kind === 'map' && 'tree' in record) {
      parts.push('M');
      this.entries([...mapEntries(value as MapValue)], undefined);
      return;
    }
    parts.push('(');
    for (const field in record) {
      const item = record[field];
      if (item === undefined || unreadFields.has(field)) continue;
      parts.push(field, ':');
      this.value(item, field);
      parts.push(';');
    }
    parts.push(')');
  }

  /** A map's entries, sorted by their written keys; the map's own field says whether its values are ticks. */
  private entries(entries: readonly (readonly [unknown, unknown])[], key: string | undefined): void {
    const valueKey = key !== undefined && tickMaps.has(key) ? 'tick' : undefined;
    const written = entries.map(([entryKey, item]) => `${this.nested(entryKey, undefined)}=${this.nested(item, valueKey)}`);
    this.parts.push('{', written.sort().join(','), '}');
  }

  nested(value: unknown, key: string | undefined): string {
    const inner = new Writer(this.now);
    inner.rename = this.rename;
    inner.value(value, key);
    if (inner.usedRename) this.usedRename = true;
    return inner.parts.join('');
  }

  /** A value that depends on the present tick but not on message ids, written once per object and tick. */
  remembered(value: object, write: () => string): string {
    const known = atTick.get(value);
    if (known !== undefined && known.now === this.now) return known.text;
    const text = write();
    atTick.set(value, { now: this.now, text });
    return text;
  }

  /** A message: its id renamed (or as it is), its ticks relative, its contents. */
  envelope(envelope: Envelope): string {
    if (this.rename !== undefined) this.usedRename = true;
    const id = this.rename === undefined ? String(envelope.id) : String(this.rename.get(envelope.id));
    return `E${id}|t${envelope.deliverAt - this.now}|${this.contents(envelope)}`;
  }

  /** What a message says, without its id or its ticks: the key its id is renamed by. */
  contents(envelope: Envelope): string {
    return this.remembered(envelope, () => {
      const inner = new Writer(this.now);
      return `${inner.nested(envelope.from, undefined)}|${inner.nested(envelope.to, undefined)}|${inner.nested(envelope.body, undefined)}`;
    });
  }

  /** A node or a client: remembered per object and tick when its text does not depend on message ids. */
  part(value: object): string {
    const known = atTick.get(value);
    if (known !== undefined && known.now === this.now) return known.text;
    const inner = new Writer(this.now);
    inner.rename = this.rename;
    inner.value(value, undefined);
    const text = inner.parts.join('');
    if (!inner.usedRename) atTick.set(value, { now: this.now, text });
    return text;
  }
}

/** Every message of the configuration: in flight, and parked at a lock. */
function envelopesOf(config: Configuration): Envelope[] {
  const all = [...config.network];
  for (const node of config.nodes) for (const lock of node.volatile.locks.values()) all.push(...lock.waiting);
  return all;
}

/** Message ids renamed 0, 1, 2, … by what each message says (ties: in their own order). */
function canonicalIds(config: Configuration, writer: Writer): Map<number, number> {
  const contents = new Map<number, string>();
  for (const envelope of envelopesOf(config)) if (!contents.has(envelope.id)) contents.set(envelope.id, writer.contents(envelope));
  const sorted = [...contents].sort((left, right) => (left[1] < right[1] ? -1 : left[1] > right[1] ? 1 : left[0] - right[0]));
  return new Map(sorted.map(([id], index) => [id, index]));
}

/** A history event without its tick. */
function eventText(event: HistoryEvent): string {
  let known = historyMemo.get(event);
  if (known === undefined) {
    const writer = new Writer(0);
    const { tick: _tick, ...rest } = event;
    writer.value(rest, undefined);
    known = writer.parts.join('');
    historyMemo.set(event, known);
  }
  return known;
}

/** A digest of the whole history, built cell by cell and remembered per cell (a history only grows). */
function historyDigest(history: History): string {
  if (history === undefined) return '';
  let known = historyMemo.get(history);
  if (known === undefined) {
    known = createHash('sha1').update(historyDigest(history.previous)).update('\n').update(eventText(history.event)).digest('base64');
    historyMemo.set(history, known);
  }
  return known;
}

/**
 * The canonical serialization of a configuration, together with `extra` (the explorer's own part of a
 * state: what is left to submit, the fault budget).
 */
export function canonicalText(config: Configuration, extra: string, options: FingerprintOptions): string {
  const writer = new Writer(config.tick);
  if (options.renameMessages) writer.rename = canonicalIds(config, writer);
  const parts = writer.parts;
  parts.push(extra, '|');
  for (const node of config.nodes) parts.push(writer.part(node), ';');
  parts.push('|');
  writer.value(config.network, 'network');
  parts.push('|');
  for (const client of config.clients) parts.push(writer.part(client), ';');
  parts.push(`|${config.nextTimestamp}|${config.nextOrder}|`);
  if (!options.renameMessages) parts.push(String(config.nextMessageId));
  parts.push('|', historyDigest(config.history));
  return parts.join('');
}

export function fingerprint(config: Configuration, extra: string, options: FingerprintOptions): string {
  return createHash('sha1').update(canonicalText(config, extra, options)).digest('base64');
}
