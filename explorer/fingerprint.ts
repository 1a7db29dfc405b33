// Stage: explorer. The fingerprint of a state: a 64-bit hash (two independent 32-bit lanes) of everything
// that can change what happens next or what a checker says, and of nothing else. Two states with one
// fingerprint are expanded once.
//  - Absolute ticks are left out: every tick (a message's delivery time, a timer, a lock's age) is hashed
//    relative to the configuration's own tick. The runtime never reads a tick except to compare it with
//    another or with the present, so two states that differ by a shift of time behave alike.
//  - The history, which the checkers read at the end, is hashed without its ticks (no checker reads
//    one), event by event in order (a chain of hashes, one per cell), so that states with different
//    histories are never merged.
//  - The network is a multiset, and so are a set's items and a map's entries (the scheduler picks among
//    all messages whatever their order): their hashes are summed, so their order does not count. A
//    record's fields are summed too, each hashed with its name.
//  - With `renameMessages`, message ids are renamed canonically (a message is named by the hash of what
//    it says, and among messages that say the same, by the order of their ids), and the counter of the
//    next id is left out: ids are only ever compared for equality (deduplication), and a fresh one is
//    always new, so a renamed state behaves as the original does.
//  - With `clients` (the `symmetry` reduction, explorer/symmetry.ts), client ids are renamed by a
//    permutation: each client's state is hashed in the place of its new name, and every client id the
//    configuration holds as its new name. The history is hashed as its events without their clients and,
//    per client, the positions of its events, so that a renaming reorders a few chains instead of hashing
//    the history again.
//  - The settings are the same for every state of an exploration and are left out; so is `recording`.
//
// Structural and incremental: the configuration is immutable and a step replaces only what it changes
// (one or two nodes, a few messages, a history cell), so the hash of every object is remembered by
// identity in a WeakMap (the parts worth it: `rememberedFields`): for good when it holds no tick, or with
// the tick it was hashed at (an object whose hash depends on message ids under renaming is not remembered). A step then hashes only what it
// made new, and what holds a relative tick when time moved.
//
// Collisions: two distinct states share a fingerprint with probability about 2⁻⁶⁴ per pair (the lanes
// are a multiply-xorshift mix, not a cryptographic hash, so this is an estimate): over n states, about
// n² / 2⁶⁵ — 3 × 10⁻⁸ for a million states. `collisionChance` gives the bound that `ent explore` prints.

import type { Configuration, Envelope } from '../runtime/configuration.ts';
import type { History } from '../runtime/history.ts';
import { PersistentMap } from '../runtime/persistent-map.ts';
import { listToArray, mapEntries, type ListValue, type MapValue } from '../semantics/values.ts';

/** Fields that hold a tick: hashed relative to the configuration's tick. */
const tickFields = new Set(['tick', 'sentAt', 'deliverAt', 'recoverAt', 'renewedAt', 'since', 'deadline', 'resendAt']);
/**
 * Fields that no rule of the runtime and no checker reads, only the views (the tick a message was first
 * sent, which a woken message keeps): left out, so that states differing only there are one state.
 */
const unreadFields = new Set(['sentAt']);
/** Maps whose values are ticks. */
const tickMaps = new Set(['inquiries', 'resends']);
/**
 * The fields whose values are remembered by object (and a node or a client, as `part`): the parts a
 * step leaves as they were and that are worth a lookup. Small records (an address, a reference) are
 * hashed again each time: remembering every object costs more in lookups and collection than it saves.
 */
const rememberedFields = new Set([
  'part', 'durable', 'volatile', 'store', 'decisions', 'prepared', 'applied', 'watermarks', 'forgettable', 'locks', 'running', 'seen',
  'pending', 'stack', 'request', 'token', 'writes', 'reads', 'touched', 'incarnations', 'fields', 'args', 'outcome', 'value', 'batch', 'entities', 'body',
]);

