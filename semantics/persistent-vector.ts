// Stage: semantics. The persistent vector behind Ent's lists (values.ts): an immutable sequence with
// push, index read and index store, where every update gives a new vector and leaves the old one as it
// was. Elements live in a trie of arrays of 32 (a leaf holds 32 elements, a branch 32 children) plus a
// tail of up to 32 elements outside the trie: a push copies the tail (at most 32 elements) and, once in
// 32 pushes, moves a full tail into the trie, copying one node per level; a read or a store walks (and
// a store copies) one node per level. Five levels hold 32⁶ elements, far beyond Ent's size limit, so
// every operation costs a bounded amount of work.
//
// A vector of up to 64 elements is its tail alone, one flat array: a store into it copies at most 64
// elements, which is faster than the trie's two copies (a leaf and the root) up to about that size (a
// ring of 64 is a common list; docs/benchmarks.md has the figures). The push past 64 builds the trie.
//
// The shape is a function of the length (flat up to 64; past that every leaf in the trie is full and
// the tail holds the rest), so
// two vectors built by different sequences of operations from the same elements are alike to the last
// array; nothing relies on that but the determinism checks that compare steps with `deepEqual`.
//
// One exception to "the old one as it was": `storeInPlace` and `pushInPlace` change a flat vector
// itself, for the compiled blocks' values updated in place (interpreter/compiled.ts
// `inPlaceVariables`), which call them only on a vector that nothing else holds.

const bits = 5;
const width = 1 << bits;
const mask = width - 1;
/** The longest vector kept as one flat array. */
const flatMax = 64;

/** A leaf (elements) or a branch (children), told apart by the level it sits at. */
type TrieNode<T> = readonly (T | TrieNode<T>)[];

/**
 * Which deliberate mistake the vector makes (for the negative controls of its model test only): none;
 * a store into the tail that writes in place, so that the old version changes too; or a trie that
 * grows a level one leaf too late, so that its root takes a 33rd child that indexing never reaches.
 */
export type VectorFault = 'none' | 'store-tail-in-place' | 'new-root-late';

let fault: VectorFault = 'none';

/** For tests/persistent-vector.test.ts only: makes every vector from now on misbehave as `chosen` says. */
export function setVectorFaultForTesting(chosen: VectorFault): void {
  fault = chosen;
}

export class PersistentVector<T> {
  private static readonly emptyVector = new PersistentVector<never>(0, bits, [], []);

  static empty<T>(): PersistentVector<T> {
    return PersistentVector.emptyVector as PersistentVector<T>;
  }

  /** The vector of `items`, built level by level (no intermediate versions). */
  static from<T>(items: readonly T[]): PersistentVector<T> {
    const length = items.length;
    if (length === 0) return PersistentVector.empty();
    const offset = tailOffsetOf(length);
    const tail = items.slice(offset);
    if (offset === 0) return new PersistentVector(length, bits, [], tail);
    // A root with one child is how the trie holds its first leaves: the same shape `push` builds.
    let level: TrieNode<T>[] = [];
    for (let start = 0; start < offset; start += width) level.push(items.slice(start, start + width));
    let shift = bits;
    while (level.length > width) {
      const parents: TrieNode<T>[] = [];
      for (let start = 0; start < level.length; start += width) parents.push(level.slice(start, start + width));
      level = parents;
      shift += bits;
    }
    return new PersistentVector(length, shift, level, tail);
  }

  private constructor(
    readonly length: number,
    /** Bits of the index below the root: 5 for a root whose children are leaves. */
    private readonly shift: number,
    private readonly root: TrieNode<T>,
    private readonly tail: readonly T[],
  ) {}

  /** The element at `index`, which the caller has checked to be in range. */
  get(index: number): T {
    if (index >= tailOffsetOf(this.length)) return this.tail[index - tailOffsetOf(this.length)];
    return this.leafFor(index)[index & mask] as T;
  }

  /** The leaf that holds `index` (an index below the tail's). */
  private leafFor(index: number): TrieNode<T> {
    let node = this.root;
    for (let level = this.shift; level > 0; level -= bits) node = node[(index >>> level) & mask] as TrieNode<T>;
    return node;
  }

  /** The vector with `item` at `index` (in range), sharing every node off the path to it. */
  set(index: number, item: T): PersistentVector<T> {
    const offset = tailOffsetOf(this.length);
    if (index >= offset) {
      const tail = fault === 'store-tail-in-place' ? this.tail as T[] : this.tail.slice();
      tail[index - offset] = item;
      return new PersistentVector(this.length, this.shift, this.root, tail);
    }
    return new PersistentVector(this.length, this.shift, storeInto(this.root, this.shift, index, item), this.tail);
  }

