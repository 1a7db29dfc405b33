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
// (one or two nodes, a few messages, a history cell), so the hash of an object (the parts worth it:
// `rememberedFields`) is remembered on the object itself, in a slot that is not enumerable (a copy by
// spread or `Object.assign` leaves it behind) — a WeakMap per object cost more, in its lookups and in the
// collector's work on its ephemeron table, than the hashing it saved. A record's hash is remembered in
// two parts: the sum of its fields that read neither the present tick nor the renaming of message ids,
// and the list of those that do, hashed again each time (a node whose locks hold a tick costs its locks
// at the next tick, not its store and decisions); the whole is also kept with its tick, for the next
// fingerprint at the same tick. A set of seen message ids keeps the sum of its ids as they are, and under
// renaming swaps the few ids in flight for their names. Other objects are remembered whole, with the tick
// they were hashed at, and not when they hold a renamed id. What holds a client id is remembered apart
// for each renaming of the clients. A step then hashes only what it made new, and the parts that hold a
// relative tick when time moved. tests/fingerprint.test.ts holds every remembered fingerprint to the
// one hashed afresh (`fresh`), with deliberately wrong ways of remembering (`fault`) as negative controls.

// Collisions: two distinct states share a fingerprint with probability about 2⁻⁶⁴ per pair (the lanes
// are a multiply-xorshift mix, not a cryptographic hash, so this is an estimate): over n states, about
// n² / 2⁶⁵ — 3 × 10⁻⁸ for a million states. `collisionChance` gives the bound that `ent explore` prints.

import type { Configuration, Envelope } from '../runtime/configuration.ts';
import type { History } from '../runtime/history.ts';
import { PersistentMap } from '../runtime/persistent-map.ts';
import { SmallMap } from '../runtime/small-map.ts';
import { listToArray, mapEntries, type ListValue, type MapValue } from '../semantics/values.ts';

/** Fields that hold a tick: hashed relative to the configuration's tick. */
export const tickFields = new Set(['tick', 'sentAt', 'deliverAt', 'recoverAt', 'renewedAt', 'since', 'deadline', 'resendAt']);
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
 * So are the parts that a step nearly always makes anew, whose remembered hash was seldom read again: a
 * node's volatile state and its table of running requests, a client's pending requests, an attempt's
 * token (counted on the explorer's benchmark scope: 284,049 volatile states hashed afresh against 21,944
 * found, running tables 254,928 against 100,062); each remembered object costs a `Memo` and a slot that
 * live as long as it, which the collector copies while its state waits on the frontier.
 */
const rememberedFields = new Set([
  'part', 'durable', 'store', 'decisions', 'prepared', 'applied', 'watermarks', 'forgettable', 'locks', 'seen',
  'stack', 'request', 'writes', 'reads', 'touched', 'incarnations', 'fields', 'args', 'outcome', 'value', 'batch', 'entities', 'body',
]);