export interface FingerprintOptions {
  readonly renameMessages: boolean;
  /**
   * The clients renamed (`symmetry`): client c's state is hashed as client `clients[c]`'s, and every
   * client id in the configuration (addresses, requests in messages, a coordinator's records, a node's
   * watermarks, the history's events) as `clients[c]`. Absent: every client as itself.
   */
  readonly clients?: readonly number[];
}

/** A fingerprint: the two 32-bit lanes of a 64-bit hash. */
export interface Fingerprint {
  readonly high: number;
  readonly low: number;
}

// ------------------------------------------------------------------------------------------ mixing

const seedA = 0x2f6b_a1c3;
const seedB = 0x7d3e_9b15;

/** The avalanche of a 32-bit lane (every input bit moves about half of the output bits). */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h | 0;
}

function stepA(h: number, x: number): number {
  return (Math.imul(h ^ x, 0x9e37_79b1) + 0x6a09_e667) | 0;
}

function stepB(h: number, x: number): number {
  return (Math.imul((h << 5) ^ (h >>> 27) ^ x, 0x0100_0193) + 0x3c6e_f372) | 0;
}

/** The second lane of the hash the last function of this file returned (its first lane). */
let laneB = 0;
/** The last hash read the present tick (it may be remembered only with that tick). */
let readTick = false;
/** The last hash read the renaming of message ids (it may not be remembered). */
let readRename = false;
/** The last hash read a client id (it may be remembered, but used only when clients are not renamed). */
let readClient = false;

const stringHashes = new Map<string, readonly [number, number]>();

function hashString(text: string): number {
  const known = stringHashes.get(text);
  if (known !== undefined) {
    laneB = known[1];
    return known[0];
  }
  let a = seedA ^ text.length;
  let b = seedB ^ Math.imul(text.length, 0x27d4_eb2f);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    a = stepA(a, code);
    b = stepB(b, code);
  }
  a = avalanche(a);
  b = avalanche(b ^ 0x5bd1_e995);
  if (stringHashes.size < 1 << 16) stringHashes.set(text, [a, b]);
  laneB = b;
  return a;
}

function hashNumber(value: number, tag: number): number {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 31) {
    laneB = avalanche(stepB(seedB ^ tag, value));
    return avalanche(stepA(seedA ^ tag, value));
  }
  const a = hashString(String(value));
  laneB = avalanche(laneB ^ tag);
  return avalanche(a ^ tag);
}

// -------------------------------------------------------------------------------------------- hashing

interface Remembered {
  /** The tick the hash was taken at, or -1 when it holds no tick. */
  readonly now: number;
  readonly a: number;
  readonly b: number;
  /** It holds a client id (taken as it is). */
  readonly clients?: boolean;
}

/** Hashes remembered by object: apart for hashes taken with and without renaming (a set of ids is hashed differently). */
const rememberedPlain = new WeakMap<object, Remembered>();
const rememberedRenaming = new WeakMap<object, Remembered>();
/** What a message says (never a message id, so the same with and without renaming), by envelope. */
const contentsHashes = new WeakMap<Envelope, Remembered>();

const tag = { number: 1, tick: 2, string: 3, true: 4, false: 5, undefined: 6, null: 7, array: 8, set: 9, map: 10, record: 11, list: 12, vmap: 13, envelope: 14, id: 15, renamed: 16, network: 17 } as const;

/** How message ids are renamed in one fingerprint: an id's name is the hash of what its message says, and its rank among the same. */
type Renaming = Map<number, { readonly a: number; readonly b: number; readonly rank: number }>;

class Hasher {
  private readonly remembered: WeakMap<object, Remembered>;

  /** `clients`: how client ids are renamed, or undefined to take each as it is. */
  constructor(readonly now: number, readonly rename: Renaming | undefined, readonly clients?: readonly number[]) {
    this.remembered = rename === undefined ? rememberedPlain : rememberedRenaming;
  }

