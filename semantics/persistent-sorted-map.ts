// Stage: semantics. The persistent ordered map behind Ent's maps (values.ts): keys are ints or strings,
// kept in ascending order (ints numerically, strings by UTF-16 code units: JavaScript's `<`), in an AVL
// tree. A lookup walks one path; an insert, a store or a remove copies one path and rebalances along it,
// so it costs O(log n) and leaves the old version as it was; iteration walks the tree in key order, so
// `for`, `keys()`, printing and JSON need no sort. A map of 10,000,000 entries (Ent's size limit) is at
// most 34 levels deep, so every update copies a bounded number of nodes.
//
// A map of up to 16 entries is no tree but two flat arrays, its keys in ascending order and its values
// at the same indexes; a lookup scans the keys. Small maps are common (a map of counts per bucket, per
// state, per account), and their usual update stores a key they already hold: the flat map then keeps
// its keys array and copies the values alone (at most 16 slots), where the tree copies a path of four or five
// nodes. Measured (docs/benchmarks.md, "Small maps as flat arrays"), a `has`, lookup and store of an
// existing key costs 20 to 30 % less flat than in the tree up to 32 entries (13 % less at 64), and a
// lookup alone the same up to 24; but an insert or a remove, which copies both arrays, costs as much as
// the tree's at 8 entries, 1.2 to 1.3× at 16, 1.6 to 1.9× at 32 and about 3× at 64. 16 keeps the gain
// of the common update and bounds the loss of the rarer insert and remove. The set past 16 entries
// builds the balanced tree of the 17 at once, and the remove back to 16 flattens it, so the shape is a
// function of the size (flat up to 16, a tree above) and neither is ever observable: every operation
// gives the same answers in both, in the same order.
//
// One exception to "the old version as it was": `storeInPlace` changes a flat map's values itself, for
// the compiled blocks' values updated in place (interpreter/compiled.ts `inPlaceVariables`), which call
// it only on a map that nothing else holds.

export type SortedKey = number | string;

/** The largest map kept as flat sorted arrays; a larger one is an AVL tree. */
const flatMax = 16;

interface TreeNode<V> {
  readonly key: SortedKey;
  readonly value: V;
  readonly left: TreeNode<V> | undefined;
  readonly right: TreeNode<V> | undefined;
  /** Levels in this subtree: 1 for a leaf. */
  readonly height: number;
}

/**
 * Which deliberate mistake the map makes: none, or (for the negative controls of its model test only)
 * a remove that moves the removed key's successor into its place without taking it out of its own:
 * `remove-keeps-successor` in a tree (the remove of a node with two children), and
 * `flat-remove-keeps-successor` in flat arrays (the remove of any key but the largest).
 */
export type SortedMapFault = 'none' | 'remove-keeps-successor' | 'flat-remove-keeps-successor';

let fault: SortedMapFault = 'none';

/** For tests/persistent-sorted-map.test.ts only: makes every map from now on misbehave as `chosen` says. */
export function setSortedMapFaultForTesting(chosen: SortedMapFault): void {
  fault = chosen;
}

function heightOf<V>(node: TreeNode<V> | undefined): number {
  return node === undefined ? 0 : node.height;
}

function makeNode<V>(key: SortedKey, value: V, left: TreeNode<V> | undefined, right: TreeNode<V> | undefined): TreeNode<V> {
  const leftHeight = heightOf(left);
  const rightHeight = heightOf(right);
  return { key, value, left, right, height: (leftHeight > rightHeight ? leftHeight : rightHeight) + 1 };
}

/** A node over two subtrees whose heights differ by at most two, rotated so that they differ by at most one. */
function balanced<V>(key: SortedKey, value: V, left: TreeNode<V> | undefined, right: TreeNode<V> | undefined): TreeNode<V> {
  const leftHeight = heightOf(left);
  const rightHeight = heightOf(right);
  if (leftHeight > rightHeight + 1) {
    const { left: outer, right: inner } = left!;
    if (heightOf(outer) >= heightOf(inner)) {
      return makeNode(left!.key, left!.value, outer, makeNode(key, value, inner, right));
    }
    return makeNode(inner!.key, inner!.value, makeNode(left!.key, left!.value, outer, inner!.left), makeNode(key, value, inner!.right, right));
  }
  if (rightHeight > leftHeight + 1) {
    const { right: outer, left: inner } = right!;
    if (heightOf(outer) >= heightOf(inner)) {
      return makeNode(right!.key, right!.value, makeNode(key, value, left, inner), outer);
    }
    return makeNode(inner!.key, inner!.value, makeNode(key, value, left, inner!.left), makeNode(right!.key, right!.value, inner!.right, outer));
  }
  return makeNode(key, value, left, right);
}

