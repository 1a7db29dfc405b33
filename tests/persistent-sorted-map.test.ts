// semantics/persistent-sorted-map.ts against a plain Map as its model: random sequences of stores and
// removes over small key spaces (the same keys again and again), medium ones and large ones, of ints and
// of strings (with characters beyond the Basic Multilingual Plane, whose UTF-16 order differs from their
// code point order), and forks back to older versions, checking every lookup, the size, the shape of
// each version (flat arrays up to 16 entries, an AVL tree above), the old version after each update, and
// iteration in ascending key order. The 17 small int keys take a map back and forth across 16 entries,
// so stores and removes that change the shape come often; the 64 medium ones keep it a tree of about 40
// that removes hit. The model orders keys by a comparison written out here (ints numerically, strings
// code unit by code unit), not by the `<` the map uses. Negative controls: the broken remove
// (setSortedMapFaultForTesting) is caught, in the tree and in the flat arrays.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { PersistentSortedMap, setSortedMapFaultForTesting, type SortedKey } from '../semantics/persistent-sorted-map.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);

type Operation =
  | { readonly kind: 'set'; readonly key: SortedKey; readonly value: number }
  | { readonly kind: 'remove'; readonly key: SortedKey }
  | { readonly kind: 'fork'; readonly at: number };

/** Up to 400 steps (`size: 'max'`: fast-check's default size stops at 10, too few to grow a tree). */
function operations(key: fc.Arbitrary<SortedKey>): fc.Arbitrary<Operation[]> {
  return fc.array(fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), key }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const), at: fc.nat() }) },
  ), { maxLength: 400, size: 'max' });
}

const smallInts = fc.integer({ min: -8, max: 8 });
const mediumInts = fc.integer({ min: -32, max: 31 });
const largeInts = fc.integer({ min: -100_000, max: 100_000 });
const strings = fc.string({ unit: fc.constantFrom('a', 'b', 'z', 'é', '\u{1F600}', '\uFF5E'), maxLength: 4 });

/** Ints numerically; strings by UTF-16 code units, one at a time. */
function modelCompare(left: SortedKey, right: SortedKey): number {
  if (typeof left === 'number') return (left as number) - (right as number);
  const a = left;
  const b = right as string;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a.charCodeAt(index) - b.charCodeAt(index);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function sortedEntries(model: ReadonlyMap<SortedKey, number>): [SortedKey, number][] {
  return [...model].sort(([left], [right]) => modelCompare(left, right));
}

interface Version {
  readonly map: PersistentSortedMap<number>;
  readonly model: ReadonlyMap<SortedKey, number>;
}

function sameContents(map: PersistentSortedMap<number>, model: ReadonlyMap<SortedKey, number>): void {
  assert.deepEqual(map.shapeProblems(), []);
  assert.equal(map.size, model.size);
  assert.deepEqual([...map], sortedEntries(model));
  assert.deepEqual(map.keys(), sortedEntries(model).map(([key]) => key));
  for (const [key, value] of model) assert.equal(map.get(key), value);
}

function agreesWithModel(steps: readonly Operation[]): void {
  const versions: Version[] = [{ map: PersistentSortedMap.empty(), model: new Map() }];
  let current = versions[0];
  for (const step of steps) {
    if (step.kind === 'fork') {
      current = versions[step.at % versions.length];
      continue;
    }
    const previous = current;
    const model = new Map(previous.model);
    let map: PersistentSortedMap<number>;
    if (step.kind === 'set') {
      map = previous.map.set(step.key, step.value);
      model.set(step.key, step.value);
    } else {
      map = previous.map.remove(step.key);
      model.delete(step.key);
    }
    assert.equal(map.get(step.key), model.get(step.key));
    assert.equal(map.has(step.key), model.has(step.key));
    assert.equal(map.size, model.size);
    assert.equal(previous.map.get(step.key), previous.model.get(step.key), 'an update changed the version it started from');
    current = { map, model };
    versions.push(current);
  }
  sameContents(current.map, current.model);
  const built = PersistentSortedMap.from(current.model);
  assert.deepEqual([...built], sortedEntries(current.model));
  assert.deepEqual(built.shapeProblems(), []);
  for (let index = 0; index < versions.length; index += 10) sameContents(versions[index].map, versions[index].model);
}

for (const [name, keys] of [['small int', smallInts], ['medium int', mediumInts], ['large int', largeInts], ['string', strings]] as const) {
  test(`the persistent sorted map agrees with a Map, in key order, and old versions stay as they were (${name} keys)`, (t) => {
    fc.assert(fc.property(operations(keys), agreesWithModel), { numRuns: runs(100) });
    t.pass();
  });
}

for (const [fault, shape, keys] of [['remove-keeps-successor', 'tree', mediumInts], ['flat-remove-keeps-successor', 'flat arrays', smallInts]] as const) {
  test(`negative control: a remove that keeps the successor below is caught (${shape})`, (t) => {
    setSortedMapFaultForTesting(fault);
    try {
      const result = fc.check(fc.property(operations(keys), agreesWithModel), { numRuns: 200, seed: 3 });
      t.true(result.failed);
    } finally {
      setSortedMapFaultForTesting('none');
    }
  });
}

test('a hundred thousand keys in random order: ascending iteration, balanced, and removes undo stores', (t) => {
  let map = PersistentSortedMap.empty<number>();
  for (let index = 0; index < 100_000; index++) map = map.set((index * 7919) % 100_000, index);
  t.is(map.size, 100_000);
  t.deepEqual(map.shapeProblems(), []);
  t.true(map.every((key, value) => (value * 7919) % 100_000 === key));
  t.deepEqual(map.keys().slice(0, 3), [0, 1, 2]);
  let emptied = map;
  for (let index = 0; index < 100_000; index += 2) emptied = emptied.remove(index);
  t.is(emptied.size, 50_000);
  t.deepEqual(emptied.shapeProblems(), []);
  t.is(emptied.remove(0), emptied, 'removing a missing key gives the same map');
  t.is(map.get(0), 0);
});