export interface FingerprintOptions {
  readonly renameMessages: boolean;
  /**
   * The clients renamed (`symmetry`): client c's state is hashed as client `clients[c]`'s, and every
   * client id in the configuration (addresses, requests in messages, a coordinator's records, a node's
   * watermarks, the history's events) as `clients[c]`. Absent: every client as itself.
   */
  readonly clients?: readonly number[];
  /**
   * Hash every part afresh, reading and keeping no remembered hash (tests/fingerprint.test.ts holds the
   * remembered fingerprint to this one).
   */
  readonly fresh?: boolean;
  /**
   * A deliberately wrong way of remembering, for the negative controls of tests/fingerprint.test.ts:
   * `ignore-ticks` takes a hash remembered at one tick at any other; `ignore-renaming` hashes a set of
   * seen ids without renaming the ids in flight; `one-client-renaming` keeps one table for every
   * renaming of the clients.
   */
  readonly fault?: 'ignore-ticks' | 'ignore-renaming' | 'one-client-renaming';
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

/**
 * What the hash needs to know of a field name, found with one lookup: the name's hash, and how the
 * field's value is hashed (a tick, left out, remembered by object, a map of ticks, or one of the fields
 * that hold messages, message ids or client ids).
 */
interface FieldInfo {
  readonly name: string;
  readonly a: number;
  readonly b: number;
  readonly tick: boolean;
  readonly unread: boolean;
  readonly remembered: boolean;
  readonly tickMap: boolean;
  readonly special: number;
}

const special = { none: 0, network: 1, waiting: 2, seen: 3, watermarks: 4 } as const;
const specialFields = new Map<string, number>([['network', special.network], ['waiting', special.waiting], ['seen', special.seen], ['watermarks', special.watermarks]]);
const fieldInfos = new Map<string, FieldInfo>();

function fieldInfo(name: string): FieldInfo {
  const known = fieldInfos.get(name);
  if (known !== undefined) return known;
  const a = hashString(name);
  const info: FieldInfo = {
    name, a, b: laneB, tick: tickFields.has(name), unread: unreadFields.has(name), remembered: rememberedFields.has(name),
    tickMap: tickMaps.has(name), special: specialFields.get(name) ?? special.none,
  };
  fieldInfos.set(name, info);
  return info;
}

/** The value of a map of ticks is hashed as a field `tick` is. */
const tickInfo = fieldInfo('tick');
const partInfo = fieldInfo('part');

/**
 * A hash remembered by object. A record's is remembered in two parts: the sum of the fields whose hash
 * reads neither the present tick nor the renaming of message ids (`restA`, `restB`), and those fields
 * (`deps`), hashed again each time: so a node whose locks hold a tick, or whose set of seen ids is
 * renamed, costs the hash of those fields only, at any tick. Any other object's is remembered whole.
 */
class Memo {
  constructor(
    /** It holds a client id (then it is remembered apart for each renaming of the clients). */
    readonly clients: boolean,
    readonly restA: number,
    readonly restB: number,
    /** A record's fields hashed again each time, or undefined. */
    readonly deps: readonly FieldInfo[] | undefined,
    /** One of `deps` reads the renaming of message ids (then the whole hash is never remembered). */
    readonly depsRename: boolean,
    /** The tick the whole hash (`a`, `b`) holds; -1: it holds no tick; -2: there is none. */
    public now: number,
    public a: number,
    public b: number,
  ) {}

  /** Kept for one renaming of the clients (its key), in a list of such on the object. */
  permutation: string | undefined = undefined;
  next: Memo | undefined = undefined;
}

/**
 * Hashes remembered for objects that cannot carry a slot (frozen ones): apart with and without renaming
 * of message ids (a set of ids is hashed differently), and those that hold a client id apart again for
 * each renaming of the clients (the identity's with the others).
 */
const rememberedPlain = new WeakMap<object, Memo>();
const rememberedRenaming = new WeakMap<object, Memo>();
const rememberedPermuted = new Map<string, WeakMap<object, Memo>>();
/** What a message says (never a message id, so the same with and without renaming), by envelope. */
const contentsPlain = new WeakMap<Envelope, Memo>();
const contentsPermuted = new Map<string, WeakMap<Envelope, Memo>>();
/** A set of message ids carries the sum of its items' hashes as they are (without renaming) in this slot. */
const idSumsSlot = Symbol('fingerprint of message ids');

/** A renaming of the clients as text, by array (explorer/symmetry.ts hands out the same arrays again). */
const permutationKeys = new WeakMap<readonly number[], string>();

function permutedTable<K extends object>(tables: Map<string, WeakMap<K, Memo>>, key: string): WeakMap<K, Memo> {
  let table = tables.get(key);
  if (table === undefined) tables.set(key, (table = new WeakMap()));
  return table;
}

const tag = { number: 1, tick: 2, string: 3, true: 4, false: 5, undefined: 6, null: 7, array: 8, set: 9, map: 10, record: 11, list: 12, vmap: 13, envelope: 14, id: 15, renamed: 16, network: 17 } as const;

/**
 * How message ids are renamed in one fingerprint: an id's name is the hash of what its message says,
 * and its rank among the same. The ids of the messages in the configuration, a few: arrays searched in
 * order, one set of them reused by every fingerprint.
 */
class Renaming {
  size = 0;
  readonly ids: number[] = [];
  /** What each id's message says (its two lanes). */
  readonly contentA: number[] = [];
  readonly contentB: number[] = [];
  /** The hash each id is renamed to (its two lanes). */
  readonly nameA: number[] = [];
  readonly nameB: number[] = [];
  /** The message each id was named by, and whether what it says holds a client id. */
  readonly envelopes: Envelope[] = [];
  readonly contentsClient: boolean[] = [];

