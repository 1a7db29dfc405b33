// semantics/values.ts on lists and maps: value semantics over the persistent structures (an update
// leaves the value it came from as it was; equality and the canonical form do not depend on the order
// of the updates that built a map), and the size limit (`value too large`, A0112) on the operations that
// can pass it: a push, `+` on strings, and the printed form (`print`, `str`) of a list that holds one
// large value many times, which stops at the limit instead of writing it out; the display form
// (`canonical`) is cut there instead.

import test from 'ava';
import {
  applyBinary, applyBuiltin, applyMutation, canonical, listPush, listStore, listToArray, listValue, mapRemove, mapStore,
  mapValue, printedForm, referenceValue, TransactionAbort, valueSizeMax, valuesEqual, type MapValue, type Value,
} from '../semantics/values.ts';

function abortOf(run: () => unknown): { code: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof TransactionAbort)) throw error;
    return { code: error.code, message: error.message };
  }
}

const tooLarge = { code: 'A0112', message: 'value too large' };

test('an update gives a new list or map and leaves the old one as it was', (t) => {
  const list = listValue([1, 2, 3]);
  const pushed = listPush(list, 4);
  const stored = listStore(pushed, 0, 10);
  t.deepEqual([listToArray(list), listToArray(pushed), listToArray(stored)], [[1, 2, 3], [1, 2, 3, 4], [10, 2, 3, 4]]);
  const map = mapValue(new Map([['b', 2], ['a', 1]]));
  const removed = mapRemove(mapStore(map, 'c', 3), 'a');
  t.is(canonical(map), '{"a": 1, "b": 2}');
  t.is(canonical(removed), '{"b": 2, "c": 3}');
});

test('maps built by updates in different orders are equal and print alike', (t) => {
  let forward: MapValue = mapValue(new Map());
  let backward: MapValue = mapValue(new Map());
  for (let key = 0; key < 200; key++) forward = mapStore(forward, key, key * 2);
  for (let key = 199; key >= 0; key--) backward = mapStore(backward, key, key * 2);
  t.true(valuesEqual(forward, backward));
  t.is(canonical(forward), canonical(backward));
  t.false(valuesEqual(forward, mapStore(backward, 7, 0)));
  t.false(valuesEqual(forward, mapStore(backward, 200, 400)));
});

test('a push onto a list of the largest size aborts with value too large', (t) => {
  const largest = listValue(new Array<Value>(valueSizeMax).fill(0));
  t.deepEqual(abortOf(() => listPush(largest, 1)), tooLarge);
  t.deepEqual(abortOf(() => applyMutation('push', largest, 1)), tooLarge);
  t.is(abortOf(() => listStore(largest, valueSizeMax - 1, 1)), undefined, 'a store does not grow the list');
});

test('joining strings past the limit aborts; up to it, it does not', (t) => {
  const half = 'x'.repeat(valueSizeMax / 2);
  t.is((applyBinary('+', half, half) as string).length, valueSizeMax);
  t.deepEqual(abortOf(() => applyBinary('+', half, `${half}y`)), tooLarge);
});

test('the printed form stops at the limit, even for a list that shares one large list many times', (t) => {
  let row = listValue([]);
  for (let index = 0; index < 100_000; index++) row = listPush(row, index);
  let rows = listValue([]);
  for (let index = 0; index < 1_000; index++) rows = listPush(rows, row);
  t.deepEqual(abortOf(() => printedForm(rows)), tooLarge);
  t.deepEqual(abortOf(() => applyBuiltin('str', [rows])), tooLarge);
  const displayed = canonical(rows);
  t.is(displayed.length, valueSizeMax + 1, 'the display form is cut at the limit');
  t.true(displayed.startsWith('[[0, 1, 2') && displayed.endsWith('…'));
  const longKey = 'k'.repeat(valueSizeMax);
  t.deepEqual(abortOf(() => printedForm(longKey)), tooLarge, 'the quotes take a string at the limit over it');
  t.is(canonical(referenceValue('Item', longKey)).length, valueSizeMax + 1);
  t.is(printedForm(listValue([1, 'a'])), '[1, "a"]');
  t.is(canonical(row), `[${Array.from({ length: 100_000 }, (_, index) => index).join(', ')}]`);
});

test('the printed form may be exactly as long as the limit, not one character longer', (t) => {
  const fits = 'x'.repeat(valueSizeMax - 4);
  t.is(printedForm(listValue([fits])).length, valueSizeMax);
  t.deepEqual(abortOf(() => printedForm(listValue([`${fits}y`]))), tooLarge);
  const keyed = 'x'.repeat(valueSizeMax - 7);
  t.is(printedForm(mapValue(new Map([[1, keyed]]))).length, valueSizeMax);
  t.deepEqual(abortOf(() => printedForm(mapValue(new Map([[1, `${keyed}y`]])))), tooLarge);
  const nested = listValue([referenceValue('Item', 'a'), mapValue(new Map([['k', listValue([true, 7])]])), listValue([])]);
  t.is(printedForm(nested), '[Item("a"), {"k": [true, 7]}, []]');
});