  /** Whether a remembered hash may be used: one that holds a client id only while clients are not renamed. */
  private usable(known: Remembered): boolean {
    return (known.now === -1 || known.now === this.now) && (known.clients !== true || this.clients === undefined);
  }

  /** A client id, renamed (or as it is). */
  clientId(client: number): number {
    readClient = true;
    return hashNumber(this.clients === undefined ? client : this.clients[client], tag.number);
  }

  /** `key`: the field the value is held in, which says how to hash some values. */
  value(value: unknown, key: string | undefined): number {
    switch (typeof value) {
      case 'number':
        if (key !== undefined && tickFields.has(key)) {
          readTick = true;
          return hashNumber(value - this.now, tag.tick);
        }
        return hashNumber(value, tag.number);
      case 'string': {
        const a = hashString(value);
        laneB ^= tag.string;
        return a;
      }
      case 'boolean':
        return hashNumber(0, value ? tag.true : tag.false);
      case 'undefined':
        return hashNumber(0, tag.undefined);
      case 'object':
        break;
      default:
        throw new Error(`assertion: a configuration holds no ${typeof value}`);
    }
    if (value === null) return hashNumber(0, tag.null);
    const cacheable = key !== undefined && rememberedFields.has(key);
    if (cacheable) {
      const known = this.remembered.get(value);
      if (known !== undefined && this.usable(known)) {
        if (known.now !== -1) readTick = true;
        if (known.clients === true) readClient = true;
        laneB = known.b;
        return known.a;
      }
    }
    const outerTick = readTick;
    const outerRename = readRename;
    const outerClient = readClient;
    readTick = false;
    readRename = false;
    readClient = false;
    const a = this.object(value, key);
    const b = laneB;
    if (cacheable && !readRename && !(readClient && this.clients !== undefined)) this.remembered.set(value, { now: readTick ? this.now : -1, a, b, clients: readClient });
    readTick ||= outerTick;
    readRename ||= outerRename;
    readClient ||= outerClient;
    laneB = b;
    return a;
  }

  private object(value: object, key: string | undefined): number {
    if (Array.isArray(value)) {
      if (key === 'network') return this.multiset(value.map((envelope: Envelope) => envelope), (envelope) => this.envelope(envelope), tag.network);
      let a = seedA ^ tag.array;
      let b = seedB ^ tag.array;
      for (const item of value) {
        const itemA = key === 'waiting' ? this.envelope(item as Envelope) : this.value(item, undefined);
        a = stepA(a, itemA);
        b = stepB(b, laneB);
      }
      laneB = avalanche(b ^ value.length);
      return avalanche(a ^ value.length);
    }
    if (value instanceof PersistentMap) return this.entries(value.entries(), key);
    if (value instanceof Map) return this.entries(value.entries(), key);
    if (value instanceof Set) {
      if (key === 'seen' && this.rename !== undefined) return this.multiset(value, (id: number) => this.messageId(id), tag.set);
      return this.multiset(value, (item) => this.value(item, undefined), tag.set);
    }
    const record = value as Record<string, unknown>;
    if (record.kind === 'list' && 'vector' in record) {
      const a = this.value(listToArray(value as ListValue), undefined);
      laneB = avalanche(laneB ^ tag.list);
      return avalanche(a ^ tag.list);
    }
    if (record.kind === 'map' && 'tree' in record) {
      const a = this.entries(mapEntries(value as MapValue), undefined);
      laneB = avalanche(laneB ^ tag.vmap);
      return avalanche(a ^ tag.vmap);
    }
    return this.record(record, false);
  }