/** Set by `inserted` when the key was new: the caller's size grows (one walk instead of a lookup first). */
let insertedNewKey = false;

function inserted<V>(node: TreeNode<V> | undefined, key: SortedKey, value: V): TreeNode<V> {
  if (node === undefined) {
    insertedNewKey = true;
    return { key, value, left: undefined, right: undefined, height: 1 };
  }
  if (key < node.key) return balanced(node.key, node.value, inserted(node.left, key, value), node.right);
  if (key > node.key) return balanced(node.key, node.value, node.left, inserted(node.right, key, value));
  return { key, value, left: node.left, right: node.right, height: node.height };
}

/** The subtree without its smallest key (which the caller has read). */
function withoutSmallest<V>(node: TreeNode<V>): TreeNode<V> | undefined {
  if (node.left === undefined) return node.right;
  return balanced(node.key, node.value, withoutSmallest(node.left), node.right);
}

function smallest<V>(node: TreeNode<V>): TreeNode<V> {
  let current = node;
  while (current.left !== undefined) current = current.left;
  return current;
}

/** The subtree without `key`, which it holds. */
function removed<V>(node: TreeNode<V>, key: SortedKey): TreeNode<V> | undefined {
  if (key < node.key) return balanced(node.key, node.value, removed(node.left!, key), node.right);
  if (key > node.key) return balanced(node.key, node.value, node.left, removed(node.right!, key));
  if (node.left === undefined) return node.right;
  if (node.right === undefined) return node.left;
  // Two children: the smallest key of the right subtree takes the removed node's place.
  const successor = smallest(node.right);
  const right = fault === 'remove-keeps-successor' ? node.right : withoutSmallest(node.right);
  return balanced(successor.key, successor.value, node.left, right);
}

/** A balanced tree of the sorted entries `[start, end)` of `keys` and `values`. */
function fromSorted<V>(keys: readonly SortedKey[], values: readonly V[], start: number, end: number): TreeNode<V> | undefined {
  if (start >= end) return undefined;
  const middle = (start + end) >>> 1;
  return makeNode(keys[middle], values[middle], fromSorted(keys, values, start, middle), fromSorted(keys, values, middle + 1, end));
}

/** The number of keys in the ascending `keys` below `key`: where `key` is, or would go. */
function search(keys: readonly SortedKey[], key: SortedKey): number {
  // A linear scan: at 16 keys or fewer it is as fast as a binary search, and simpler.
  let index = 0;
  const length = keys.length;
  while (index < length && keys[index] < key) index++;
  return index;
}

// The last search of a flat map, remembered: `m.has(k)`, `m[k]` and `m[k] = …` one after the other
// search the same keys array for the same key (a store of an existing key keeps the keys array, so
// the store after a lookup does too). Keys arrays are never written after they are made, so the
// remembered position stays right for as long as the array lives; nothing but speed depends on it.
let lastKeys: readonly SortedKey[] | undefined;
let lastKey: SortedKey = 0;
let lastPosition = 0;

/** `search`, remembering the last one. */
function position(keys: readonly SortedKey[], key: SortedKey): number {
  if (keys === lastKeys && key === lastKey) return lastPosition;
  lastKeys = keys;
  lastKey = key;
  return (lastPosition = search(keys, key));
}

/** A copy of `items` with `item` inserted at `index`. */
function withInserted<T>(items: readonly T[], index: number, item: T): T[] {
  // Filling an array of the final length is faster than `slice` and `splice`, or than `push`.
  const length = items.length;
  const copy = new Array<T>(length + 1);
  for (let other = 0; other < index; other++) copy[other] = items[other];
  copy[index] = item;
  for (let other = index; other < length; other++) copy[other + 1] = items[other];
  return copy;
}

