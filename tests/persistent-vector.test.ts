// semantics/persistent-vector.ts against a plain array as its model: random sequences of pushes (one at
// a time, or hundreds, to grow the trie past one and two levels), stores anywhere, and forks back to an
// older version, checking every read, the length, the old version after each update, a sample of older
// versions at the end, iteration, and that `from` builds the same shape as pushing. Negative controls:
// each deliberately broken vector (setVectorFaultForTesting) is caught.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { PersistentVector, setVectorFaultForTesting, type VectorFault } from '../semantics/persistent-vector.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);

type Operation =
  | { readonly kind: 'push'; readonly value: number }
  | { readonly kind: 'push-many'; readonly count: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'fork'; readonly at: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('push' as const), value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('push-many' as const), count: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const), at: fc.nat() }) },
);

const operations = fc.array(operation, { maxLength: 60 });

interface Version {
  readonly vector: PersistentVector<number>;
  readonly model: readonly number[];
}

function sameContents(vector: PersistentVector<number>, model: readonly number[]): void {
  assert.equal(vector.length, model.length);
  assert.deepEqual(vector.toArray(), model);
  assert.deepEqual([...vector], model);
  for (let index = 0; index < model.length; index += 7) assert.equal(vector.get(index), model[index]);
}

/** Runs the operations on the vector and on arrays; throws where they disagree, or where a version changed. */
function agreesWithModel(steps: readonly Operation[]): void {
  const versions: Version[] = [{ vector: PersistentVector.empty(), model: [] }];
  let current = versions[0];
  for (const step of steps) {
    const previous = current;
    const model = [...previous.model];
    let vector = previous.vector;
    switch (step.kind) {
      case 'push':
        vector = vector.push(step.value);
        model.push(step.value);
        break;
      case 'push-many':
        for (let count = 0; count < step.count; count++) {
          vector = vector.push(model.length);
          model.push(model.length);
        }
        break;
      case 'set': {
        if (model.length === 0) continue;
        const index = step.at % model.length;
        vector = vector.set(index, step.value);
        model[index] = step.value;
        assert.equal(vector.get(index), step.value);
        assert.equal(previous.vector.get(index), previous.model[index], 'a store changed the version it started from');
        break;
      }
      case 'fork':
        current = versions[step.at % versions.length];
        continue;
    }
    assert.equal(vector.length, model.length);
    assert.equal(vector.get(model.length - 1), model[model.length - 1]);
    current = { vector, model };
    versions.push(current);
  }
  sameContents(current.vector, current.model);
  assert.deepEqual(PersistentVector.from(current.model), current.vector, '`from` builds the shape that pushes build');
  for (const version of versions) sameContents(version.vector, version.model);
}

test('the persistent vector agrees with an array; old versions stay as they were; `from` builds the same shape', (t) => {
  fc.assert(fc.property(operations, agreesWithModel), { numRuns: runs(150) });
  t.pass();
});

for (const fault of ['store-tail-in-place', 'new-root-late'] as const satisfies readonly VectorFault[]) {
  test(`negative control: a vector with the fault ${fault} is caught`, (t) => {
    setVectorFaultForTesting(fault);
    try {
      const result = fc.check(fc.property(operations, agreesWithModel), { numRuns: 300, seed: 11 });
      t.true(result.failed);
    } finally {
      setVectorFaultForTesting('none');
    }
  });
}

test('a hundred thousand pushes, then stores across every level, and every element read back', (t) => {
  let vector = PersistentVector.empty<number>();
  for (let index = 0; index < 100_000; index++) vector = vector.push(index);
  const stored = vector.set(0, -1).set(50_000, -2).set(99_999, -3);
  t.is(vector.length, 100_000);
  t.true(vector.every((item, index) => item === index));
  t.deepEqual([stored.get(0), stored.get(50_000), stored.get(99_999), stored.get(1)], [-1, -2, -3, 1]);
  t.deepEqual(PersistentVector.from(vector.toArray()), vector);
  t.false(vector.every((item) => item < 10), 'every stops at the first false');
});
