// Stage: runtime. A persistent map with string keys: a hash trie whose nodes have 64 children, six bits
// of the key's hash per level, with small buckets at the leaves. An update copies one node per level
// and one bucket of at most 16 entries, so its cost grows with the logarithm of the size (three levels
// hold a million entries); old versions stay valid, which is what keeps every configuration of a run
// immutable and cheap to step. It is a class, so that immer would never draft it: every update goes
// through `with` and gives a new map.
//
// (The first version had a fixed two levels of 64 × 64 buckets: a bucket held size / 4,096 entries and
// was copied at every update, so an update in a map of 100,000 cost six times what it does now, and the
// coordinators' decisions of a million-transaction run grew without bound; see docs/benchmarks.md.)

const bitsPerLevel = 6;
const fanOut = 1 << bitsPerLevel;
const mask = fanOut - 1;
/** A bucket splits into a node of 64 when it outgrows this. */
const bucketMax = 16;
/** Five levels use 30 bits of the 32-bit hash; keys that agree on those share a bucket of any size. */
const depthMax = 5;

function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

type Bucket<V> = ReadonlyMap<string, V>;
/** 64 children, each a node, a bucket or nothing. */
type Branch<V> = readonly (Trie<V> | undefined)[];
type Trie<V> = Bucket<V> | Branch<V>;

function slot(hash: number, depth: number): number {
  return (hash >>> (bitsPerLevel * depth)) & mask;
}

/** A bucket too large for its depth, as a node of smaller buckets (split again where they are still too large). */
function split<V>(bucket: Bucket<V>, depth: number): Trie<V> {
  if (bucket.size <= bucketMax || depth >= depthMax) return bucket;
  const parts: (Map<string, V> | undefined)[] = new Array(fanOut).fill(undefined);
  for (const [key, value] of bucket) {
    const index = slot(hashOf(key), depth);
    (parts[index] ??= new Map()).set(key, value);
  }
  return parts.map((part) => (part === undefined ? undefined : split(part, depth + 1)));
}

/**
 * A bucket's copy, in the same order. `new Map(bucket)` would go through the iteration protocol (an
 * array and a result object per entry); `forEach` does not.
 */
function copyBucket<V>(bucket: Bucket<V>): Map<string, V> {
  const copy = new Map<string, V>();
  bucket.forEach((value, key) => {
    copy.set(key, value);
  });
  return copy;
}

/** The trie with `key` bound to `value` (or unbound, for `undefined`); the same trie when nothing changes. */
function update<V>(trie: Trie<V> | undefined, key: string, hash: number, value: V | undefined, depth: number): Trie<V> | undefined {
  if (trie === undefined) return value === undefined ? undefined : new Map([[key, value]]);
  if (trie instanceof Map) {
    const bucket = trie as Bucket<V>;
    if (value === undefined) {
      if (!bucket.has(key)) return bucket;
      if (bucket.size === 1) return undefined;
      const smaller = copyBucket(bucket);
      smaller.delete(key);
      return smaller;
    }
    return split(copyBucket(bucket).set(key, value), depth);
  }
  const branch = trie as Branch<V>;
  const index = slot(hash, depth);
  const child = update(branch[index], key, hash, value, depth + 1);
  if (child === branch[index]) return branch;
  const copy = branch.slice();
  copy[index] = child;
  return copy;
}

export class PersistentMap<V> {
  private static readonly emptyMap = new PersistentMap<never>(undefined, 0);

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.emptyMap as PersistentMap<V>;
  }

  private constructor(
    private readonly root: Trie<V> | undefined,
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    const hash = hashOf(key);
    let trie = this.root;
    for (let depth = 0; trie !== undefined; depth++) {
      if (trie instanceof Map) return (trie as Bucket<V>).get(key);
      trie = (trie as Branch<V>)[slot(hash, depth)];
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The map with `key` bound to `value`, or without `key` for `undefined`. */
  with(key: string, value: V | undefined): PersistentMap<V> {
    const had = this.has(key);
    if (value === undefined && !had) return this;
    const root = update(this.root, key, hashOf(key), value, 0);
    return new PersistentMap(root, this.size + (value === undefined ? -1 : had ? 0 : 1));
  }

  entries(): IterableIterator<[string, V]> {
    // A map of up to 16 entries is one bucket: its own iterator, without a generator around it (the
    // simulator asks every client's pending requests for their deadlines at every global step).
    const root = this.root;
    if (root instanceof Map) return (root as Map<string, V>).entries();
    return entriesOf(root);
  }

  /** Every entry, without an array per entry (explorer/fingerprint.ts hashes maps by it). */
  forEach(callback: (value: V, key: string) => void): void {
    const root = this.root;
    if (root instanceof Map) (root as Map<string, V>).forEach(callback);
    else for (const [key, value] of entriesOf(root)) callback(value, key);
  }

  values(): IterableIterator<V> {
    const root = this.root;
    if (root instanceof Map) return (root as Map<string, V>).values();
    return valuesOf(root);
  }
}

function* valuesOf<V>(trie: Trie<V> | undefined): Generator<V> {
  for (const [, value] of entriesOf(trie)) yield value;
}

function* entriesOf<V>(trie: Trie<V> | undefined): Generator<[string, V]> {
  if (trie === undefined) return;
  if (trie instanceof Map) {
    yield* trie as Bucket<V>;
    return;
  }
  for (const child of trie as Branch<V>) yield* entriesOf(child);
}
