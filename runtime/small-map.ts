// Stage: runtime. An immutable map for the small tables of a node's state (locks, runs, inquiries,
// resends, prepared records, watermarks): its entries in one array, keys and values interleaved, in
// the order of insertion, searched in order. A change gives a new map that copies the array; the old
// map stays valid, as every configuration of a run must.
//
// Why not a JavaScript `Map` copied whole at each change: copying one costs V8 its iteration protocol
// (an entry array and a result object per entry) and a new hash table, 5 to 6 times what `with` costs
// here for 1 to 16 entries (`bench/copies.js tables`), and these tables change at nearly every step.
// Why not `PersistentMap`: up to 16 entries it is one such `Map`, copied whole. These tables hold a
// handful of entries (one per attempt, lock or client at a node), where a search in order costs less
// than a hash. Iteration follows a `Map`'s order exactly (a new key last, a replaced value in its
// place, a deleted key gone), so a run that iterates one does what it did with a `Map`.

export class SmallMap<K, V> implements ReadonlyMap<K, V> {
  private static readonly emptyMap = new SmallMap<never, never>([]);

  static empty<K, V>(): SmallMap<K, V> {
    return SmallMap.emptyMap as SmallMap<K, V>;
  }

  /** A map of these entries, in this order (a later entry with an earlier one's key replaces its value). */
  static of<K, V>(entries: Iterable<readonly [K, V]>): SmallMap<K, V> {
    let map = SmallMap.empty<K, V>();
    for (const [key, value] of entries) map = map.with(key, value);
    return map;
  }

  /** Keys at even positions, each followed by its value. */
  private constructor(private readonly items: readonly (K | V)[]) {}

  get size(): number {
    return this.items.length >> 1;
  }

  private indexOf(key: K): number {
    const items = this.items;
    for (let index = 0; index < items.length; index += 2) if (items[index] === key) return index;
    return -1;
  }

  get(key: K): V | undefined {
    const index = this.indexOf(key);
    return index === -1 ? undefined : (this.items[index + 1] as V);
  }

  has(key: K): boolean {
    return this.indexOf(key) !== -1;
  }

  /** The map with `key` bound to `value`: in its place when it was bound, else last. */
  with(key: K, value: V): SmallMap<K, V> {
    const index = this.indexOf(key);
    const items = this.items;
    // Copied into an array of the final length (a slice and a push would allocate the array twice).
    const copy = new Array<K | V>(index === -1 ? items.length + 2 : items.length);
    for (let position = 0; position < items.length; position++) copy[position] = items[position];
    if (index === -1) {
      copy[items.length] = key;
      copy[items.length + 1] = value;
    } else {
      copy[index + 1] = value;
    }
    return new SmallMap(copy);
  }

  /** The map without `key` (the same map when it is not bound). */
  without(key: K): SmallMap<K, V> {
    const index = this.indexOf(key);
    if (index === -1) return this;
    if (this.items.length === 2) return SmallMap.empty();
    const items = this.items;
    const copy = new Array<K | V>(items.length - 2);
    for (let position = 0; position < index; position++) copy[position] = items[position];
    for (let position = index + 2; position < items.length; position++) copy[position - 2] = items[position];
    return new SmallMap(copy);
  }

  /** The map without every key of `keys` (the same map when none is bound). */
  withoutAll(keys: Iterable<K>): SmallMap<K, V> {
    let map: SmallMap<K, V> = this;
    for (const key of keys) map = map.without(key);
    return map;
  }

  /** The key of the entry at `position` (0 to size - 1, in order): a loop over these allocates nothing. */
  keyAt(position: number): K {
    return this.items[2 * position] as K;
  }

  /** The value of the entry at `position`. */
  valueAt(position: number): V {
    return this.items[2 * position + 1] as V;
  }

  /** The keys in order, as a new array. */
  keyList(): K[] {
    const items = this.items;
    const keys = new Array<K>(items.length >> 1);
    for (let index = 0; index < items.length; index += 2) keys[index >> 1] = items[index] as K;
    return keys;
  }

  /** The values in order, as a new array. */
  valueList(): V[] {
    const items = this.items;
    const values = new Array<V>(items.length >> 1);
    for (let index = 1; index < items.length; index += 2) values[index >> 1] = items[index] as V;
    return values;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    const items = this.items;
    for (let index = 0; index < items.length; index += 2) callback(items[index + 1] as V, items[index] as K, this);
  }

  *entries(): MapIterator<[K, V]> {
    const items = this.items;
    for (let index = 0; index < items.length; index += 2) yield [items[index] as K, items[index + 1] as V];
  }

  *keys(): MapIterator<K> {
    const items = this.items;
    for (let index = 0; index < items.length; index += 2) yield items[index] as K;
  }

  *values(): MapIterator<V> {
    const items = this.items;
    for (let index = 1; index < items.length; index += 2) yield items[index] as V;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
