// Stage: runtime. A persistent map with string keys: an update copies two small arrays and one bucket
// (a fixed two-level trie of 64 × 64 buckets), so that a configuration with a million decisions or a
// hundred thousand entities is copied in microseconds and old configurations stay valid. It is a class,
// so that immer would never draft it: every update goes through `with` and gives a new map.

const fanOut = 64;

function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

type Bucket<V> = ReadonlyMap<string, V>;
const emptyBucket: Bucket<never> = new Map<string, never>();
const emptyRow: readonly Bucket<never>[] = Array.from({ length: fanOut }, () => emptyBucket);
const emptyRows: readonly (readonly Bucket<never>[])[] = Array.from({ length: fanOut }, () => emptyRow);

export class PersistentMap<V> {
  private static readonly emptyMap = new PersistentMap<never>(emptyRows, 0);

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.emptyMap as PersistentMap<V>;
  }

  private constructor(
    private readonly rows: readonly (readonly Bucket<V>[])[],
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    const hash = hashOf(key);
    return this.rows[hash % fanOut][(hash >>> 6) % fanOut].get(key);
  }

  has(key: string): boolean {
    const hash = hashOf(key);
    return this.rows[hash % fanOut][(hash >>> 6) % fanOut].has(key);
  }

  /** The map with `key` bound to `value`, or without `key` for `undefined`. */
  with(key: string, value: V | undefined): PersistentMap<V> {
    const hash = hashOf(key);
    const rowIndex = hash % fanOut;
    const bucketIndex = (hash >>> 6) % fanOut;
    const bucket = new Map(this.rows[rowIndex][bucketIndex]);
    const had = bucket.has(key);
    if (value === undefined) {
      if (!had) return this;
      bucket.delete(key);
    } else {
      bucket.set(key, value);
    }
    const row = this.rows[rowIndex].slice();
    row[bucketIndex] = bucket;
    const rows = this.rows.slice();
    rows[rowIndex] = row;
    const size = this.size + (value === undefined ? -1 : had ? 0 : 1);
    return new PersistentMap(rows, size);
  }

  *entries(): Generator<[string, V]> {
    for (const row of this.rows) for (const bucket of row) yield* bucket;
  }

  *values(): Generator<V> {
    for (const [, value] of this.entries()) yield value;
  }
}