  /** A record: the sum of its fields' hashes, each mixed with the field's name (fields undefined or unread left out). */
  record(record: Record<string, unknown>, withoutTick: boolean, withoutClient = false): number {
    let a = seedA ^ tag.record;
    let b = seedB ^ tag.record;
    // A client's own state names it by `id` (a node's does too, but is never renamed).
    const client = 'pending' in record && 'watermark' in record;
    for (const field in record) {
      const item = record[field];
      if (item === undefined || unreadFields.has(field) || (withoutTick && field === 'tick')) continue;
      const clientField = typeof item === 'number' && (field === 'client' || (client && field === 'id'));
      if (clientField && withoutClient) continue;
      const nameA = hashString(field);
      const nameB = laneB;
      const itemA = clientField ? this.clientId(item) : this.value(item, field);
      a = (a + avalanche(stepA(nameA, itemA))) | 0;
      b = (b + avalanche(stepB(nameB, laneB))) | 0;
    }
    laneB = avalanche(b);
    return avalanche(a);
  }

  /** Items whose order does not count: the sum of their (mixed) hashes. */
  multiset<T>(items: Iterable<T>, hash: (item: T) => number, kind: number): number {
    let a = seedA ^ kind;
    let b = seedB ^ kind;
    let count = 0;
    for (const item of items) {
      const itemA = hash(item);
      a = (a + avalanche(itemA)) | 0;
      b = (b + avalanche(laneB ^ 0x1b87_3593)) | 0;
      count++;
    }
    laneB = avalanche(b ^ count);
    return avalanche(a ^ count);
  }

  /** A map's entries, in any order; the map's own field says whether its values are ticks. */
  private entries(entries: Iterable<readonly [unknown, unknown]>, key: string | undefined): number {
    const valueKey = key !== undefined && tickMaps.has(key) ? 'tick' : undefined;
    // A node's watermarks are by client.
    const byClient = key === 'watermarks';
    return this.multiset(entries, ([entryKey, item]) => {
      const keyA = byClient ? this.clientId(entryKey as number) : this.value(entryKey, undefined);
      const keyB = laneB;
      const itemA = this.value(item, valueKey);
      const a = stepA(stepA(seedA, keyA), itemA);
      laneB = stepB(stepB(seedB, keyB), laneB);
      return a;
    }, tag.map);
  }

  /** A message id: renamed (when renaming), or as it is. */
  messageId(id: number): number {
    if (this.rename === undefined) return hashNumber(id, tag.id);
    // Under renaming, whatever holds an id is not remembered, even an id whose message is not in flight
    // here: the same object (a node's set of seen ids) is shared with states where it is.
    readRename = true;
    const renamed = this.rename.get(id);
    if (renamed === undefined) return hashNumber(id, tag.id);
    laneB = avalanche(stepB(renamed.b, renamed.rank));
    return avalanche(stepA(renamed.a, renamed.rank) ^ tag.renamed);
  }

  /** A message: its id renamed (or as it is), its delivery tick relative, its contents. */
  envelope(envelope: Envelope): number {
    readTick = true;
    const contentA = this.contents(envelope);
    const contentB = laneB;
    const idA = this.messageId(envelope.id);
    const idB = laneB;
    const due = envelope.deliverAt - this.now;
    laneB = avalanche(stepB(stepB(contentB, idB), due));
    return avalanche(stepA(stepA(contentA, idA), due) ^ tag.envelope);
  }

  /** What a message says, without its id or its ticks (the name its id is renamed by). */
  contents(envelope: Envelope): number {
    const known = contentsHashes.get(envelope);
    if (known !== undefined && this.usable(known)) {
      if (known.now !== -1) readTick = true;
      if (known.clients === true) readClient = true;
      laneB = known.b;
      return known.a;
    }
    const outerTick = readTick;
    const outerClient = readClient;
    readTick = false;
    readClient = false;
    const a = this.contentsOnce(envelope);
    const b = laneB;
    if (!(readClient && this.clients !== undefined)) contentsHashes.set(envelope, { now: readTick ? this.now : -1, a, b, clients: readClient });
    readTick ||= outerTick;
    readClient ||= outerClient;
    laneB = b;
    return a;
  }

