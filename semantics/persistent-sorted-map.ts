// Stage: semantics. The persistent ordered map behind Ent's maps (values.ts): keys are ints or strings,
// kept in ascending order (ints numerically, strings by UTF-16 code units: JavaScript's `<`), in an AVL
// tree. A lookup walks one path; an insert, a store or a remove copies one path and rebalances along it,
// so it costs O(log n) and leaves the old version as it was; iteration walks the tree in key order, so
// `for`, `keys()`, printing and JSON need no sort. A map of 10,000,000 entries (Ent's size limit) is at
// most 34 levels deep, so every update copies a bounded number of nodes.

export type SortedKey = number | string;

interface TreeNode<V> {
  readonly key: SortedKey;
  readonly value: V;
  readonly left: TreeNode<V> | undefined;
  readonly right: TreeNode<V> | undefined;
  /** Levels in this subtree: 1 for a leaf. */
  readonly height: number;
}

/**
 * Which deliberate mistake the map makes: none, or (for the negative control of its model test only)
 * a remove of a node with two children that moves its successor up without taking it out below.
 */
export type SortedMapFault = 'none' | 'remove-keeps-successor';

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

/** A balanced tree of the sorted entries `[start, end)`. */
function fromSorted<V>(entries: readonly (readonly [SortedKey, V])[], start: number, end: number): TreeNode<V> | undefined {
  if (start >= end) return undefined;
  const middle = (start + end) >>> 1;
  const [key, value] = entries[middle];
  return makeNode(key, value, fromSorted(entries, start, middle), fromSorted(entries, middle + 1, end));
}

export class PersistentSortedMap<V> {
  private static readonly emptyMap = new PersistentSortedMap<never>(undefined, 0);

  static empty<V>(): PersistentSortedMap<V> {
    return PersistentSortedMap.emptyMap as PersistentSortedMap<V>;
  }

  /** The map of `entries`; a key given twice keeps its last value. */
  static from<V>(entries: Iterable<readonly [SortedKey, V]>): PersistentSortedMap<V> {
    const byKey = new Map<SortedKey, V>(entries);
    const sorted = [...byKey].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return new PersistentSortedMap(fromSorted(sorted, 0, sorted.length), sorted.length);
  }

  private constructor(
    private readonly root: TreeNode<V> | undefined,
    readonly size: number,
  ) {}

  get(key: SortedKey): V | undefined {
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
    insertedNewKey = false;
    const root = inserted(this.root, key, value);
    return new PersistentSortedMap(root, insertedNewKey ? this.size + 1 : this.size);
  }

  /** The map without `key`; the same map when it has no `key`. */
  remove(key: SortedKey): PersistentSortedMap<V> {
    if (this.root === undefined || !this.has(key)) return this;
    return new PersistentSortedMap(removed(this.root, key), this.size - 1);
  }

  /** Calls `visit` on every entry in ascending key order, until it returns false; gives whether it went to the end. */
  every(visit: (key: SortedKey, value: V) => boolean): boolean {
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

  /** The keys in ascending order. */
  keys(): SortedKey[] {
    const keys: SortedKey[] = [];
    this.every((key) => {
      keys.push(key);
      return true;
    });
    return keys;
  }

  /** What is wrong with the tree's shape (order, heights, balance, size); empty when nothing is. For tests. */
  shapeProblems(): string[] {
    const problems: string[] = [];
    let count = 0;
    let previous: SortedKey | undefined;
    const walk = (node: TreeNode<V> | undefined): number => {
      if (node === undefined) return 0;
      const leftHeight = walk(node.left);
      count++;
      if (previous !== undefined && !(previous < node.key)) problems.push(`key ${node.key} after ${previous}`);
      previous = node.key;
      const rightHeight = walk(node.right);
      if (Math.abs(leftHeight - rightHeight) > 1) problems.push(`unbalanced at ${node.key}`);
      if (node.height !== Math.max(leftHeight, rightHeight) + 1) problems.push(`wrong height at ${node.key}`);
      return Math.max(leftHeight, rightHeight) + 1;
    };
    walk(this.root);
    if (count !== this.size) problems.push(`size ${this.size}, ${count} nodes`);
    return problems;
  }
}
