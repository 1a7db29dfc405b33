// runtime/persistent-map.ts against a plain Map as its model: random sequences of sets and deletes over
// key spaces small (many updates of the same keys, buckets that grow and shrink) and large (buckets that
// split into nodes, several levels deep), with every old version checked to be unchanged.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { PersistentMap } from '../runtime/persistent-map.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);

type Operation = { key: string; value: number | undefined };

function operations(keys: number): fc.Arbitrary<Operation[]> {
  return fc.array(fc.record({
    key: fc.integer({ min: 0, max: keys - 1 }).map((key) => `k${key}`),
    value: fc.option(fc.integer(), { nil: undefined, freq: 4 }),
  }), { maxLength: 3_000 });
}

function sorted(entries: Iterable<[string, number]>): [string, number][] {
  return [...entries].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
}

/** What the tests need of a map: the persistent map, or the broken one of the negative control. */
interface ImmutableMap {
  with(key: string, value: number | undefined): ImmutableMap;
  get(key: string): number | undefined;
  has(key: string): boolean;
  readonly size: number;
  entries(): Iterable<[string, number]>;
}

/** Runs the steps on `empty` and on a Map; throws where they disagree, or where an old version changed. */
function agreesWithModel(empty: ImmutableMap, steps: readonly Operation[]): void {
  const model = new Map<string, number>();
  let map = empty;
  const versions: { map: ImmutableMap; entries: [string, number][] }[] = [];
  steps.forEach(({ key, value }, index) => {
    map = map.with(key, value);
    if (value === undefined) model.delete(key);
    else model.set(key, value);
    assert.equal(map.get(key), model.get(key));
    assert.equal(map.size, model.size);
    if (index % 50 === 0) versions.push({ map, entries: sorted(model) });
  });
  assert.deepEqual(sorted(map.entries()), sorted(model));
  for (const key of model.keys()) assert.ok(map.has(key));
  for (const version of versions) assert.deepEqual(sorted(version.map.entries()), version.entries);
}

for (const keys of [8, 200, 5_000]) {
  test(`the persistent map agrees with a Map, and old versions stay as they were (${keys} keys)`, (t) => {
    fc.assert(fc.property(operations(keys), (steps) => agreesWithModel(PersistentMap.empty<number>(), steps)),
      { numRuns: runs(keys > 1_000 ? 20 : 100) });
    t.pass();
  });
}

/** Negative control: a map that updates in place, so that old versions change under their holders. */
class InPlaceMap implements ImmutableMap {
  private readonly map = new Map<string, number>();
  with(key: string, value: number | undefined): ImmutableMap {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, value);
    return this;
  }
  get(key: string): number | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  get size(): number {
    return this.map.size;
  }
  entries(): Iterable<[string, number]> {
    return this.map.entries();
  }
}

test('negative control: a map updated in place is caught changing its old versions', (t) => {
  const result = fc.check(fc.property(operations(200), (steps) => agreesWithModel(new InPlaceMap(), steps)), { numRuns: 100, seed: 5 });
  t.true(result.failed);
});

test('a hundred thousand keys: every one found, the size right, deletes undo sets', (t) => {
  let map = PersistentMap.empty<number>();
  for (let index = 0; index < 100_000; index++) map = map.with(`entity-${index}`, index);
  t.is(map.size, 100_000);
  for (let index = 0; index < 100_000; index += 997) t.is(map.get(`entity-${index}`), index);
  t.is(map.get('entity-100000'), undefined);
  let emptied = map;
  for (let index = 0; index < 100_000; index++) emptied = emptied.with(`entity-${index}`, undefined);
  t.is(emptied.size, 0);
  t.deepEqual([...emptied.entries()], []);
  t.is(map.size, 100_000);
});