  indexOf(id: number): number {
    for (let index = 0; index < this.size; index++) if (this.ids[index] === id) return index;
    return -1;
  }
}

const renaming = new Renaming();

/**
 * The slots an object's hashes are kept in, with and without renaming of message ids: each a list of
 * hashes, one for every renaming of the clients that gave another (most objects have one).
 */
const plainSlot = Symbol('fingerprint');
const renamingSlot = Symbol('fingerprint with message ids renamed');
/** How a slot is put on an object: not enumerable (a copy by spread or `Object.assign` leaves it behind), not writable. */
const slotDescriptor: PropertyDescriptor = { value: undefined, enumerable: false, writable: false, configurable: false };
class Hasher {
  private readonly remembered: WeakMap<object, Memo>;
  /** The table of this renaming of the clients (undefined: no renaming). */
  private readonly permuted: WeakMap<object, Memo> | undefined;
  private readonly contentsPermuted: WeakMap<Envelope, Memo> | undefined;
  private readonly permutedKey: string | undefined;
  /** The slot of this hasher's hashes on an object (with or without renaming of message ids). */
  private readonly slot: symbol;

  /** `clients`: how client ids are renamed, or undefined to take each as it is. */
  /** Every part hashed afresh (`FingerprintOptions.fresh`). */
  private readonly fresh: boolean;
  private readonly fault: FingerprintOptions['fault'];

  constructor(readonly now: number, readonly rename: Renaming | undefined, readonly clients?: readonly number[], options?: FingerprintOptions) {
    this.fresh = options?.fresh === true;
    this.fault = options?.fault;
    this.remembered = rename === undefined ? rememberedPlain : rememberedRenaming;
    this.slot = rename === undefined ? plainSlot : renamingSlot;
    if (clients === undefined) {
      this.permuted = undefined;
      this.permutedKey = undefined;
      this.contentsPermuted = undefined;
    } else {
      let key = permutationKeys.get(clients);
      if (key === undefined) permutationKeys.set(clients, (key = clients.join(',')));
      if (this.fault === 'one-client-renaming') key = 'any';
      this.permutedKey = (rename === undefined ? 'p' : 'r') + key;
      this.permuted = permutedTable(rememberedPermuted, (rename === undefined ? 'p' : 'r') + key);
      this.contentsPermuted = permutedTable(contentsPermuted, key);
    }
  }

  /** Whether a remembered whole hash holds no tick or this one. */
  private current(memo: Memo): boolean {
    return memo.now === -1 || memo.now === this.now || (this.fault === 'ignore-ticks' && memo.now !== -2);
  }

  /** The hash remembered for an object that serves this hasher's renaming of clients. */
  private find(value: object): Memo | undefined {
    if (this.fresh) return undefined;
    const first = (value as Record<symbol, Memo | undefined>)[this.slot];
    if (first !== undefined) {
      for (let kept: Memo | undefined = first; kept !== undefined; kept = kept.next) {
        if (kept.permutation === undefined ? this.permutedKey === undefined || !kept.clients : kept.permutation === this.permutedKey) return kept;
      }
      return undefined;
    }
    if (Object.isExtensible(value)) return undefined;
    const memo = this.remembered.get(value);
    if (this.permuted === undefined || (memo !== undefined && !memo.clients)) return memo;
    return this.permuted.get(value);
  }