/** A copy of `items` without the one at `index`. */
function withoutAt<T>(items: readonly T[], index: number): T[] {
  const length = items.length;
  const copy = new Array<T>(length - 1);
  for (let other = 0; other < index; other++) copy[other] = items[other];
  for (let other = index + 1; other < length; other++) copy[other - 1] = items[other];
  return copy;
}

export class PersistentSortedMap<V> {
  private static readonly emptyMap = new PersistentSortedMap<never>(undefined, [], [], 0);

  static empty<V>(): PersistentSortedMap<V> {
    return PersistentSortedMap.emptyMap as PersistentSortedMap<V>;
  }

  /** The map of `entries`; a key given twice keeps its last value. */
  static from<V>(entries: Iterable<readonly [SortedKey, V]>): PersistentSortedMap<V> {
    const byKey = new Map<SortedKey, V>(entries);
    const sorted = [...byKey].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    const keys = sorted.map(([key]) => key);
    const values = sorted.map(([, value]) => value);
    return PersistentSortedMap.ofSorted(keys, values);
  }

  /** The map of the ascending `keys` and their `values`, in the shape its size calls for; takes the arrays. */
  private static ofSorted<V>(keys: SortedKey[], values: V[]): PersistentSortedMap<V> {
    if (keys.length <= flatMax) return new PersistentSortedMap(undefined, keys, values, keys.length);
    return new PersistentSortedMap(fromSorted(keys, values, 0, keys.length), undefined, undefined, keys.length);
  }

  private constructor(
    /** The tree of a map of more than `flatMax` entries; `undefined` for a flat one. */
    private readonly root: TreeNode<V> | undefined,
    /** The keys of a flat map (at most `flatMax`), ascending; `undefined` for a tree. */
    private readonly flatKeys: readonly SortedKey[] | undefined,
    /** The values of a flat map, each at its key's index. */
    private readonly flatValues: readonly V[] | undefined,
    readonly size: number,
  ) {}

  get(key: SortedKey): V | undefined {
    const keys = this.flatKeys;
    if (keys !== undefined) {
      const index = position(keys, key);
      return index < keys.length && keys[index] === key ? this.flatValues![index] : undefined;
    }
    let node = this.root;
    while (node !== undefined) {
      if (key < node.key) node = node.left;
      else if (key > node.key) node = node.right;
      else return node.value;
    }
    return undefined;
  }

  has(key: SortedKey): boolean {
    return this.get(key) !== undefined;
  }

  /** The map with `key` bound to `value`. */
  set(key: SortedKey, value: V): PersistentSortedMap<V> {
    const keys = this.flatKeys;
    if (keys !== undefined) {
      const index = position(keys, key);
      if (index < keys.length && keys[index] === key) {
        // Same keys: the new version shares the keys array and copies the values alone.
        const values = this.flatValues!.slice();
        values[index] = value;
        return new PersistentSortedMap(undefined, keys, values, this.size);
      }
      return PersistentSortedMap.ofSorted(withInserted(keys, index, key), withInserted(this.flatValues!, index, value));
    }
    insertedNewKey = false;
    const root = inserted(this.root, key, value);
    return new PersistentSortedMap(root, undefined, undefined, insertedNewKey ? this.size + 1 : this.size);
  }

  /**
   * `set` of a key the map holds, done to this map itself, for a caller that holds the only reference
   * to it (values.ts `mapStoreInPlace`): only a flat map, whose values array every operation that makes
   * a map copies (the keys array, which versions share, is not written); gives whether it stored.
   */
  storeInPlace(key: SortedKey, value: V): boolean {
    const keys = this.flatKeys;
    if (keys === undefined) return false;
    const index = position(keys, key);
    if (index >= keys.length || keys[index] !== key) return false;
    (this.flatValues as V[])[index] = value;
    return true;
  }