  private contentsOnce(envelope: Envelope): number {
    const fromA = this.value(envelope.from, undefined);
    const fromB = laneB;
    const toA = this.value(envelope.to, undefined);
    const toB = laneB;
    const bodyA = this.value(envelope.body, undefined);
    laneB = avalanche(stepB(stepB(stepB(seedB, fromB), toB), laneB));
    return avalanche(stepA(stepA(stepA(seedA, fromA), toA), bodyA));
  }
}

/** Every message of the configuration: in flight, and parked at a lock. */
function envelopesOf(config: Configuration): Envelope[] {
  const all = [...config.network];
  for (const node of config.nodes) for (const lock of node.volatile.locks.values()) all.push(...lock.waiting);
  return all;
}

/** Message ids renamed: by the hash of what each message says, and among messages that say the same, by the order of their ids. */
function canonicalIds(config: Configuration, hasher: Hasher, renaming: Renaming): void {
  const named = new Map<number, { a: number; b: number }>();
  for (const envelope of envelopesOf(config)) {
    if (named.has(envelope.id)) continue;
    const a = hasher.contents(envelope);
    named.set(envelope.id, { a, b: laneB });
  }
  for (const [id, { a, b }] of named) {
    let rank = 0;
    for (const [other, name] of named) if (name.a === a && name.b === b && other < id) rank++;
    renaming.set(id, { a, b, rank });
  }
}

/**
 * The history's hash in two parts, so that clients can be renamed without hashing it again: a chain of
 * its events without their clients, cell by cell, and per client a chain of the positions of its events
 * (together they say whose each event is). Each cell's are remembered (a history only grows).
 */
interface HistoryPrint {
  readonly a: number;
  readonly b: number;
  readonly length: number;
  /** Per client id, the chain of the positions of its events. */
  readonly owners: ReadonlyMap<number, readonly [number, number]>;
}

const emptyHistoryPrint: HistoryPrint = { a: seedA, b: seedB, length: 0, owners: new Map() };
const historyPrints = new WeakMap<object, HistoryPrint>();

function historyPrint(history: History): HistoryPrint {
  if (history === undefined) return emptyHistoryPrint;
  const known = historyPrints.get(history);
  if (known !== undefined) return known;
  // Iteratively from the newest cell remembered (a long history is not a deep recursion).
  const cells: NonNullable<History>[] = [];
  let print = emptyHistoryPrint;
  for (let at: History = history; at !== undefined; at = at.previous) {
    const found = historyPrints.get(at);
    if (found !== undefined) { print = found; break; }
    cells.push(at);
  }
  const hasher = new Hasher(0, undefined);
  for (let index = cells.length - 1; index >= 0; index--) {
    const cell = cells[index];
    const event = cell.event as unknown as Record<string, unknown>;
    const eventA = hasher.record(event, true, true);
    const a = avalanche(stepA(stepA(print.a, eventA), 0x68e3_1da4));
    const b = avalanche(stepB(stepB(print.b, laneB), 0x1f83_d9ab));
    let owners = print.owners;
    if (typeof event.client === 'number') {
      const client = event.client;
      const [ownerA, ownerB] = owners.get(client) ?? [seedA, seedB];
      owners = new Map(owners).set(client, [stepA(ownerA, print.length), stepB(ownerB, print.length)]);
    }
    print = { a, b, length: print.length + 1, owners };
    historyPrints.set(cell, print);
  }
  return print;
}

/**
 * The fingerprint of a configuration together with `extra` (the explorer's own part of a state: what is
 * left to submit, the fault budget), numbers mixed in in order.
 */