  /** The vector with `item` appended. */
  push(item: T): PersistentVector<T> {
    const length = this.length;
    if (length < flatMax || (length > flatMax && length - tailOffsetOf(length) < width)) {
      const tail = this.tail.slice();
      tail.push(item);
      return new PersistentVector(length + 1, this.shift, this.root, tail);
    }
    if (length === flatMax) {
      const items = this.tail.slice();
      items.push(item);
      return PersistentVector.from(items);
    }
    // The tail is full: it becomes a leaf of the trie, and the new element starts the next tail.
    const leaves = length >>> bits;
    if (leaves > (1 << this.shift) + (fault === 'new-root-late' ? 1 : 0)) {
      // The trie is full at this height: a new root over the old one and a path down to the new leaf.
      const root = [this.root, pathTo(this.shift, this.tail)];
      return new PersistentVector(this.length + 1, this.shift + bits, root, [item]);
    }
    const root = appendLeaf(this.root, this.shift, this.length - 1, this.tail);
    return new PersistentVector(this.length + 1, this.shift, root, [item]);
  }

  /**
   * `set` done to this vector itself, for a caller that holds the only reference to it (values.ts
   * `listStoreInPlace`): only a flat vector (up to 64 elements, one array, which every operation that
   * makes a vector copies), and `index` in range; gives whether it stored.
   */
  storeInPlace(index: number, item: T): boolean {
    if (this.length > flatMax || !Number.isInteger(index) || index < 0 || index >= this.length) return false;
    (this.tail as T[])[index] = item;
    return true;
  }

  /**
   * `push` done to this vector itself, for a caller that holds the only reference to it: only while it
   * stays flat, and never to the empty vector (one object, shared by every empty list); gives whether it pushed.
   */
  pushInPlace(item: T): boolean {
    if (this.length === 0 || this.length >= flatMax) return false;
    (this.tail as T[]).push(item);
    (this as { length: number }).length = this.length + 1;
    return true;
  }

  /** Calls `visit` on every element in order, until it returns false; gives whether it went to the end. */
  every(visit: (item: T, index: number) => boolean): boolean {
    const offset = tailOffsetOf(this.length);
    for (let start = 0; start < offset; start += width) {
      const leaf = this.leafFor(start);
      for (let index = 0; index < width; index++) if (!visit(leaf[index] as T, start + index)) return false;
    }
    for (let index = 0; index < this.length - offset; index++) if (!visit(this.tail[index], offset + index)) return false;
    return true;
  }

  *[Symbol.iterator](): Generator<T> {
    const offset = tailOffsetOf(this.length);
    for (let start = 0; start < offset; start += width) yield* this.leafFor(start) as readonly T[];
    for (let index = 0; index < this.length - offset; index++) yield this.tail[index];
  }

  toArray(): T[] {
    const items: T[] = [];
    this.every((item) => {
      items.push(item);
      return true;
    });
    return items;
  }
}

/** The index of the first element in the tail: every element before it sits in a full leaf of the trie. */
function tailOffsetOf(length: number): number {
  return length <= flatMax ? 0 : ((length - 1) >>> bits) << bits;
}

function storeInto<T>(node: TrieNode<T>, level: number, index: number, item: T): TrieNode<T> {
  const copy = node.slice();
  if (level === 0) copy[index & mask] = item;
  else {
    const slot = (index >>> level) & mask;
    copy[slot] = storeInto(node[slot] as TrieNode<T>, level - bits, index, item);
  }
  return copy;
}

/** A chain of single-child branches from `level` down to `leaf`. */
function pathTo<T>(level: number, leaf: TrieNode<T>): TrieNode<T> {
  return level === 0 ? leaf : [pathTo(level - bits, leaf)];
}

/** The trie with `leaf` added after its last leaf; `lastIndex` is the index of the leaf's last element. */
function appendLeaf<T>(node: TrieNode<T>, level: number, lastIndex: number, leaf: TrieNode<T>): TrieNode<T> {
  const slot = (lastIndex >>> level) & mask;
  const copy = node.slice();
  if (level === bits) copy[slot] = leaf;
  else {
    const child = node[slot] as TrieNode<T> | undefined;
    copy[slot] = child === undefined ? pathTo(level - bits, leaf) : appendLeaf(child, level - bits, lastIndex, leaf);
  }
  return copy;
}