  /** The map without `key`; the same map when it has no `key`. */
  remove(key: SortedKey): PersistentSortedMap<V> {
    const keys = this.flatKeys;
    if (keys !== undefined) {
      const index = position(keys, key);
      if (index === keys.length || keys[index] !== key) return this;
      const values = this.flatValues!;
      if (fault === 'flat-remove-keeps-successor' && index + 1 < keys.length) {
        const newKeys = keys.slice();
        const newValues = values.slice();
        // The flat form of the tree's fault: the successor takes the removed entry's place and stays in its own.
        newKeys[index] = keys[index + 1];
        newValues[index] = values[index + 1];
        return new PersistentSortedMap(undefined, newKeys, newValues, this.size - 1);
      }
      return new PersistentSortedMap(undefined, withoutAt(keys, index), withoutAt(values, index), this.size - 1);
    }
    if (this.root === undefined || !this.has(key)) return this;
    if (this.size - 1 <= flatMax) {
      // Back to flat arrays, so that the shape stays a function of the size.
      const newKeys: SortedKey[] = [];
      const newValues: V[] = [];
      this.every((other, value) => {
        if (other !== key) {
          newKeys.push(other);
          newValues.push(value);
        }
        return true;
      });
      return new PersistentSortedMap(undefined, newKeys, newValues, this.size - 1);
    }
    return new PersistentSortedMap(removed(this.root, key), undefined, undefined, this.size - 1);
  }

  /** Calls `visit` on every entry in ascending key order, until it returns false; gives whether it went to the end. */
  every(visit: (key: SortedKey, value: V) => boolean): boolean {
    const keys = this.flatKeys;
    if (keys !== undefined) {
      const values = this.flatValues!;
      for (let index = 0; index < keys.length; index++) if (!visit(keys[index], values[index])) return false;
      return true;
    }
    const path: TreeNode<V>[] = [];
    let node = this.root;
    while (node !== undefined || path.length > 0) {
      while (node !== undefined) {
        path.push(node);
        node = node.left;
      }
      const next = path.pop()!;
      if (!visit(next.key, next.value)) return false;
      node = next.right;
    }
    return true;
  }

  /** The entries in ascending key order. */
  *[Symbol.iterator](): Generator<[SortedKey, V]> {
    const keys = this.flatKeys;
    if (keys !== undefined) {
      const values = this.flatValues!;
      for (let index = 0; index < keys.length; index++) yield [keys[index], values[index]];
      return;
    }
    const path: TreeNode<V>[] = [];
    let node = this.root;
    while (node !== undefined || path.length > 0) {
      while (node !== undefined) {
        path.push(node);
        node = node.left;
      }
      const next = path.pop()!;
      yield [next.key, next.value];
      node = next.right;
    }
  }

  /** The keys in ascending order (a new array). */
  keys(): SortedKey[] {
    if (this.flatKeys !== undefined) return this.flatKeys.slice();
    const keys: SortedKey[] = [];
    this.every((key) => {
      keys.push(key);
      return true;
    });
    return keys;
  }

  /**
   * What is wrong with the map's shape (flat: order, lengths; tree: order, heights, balance; both: the
   * size, and the shape the size calls for); empty when nothing is. For tests.
   */
  shapeProblems(): string[] {
    const problems: string[] = [];
    let count = 0;
    let previous: SortedKey | undefined;
    const visit = (key: SortedKey): void => {
      count++;
      if (previous !== undefined && !(previous < key)) problems.push(`key ${key} after ${previous}`);
      previous = key;
    };
    if (this.flatKeys !== undefined) {
      if (this.root !== undefined) problems.push('flat arrays and a tree');
      if (this.flatValues === undefined || this.flatValues.length !== this.flatKeys.length) problems.push('flat keys and values of different lengths');
      for (const key of this.flatKeys) visit(key);
      if (this.size > flatMax) problems.push(`flat with ${this.size} entries, above ${flatMax}`);
    } else {
      const walk = (node: TreeNode<V> | undefined): number => {
        if (node === undefined) return 0;
        const leftHeight = walk(node.left);
        visit(node.key);
        const rightHeight = walk(node.right);
        if (Math.abs(leftHeight - rightHeight) > 1) problems.push(`unbalanced at ${node.key}`);
        if (node.height !== Math.max(leftHeight, rightHeight) + 1) problems.push(`wrong height at ${node.key}`);
        return Math.max(leftHeight, rightHeight) + 1;
      };
      walk(this.root);
      if (this.flatValues !== undefined) problems.push('a tree and flat values');
      if (this.size <= flatMax) problems.push(`a tree of ${this.size} entries, at most ${flatMax}`);
    }
    if (count !== this.size) problems.push(`size ${this.size}, ${count} entries`);
    return problems;
  }
}