export function stateFingerprint(config: Configuration, extra: readonly number[], options: FingerprintOptions): Fingerprint {
  const rename: Renaming | undefined = options.renameMessages ? new Map() : undefined;
  const clients = options.clients;
  const full = new Hasher(config.tick, rename, clients);
  // What a message says never holds a message id: it is hashed before the renaming is filled in.
  if (rename !== undefined) canonicalIds(config, full, rename);
  let a = seedA;
  let b = seedB;
  const add = (itemA: number): void => {
    a = stepA(a, itemA);
    b = stepB(b, laneB);
  };
  for (const number of extra) add(hashNumber(number, tag.number));
  for (const node of config.nodes) add(full.value(node, 'part'));
  add(full.value(config.network, 'network'));
  // Client by client in the order of their new names: the client renamed as 0 first.
  const order = clients === undefined ? config.clients : inverse(clients).map((client) => config.clients[client]);
  for (const client of order) add(full.value(client, 'part'));
  add(hashNumber(config.nextTimestamp, tag.number));
  add(hashNumber(config.nextOrder, tag.number));
  if (rename === undefined) add(hashNumber(config.nextMessageId, tag.number));
  const history = historyPrint(config.history);
  laneB = history.b;
  add(history.a);
  for (const client of order) {
    const owner = history.owners.get(client.id);
    laneB = owner === undefined ? seedB : owner[1];
    add(owner === undefined ? seedA : owner[0]);
  }
  readTick = false;
  readRename = false;
  readClient = false;
  return { high: avalanche(a) >>> 0, low: avalanche(b ^ 0x2545_f491) >>> 0 };
}

/** The inverse of a permutation: which client is renamed as each. */
function inverse(permutation: readonly number[]): number[] {
  const result = new Array<number>(permutation.length);
  permutation.forEach((to, from) => { result[to] = from; });
  return result;
}

/** A fingerprint as text (16 hex digits), for callers that key a map by it. */
export function fingerprintText(print: Fingerprint): string {
  return print.high.toString(16).padStart(8, '0') + print.low.toString(16).padStart(8, '0');
}

/** The fingerprint of a configuration with `extra` (any text), as text. */
export function fingerprint(config: Configuration, extra: string, options: FingerprintOptions): string {
  const extraA = hashString(extra);
  const extraB = laneB;
  return fingerprintText(stateFingerprint(config, [extraA, extraB], options));
}

/** An upper estimate of the chance that two of `states` distinct states shared a fingerprint: n² / 2⁶⁵. */
export function collisionChance(states: number): number {
  return Math.min(1, (states * states) / 2 ** 65);
}

/**
 * The set of fingerprints seen, each with the index of its state: open addressing over typed arrays
 * (12 bytes a slot, at most half full), instead of a Map of strings.
 */
export class FingerprintTable {
  private highs = new Uint32Array(1 << 12);
  private lows = new Uint32Array(1 << 12);
  /** The state's index + 1; 0 is an empty slot. */
  private values = new Int32Array(1 << 12);
  size = 0;

  get bytes(): number {
    return this.highs.byteLength + this.lows.byteLength + this.values.byteLength;
  }

  get(print: Fingerprint): number | undefined {
    const mask = this.values.length - 1;
    for (let slot = (print.high ^ Math.imul(print.low, 0x9e37_79b1)) & mask; ; slot = (slot + 1) & mask) {
      const value = this.values[slot];
      if (value === 0) return undefined;
      if (this.highs[slot] === print.high && this.lows[slot] === print.low) return value - 1;
    }
  }

  set(print: Fingerprint, index: number): void {
    if ((this.size + 1) * 2 > this.values.length) this.grow();
    this.place(print.high, print.low, index + 1);
    this.size++;
  }

  private place(high: number, low: number, value: number): void {
    const mask = this.values.length - 1;
    let slot = (high ^ Math.imul(low, 0x9e37_79b1)) & mask;
    while (this.values[slot] !== 0) {
      if (this.highs[slot] === high && this.lows[slot] === low) {
        this.values[slot] = value;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.values[slot] = value;
  }

  private grow(): void {
    const { highs, lows, values } = this;
    this.highs = new Uint32Array(values.length * 2);
    this.lows = new Uint32Array(values.length * 2);
    this.values = new Int32Array(values.length * 2);
    for (let slot = 0; slot < values.length; slot++) if (values[slot] !== 0) this.place(highs[slot], lows[slot], values[slot]);
  }
}