  private keep(value: object, memo: Memo): void {
    if (this.fresh) return;
    if (Object.isExtensible(value)) {
      // Kept for this renaming of the clients only when it holds a client id.
      if (memo.clients) memo.permutation = this.permutedKey;
      const first = (value as Record<symbol, Memo | undefined>)[this.slot];
      if (first === undefined) {
        slotDescriptor.value = memo;
        Object.defineProperty(value, this.slot, slotDescriptor);
        slotDescriptor.value = undefined;
      } else {
        let last = first;
        while (last.next !== undefined) last = last.next;
        last.next = memo;
      }
      return;
    }
    (memo.clients && this.permuted !== undefined ? this.permuted : this.remembered).set(value, memo);
  }

  /** A client id, renamed (or as it is). */
  clientId(client: number): number {
    readClient = true;
    return hashNumber(this.clients === undefined ? client : this.clients[client], tag.number);
  }

  /** `info`: the field the value is held in, which says how to hash some values. */
  value(value: unknown, info: FieldInfo | undefined): number {
    switch (typeof value) {
      case 'number':
        if (info !== undefined && info.tick) {
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
    if (info === undefined || !info.remembered) return this.object(value, info);
    if (Array.isArray(value) || value instanceof SmallMap || value instanceof PersistentMap || value instanceof Map || value instanceof Set) return this.rememberedWhole(value, info);
    const record = value as Record<string, unknown>;
    if ((record.kind === 'list' && 'vector' in record) || (record.kind === 'map' && 'tree' in record)) return this.rememberedWhole(value, info);
    return this.rememberedRecord(record);
  }

  /** An object remembered whole: with the tick it was hashed at when it holds one; not at all when it holds a renamed message id. */
  private rememberedWhole(value: object, info: FieldInfo): number {
    const known = this.find(value);
    if (known !== undefined && this.current(known)) {
      if (known.now !== -1) readTick = true;
      if (known.clients) readClient = true;
      laneB = known.b;
      return known.a;
    }
    const outerTick = readTick;
    const outerRename = readRename;
    const outerClient = readClient;
    readTick = false;
    readRename = false;
    readClient = false;
    const a = this.object(value, info);
    const b = laneB;
    if (!readRename) {
      if (known !== undefined) {
        known.now = this.now;
        known.a = a;
        known.b = b;
      } else {
        this.keep(value, new Memo(readClient, 0, 0, undefined, false, readTick ? this.now : -1, a, b));
      }
    }
    readTick ||= outerTick;
    readRename ||= outerRename;
    readClient ||= outerClient;
    laneB = b;
    return a;
  }

  /** A record remembered by object: the sum of its fields that hold no tick and no renamed id, and those fields hashed again. */
  private rememberedRecord(record: Record<string, unknown>): number {
    const known = this.find(record);
    if (known !== undefined) {
      if (known.clients) readClient = true;
      if (this.current(known)) {
        if (known.now !== -1) readTick = true;
        laneB = known.b;
        return known.a;
      }
      let a = known.restA;
      let b = known.restB;
      for (const info of known.deps!) {
        const itemA = this.value(record[info.name], info);
        a = (a + avalanche(stepA(info.a, itemA))) | 0;
        b = (b + avalanche(stepB(info.b, laneB))) | 0;
      }
      const fullA = avalanche(a);
      const fullB = avalanche(b);
      if (!known.depsRename) {
        known.now = this.now;
        known.a = fullA;
        known.b = fullB;
      }
      laneB = fullB;
      return fullA;
    }
    const outerTick = readTick;
    const outerRename = readRename;
    const outerClient = readClient;
    readClient = false;
    let restA = seedA ^ tag.record;
    let restB = seedB ^ tag.record;
    let depA = 0;
    let depB = 0;
    let deps: FieldInfo[] | undefined;
    let depsTick = false;
    let depsRename = false;
    // A client's own state names it by `id` (a node's does too, but is never renamed).
    const client = 'pending' in record && 'watermark' in record;
    for (const field in record) {
      const item = record[field];
      if (item === undefined) continue;
      const info = fieldInfo(field);
      if (info.unread) continue;
      if (typeof item === 'number' && (field === 'client' || (client && field === 'id'))) {
        const itemA = this.clientId(item);
        restA = (restA + avalanche(stepA(info.a, itemA))) | 0;
        restB = (restB + avalanche(stepB(info.b, laneB))) | 0;
        continue;
      }
      readTick = false;
      readRename = false;
      const itemA = this.value(item, info);
      if (readTick || readRename) {
        (deps ??= []).push(info);
        depsTick ||= readTick;
        depsRename ||= readRename;
        depA = (depA + avalanche(stepA(info.a, itemA))) | 0;
        depB = (depB + avalanche(stepB(info.b, laneB))) | 0;
      } else {
        restA = (restA + avalanche(stepA(info.a, itemA))) | 0;
        restB = (restB + avalanche(stepB(info.b, laneB))) | 0;
      }
    }
    const a = avalanche((restA + depA) | 0);
    const b = avalanche((restB + depB) | 0);
    // The parts are kept only when some field is hashed again (two numbers fewer on most objects).
    if (deps === undefined) this.keep(record, new Memo(readClient, 0, 0, undefined, false, -1, a, b));
    else this.keep(record, new Memo(readClient, restA, restB, deps, depsRename, depsRename ? -2 : this.now, a, b));
    readTick = outerTick || depsTick;
    readRename = outerRename || depsRename;
    readClient ||= outerClient;
    laneB = b;
    return a;
  }

  private object(value: object, info: FieldInfo | undefined): number {
    if (Array.isArray(value)) {
      if (info !== undefined && info.special === special.network) return this.network(value as readonly Envelope[]);
      const waiting = info !== undefined && info.special === special.waiting;
      let a = seedA ^ tag.array;
      let b = seedB ^ tag.array;
      for (const item of value) {
        const itemA = waiting ? this.envelope(item as Envelope) : this.value(item, undefined);
        a = stepA(a, itemA);
        b = stepB(b, laneB);
      }
      laneB = avalanche(b ^ value.length);
      return avalanche(a ^ value.length);
    }
    if (value instanceof SmallMap || value instanceof PersistentMap || value instanceof Map) return this.entries(value, info);
    if (value instanceof Set) {
      if (info !== undefined && info.special === special.seen && this.rename !== undefined) return this.seen(value as ReadonlySet<number>);
      let a = seedA ^ tag.set;
      let b = seedB ^ tag.set;
      for (const item of value) {
        const itemA = this.value(item, undefined);
        a = (a + avalanche(itemA)) | 0;
        b = (b + avalanche(laneB ^ 0x1b87_3593)) | 0;
      }
      laneB = avalanche(b ^ value.size);
      return avalanche(a ^ value.size);
    }
    const record = value as Record<string, unknown>;
    if (record.kind === 'list' && 'vector' in record) {
      const a = this.value(listToArray(value as ListValue), undefined);
      laneB = avalanche(laneB ^ tag.list);
      return avalanche(a ^ tag.list);
    }
    if (record.kind === 'map' && 'tree' in record) {
      const a = this.valueEntries(mapEntries(value as MapValue));
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
      if (item === undefined) continue;
      const info = fieldInfo(field);
      if (info.unread || (withoutTick && field === 'tick')) continue;
      const clientField = typeof item === 'number' && (field === 'client' || (client && field === 'id'));
      if (clientField && withoutClient) continue;
      const itemA = clientField ? this.clientId(item) : this.value(item, info);
      a = (a + avalanche(stepA(info.a, itemA))) | 0;
      b = (b + avalanche(stepB(info.b, laneB))) | 0;
    }
    laneB = avalanche(b);
    return avalanche(a);
  }

  /** The network: a multiset of messages. */
  network(network: readonly Envelope[]): number {
    let a = seedA ^ tag.network;
    let b = seedB ^ tag.network;
    for (const envelope of network) {
      const itemA = this.envelope(envelope);
      a = (a + avalanche(itemA)) | 0;
      b = (b + avalanche(laneB ^ 0x1b87_3593)) | 0;
    }
    laneB = avalanche(b ^ network.length);
    return avalanche(a ^ network.length);
  }

  /**
   * A set of message ids under renaming: a multiset, so its hash is the sum of its ids' hashes as they
   * are (remembered by set), with the ids that are renamed here (those of messages in flight) taken out
   * and put back renamed.
   */
  private seen(set: ReadonlySet<number>): number {
    let sums = this.fresh ? undefined : (set as { [idSumsSlot]?: { readonly a: number; readonly b: number } })[idSumsSlot];
    if (sums === undefined) {
      let sumA = 0;
      let sumB = 0;
      for (const id of set) {
        const itemA = hashNumber(id, tag.id);
        sumA = (sumA + avalanche(itemA)) | 0;
        sumB = (sumB + avalanche(laneB ^ 0x1b87_3593)) | 0;
      }
      sums = { a: sumA, b: sumB };
      if (!this.fresh && Object.isExtensible(set)) {
        slotDescriptor.value = sums;
        Object.defineProperty(set, idSumsSlot, slotDescriptor);
        slotDescriptor.value = undefined;
      }
    }
    let a = ((seedA ^ tag.set) + sums.a) | 0;
    let b = ((seedB ^ tag.set) + sums.b) | 0;
    if (set.size > 0 && this.fault !== 'ignore-renaming') {
      // Whatever holds an id is hashed again under renaming, even an id whose message is not in flight
      // here: the same set is shared with states where it is.
      readRename = true;
      const rename = this.rename!;
      for (let index = 0; index < rename.size; index++) {
        const id = rename.ids[index];
        if (!set.has(id)) continue;
        const plainA = hashNumber(id, tag.id);
        a = (a - avalanche(plainA)) | 0;
        b = (b - avalanche(laneB ^ 0x1b87_3593)) | 0;
        a = (a + avalanche(rename.nameA[index])) | 0;
        b = (b + avalanche(rename.nameB[index] ^ 0x1b87_3593)) | 0;
      }
    }
    laneB = avalanche(b ^ set.size);
    return avalanche(a ^ set.size);
  }

  /** The sums of the map whose entries are being added (`addEntry`), and how its entries are hashed. */
  private entriesA = 0;
  private entriesB = 0;
  private entriesValueInfo: FieldInfo | undefined = undefined;
  private entriesByClient = false;

  /** One entry of a map, added to the sums (a callback of `forEach`, which makes no array per entry). */
  private readonly addEntry = (item: unknown, entryKey: unknown): void => {
    const keyA = this.entriesByClient ? this.clientId(entryKey as number) : this.value(entryKey, undefined);
    const keyB = laneB;
    const itemA = this.value(item, this.entriesValueInfo);
    const entryA = stepA(stepA(seedA, keyA), itemA);
    const entryB = stepB(stepB(seedB, keyB), laneB);
    this.entriesA = (this.entriesA + avalanche(entryA)) | 0;
    this.entriesB = (this.entriesB + avalanche(entryB ^ 0x1b87_3593)) | 0;
  };

  /** A map's entries, in any order; the map's own field says whether its values are ticks. */
  private entries(map: ReadonlyMap<unknown, unknown> | PersistentMap<unknown>, info: FieldInfo | undefined): number {
    // A map's values may hold maps: the sums of this one are put aside meanwhile.
    const outerA = this.entriesA;
    const outerB = this.entriesB;
    const outerValueInfo = this.entriesValueInfo;
    const outerByClient = this.entriesByClient;
    this.entriesA = seedA ^ tag.map;
    this.entriesB = seedB ^ tag.map;
    this.entriesValueInfo = info !== undefined && info.tickMap ? tickInfo : undefined;
    // A node's watermarks are by client.
    this.entriesByClient = info !== undefined && info.special === special.watermarks;
    map.forEach(this.addEntry);
    const a = this.entriesA;
    const b = this.entriesB;
    this.entriesA = outerA;
    this.entriesB = outerB;
    this.entriesValueInfo = outerValueInfo;
    this.entriesByClient = outerByClient;
    laneB = avalanche(b ^ map.size);
    return avalanche(a ^ map.size);
  }

  /** A map value's entries (a program's `map<K, V>`), in any order. */
  private valueEntries(entries: Iterable<readonly [unknown, unknown]>): number {
    let a = seedA ^ tag.map;
    let b = seedB ^ tag.map;
    let count = 0;
    for (const [entryKey, item] of entries) {
      const keyA = this.value(entryKey, undefined);
      const keyB = laneB;
      const itemA = this.value(item, undefined);
      const entryA = stepA(stepA(seedA, keyA), itemA);
      const entryB = stepB(stepB(seedB, keyB), laneB);
      a = (a + avalanche(entryA)) | 0;
      b = (b + avalanche(entryB ^ 0x1b87_3593)) | 0;
      count++;
    }
    laneB = avalanche(b ^ count);
    return avalanche(a ^ count);
  }

  /** A message id: renamed (when renaming), or as it is. */
  messageId(id: number): number {
    if (this.rename === undefined) return hashNumber(id, tag.id);
    // Under renaming, whatever holds an id is hashed again, even an id whose message is not in flight
    // here: the same object is shared with states where it is.
    readRename = true;
    const index = this.rename.indexOf(id);
    if (index === -1) return hashNumber(id, tag.id);
    laneB = this.rename.nameB[index];
    return this.rename.nameA[index];
  }

  /** A message: its id renamed (or as it is), its delivery tick relative, its contents. */
  envelope(envelope: Envelope): number {
    readTick = true;
    // Under renaming, what the message says was hashed to name its id.
    const named = this.rename === undefined ? -1 : this.rename.indexOf(envelope.id);
    let contentA: number;
    let contentB: number;
    if (named !== -1 && this.rename!.envelopes[named] === envelope) {
      contentA = this.rename!.contentA[named];
      contentB = this.rename!.contentB[named];
      if (this.rename!.contentsClient[named]) readClient = true;
    } else {
      contentA = this.contents(envelope);
      contentB = laneB;
    }
    const idA = this.messageId(envelope.id);
    const idB = laneB;
    const due = envelope.deliverAt - this.now;
    laneB = avalanche(stepB(stepB(contentB, idB), due));
    return avalanche(stepA(stepA(contentA, idA), due) ^ tag.envelope);
  }

  /** What a message says, without its id or its ticks (the name its id is renamed by). */
  contents(envelope: Envelope): number {
    let known = this.fresh ? undefined : contentsPlain.get(envelope);
    if (!this.fresh && this.contentsPermuted !== undefined && (known === undefined || known.clients)) known = this.contentsPermuted.get(envelope);
    if (known !== undefined && this.current(known)) {
      if (known.now !== -1) readTick = true;
      if (known.clients) readClient = true;
      laneB = known.b;
      return known.a;
    }
    const outerTick = readTick;
    const outerClient = readClient;
    readTick = false;
    readClient = false;
    const a = this.contentsOnce(envelope);
    const b = laneB;
    if (known !== undefined) {
      known.now = this.now;
      known.a = a;
      known.b = b;
    } else {
      const memo = new Memo(readClient, 0, 0, undefined, false, readTick ? this.now : -1, a, b);
      if (!this.fresh) (readClient && this.contentsPermuted !== undefined ? this.contentsPermuted : contentsPlain).set(envelope, memo);
    }
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

/** Message ids renamed: by the hash of what each message says, and among messages that say the same, by the order of their ids. */
function canonicalIds(config: Configuration, hasher: Hasher, renaming: Renaming): void {
  renaming.size = 0;
  // Every message of the configuration: in flight, and parked at a lock.
  for (const envelope of config.network) nameId(envelope, hasher, renaming);
  for (const node of config.nodes) {
    const locks = node.volatile.locks;
    for (let index = 0; index < locks.size; index++) for (const envelope of locks.valueAt(index).waiting) nameId(envelope, hasher, renaming);
  }
  const { ids, contentA, contentB } = renaming;
  for (let index = 0; index < renaming.size; index++) {
    const id = ids[index];
    const a = contentA[index];
    const b = contentB[index];
    let rank = 0;
    for (let other = 0; other < renaming.size; other++) if (contentA[other] === a && contentB[other] === b && ids[other] < id) rank++;
    renaming.nameB[index] = avalanche(stepB(b, rank));
    renaming.nameA[index] = avalanche(stepA(a, rank) ^ tag.renamed);
  }
}

/** An id in the renaming (once), with what its message says. */
function nameId(envelope: Envelope, hasher: Hasher, renaming: Renaming): void {
  if (renaming.indexOf(envelope.id) !== -1) return;
  readClient = false;
  const a = hasher.contents(envelope);
  const index = renaming.size++;
  renaming.ids[index] = envelope.id;
  renaming.contentA[index] = a;
  renaming.contentB[index] = laneB;
  renaming.envelopes[index] = envelope;
  renaming.contentsClient[index] = readClient;
  readClient = false;
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

function historyPrint(history: History, fresh: boolean): HistoryPrint {
  if (history === undefined) return emptyHistoryPrint;
  const known = fresh ? undefined : historyPrints.get(history);
  if (known !== undefined) return known;
  // Iteratively from the newest cell remembered (a long history is not a deep recursion).
  const cells: NonNullable<History>[] = [];
  let print = emptyHistoryPrint;
  for (let at: History = history; at !== undefined; at = at.previous) {
    const found = fresh ? undefined : historyPrints.get(at);
    if (found !== undefined) { print = found; break; }
    cells.push(at);
  }
  const hasher = new Hasher(0, undefined, undefined, fresh ? { renameMessages: false, fresh } : undefined);
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
    if (!fresh) historyPrints.set(cell, print);
  }
  return print;
}

/**
 * The fingerprint of a configuration together with `extra` (the explorer's own part of a state: what is
 * left to submit, the fault budget), numbers mixed in in order.
 */
export function stateFingerprint(config: Configuration, extra: readonly number[], options: FingerprintOptions): Fingerprint {
  const rename: Renaming | undefined = options.renameMessages ? renaming : undefined;
  const clients = options.clients;
  const full = new Hasher(config.tick, rename, clients, options);
  // What a message says never holds a message id: it is hashed before the renaming is filled in.
  if (rename !== undefined) canonicalIds(config, full, rename);
  let a = seedA;
  let b = seedB;
  const add = (itemA: number): void => {
    a = stepA(a, itemA);
    b = stepB(b, laneB);
  };
  for (const number of extra) add(hashNumber(number, tag.number));
  for (const node of config.nodes) add(full.value(node, partInfo));
  add(full.network(config.network));
  // Client by client in the order of their new names: the client renamed as 0 first.
  const order = clients === undefined ? config.clients : inverse(clients).map((client) => config.clients[client]);
  for (const client of order) add(full.value(client, partInfo));
  add(hashNumber(config.nextTimestamp, tag.number));
  add(hashNumber(config.nextOrder, tag.number));
  if (rename === undefined) add(hashNumber(config.nextMessageId, tag.number));
  const history = historyPrint(config.history, options.fresh === true);
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

/** A text's two 32-bit lanes, as the fingerprint hashes a string: numbers for the `extra` of `stateFingerprint`. */
export function textLanes(text: string): [number, number] {
  const a = hashString(text);
  return [a, laneB];
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
