// Tests of checkers/elle.ts, Elle's history format (Jepsen's list-append and rw-register histories):
//   - malformed input gets one clear message naming the operation at fault, never an exception, for
//     the cases below and (a property) for any JSON value at all;
//   - invocations pair with completions by process; `ok` commits, `fail` aborts, and `info` commits
//     only when a committed read saw its write; an invocation never completed is `info`;
//   - the findings of the conversion itself (lists read in incompatible orders) and of the reads
//     (garbage reads, duplicate appends) and reads of a transaction's own writes (no edge).
//   - register version orders: a write skew whose versions are not nil is G2 once writes that follow
//     reads order them (and its serial twin is not); process and real-time order add facts only when
//     asked; contradicting facts are a cyclic-versions finding whose witness names each fact's reason.
// The classification of Elle's published histories is in dependency-graph.test.ts (elle.json and
// elle-rw-register.json).

import test from 'ava';
import fc from 'fast-check';
import { checkElleHistory, convertElleHistory, convertElleOperations, type ElleOptions } from '../checkers/elle.ts';
import type { TransactionRecord } from '../checkers/dependency-graph.ts';

const runs = 300 * Number(process.env.ENT_RUNS ?? 1);

function invalid(history: unknown): string {
  const result = checkElleHistory(typeof history === 'string' ? history : JSON.stringify(history));
  if (result.kind !== 'invalid') throw new Error(`accepted: ${JSON.stringify(history)}`);
  return result.message;
}

function classes(history: unknown[], options: ElleOptions = {}): string[] {
  const result = checkElleHistory(JSON.stringify(history), options);
  if (result.kind === 'invalid') throw new Error(result.message);
  return result.anomalies.map((anomaly) => anomaly.class).sort();
}

function transactions(history: unknown[]): readonly TransactionRecord[] {
  const result = convertElleOperations(history);
  if (result.kind === 'invalid') throw new Error(result.message);
  return result.history.transactions;
}

const ok = (value: unknown[], process: number | string = 0): unknown => ({ type: 'ok', process, f: 'txn', value });

test('malformed input: one message, naming the operation', (t) => {
  t.regex(invalid('[{"type": "ok",'), /^not JSON: /);
  t.is(invalid({ type: 'ok' }), 'an Elle history is a JSON array of operations');
  t.is(invalid([ok([]), 7]), 'operation 1 is not an object');
  t.is(invalid([{ index: 12, type: 'done', process: 0, value: [] }]), 'operation 0 (index 12) has type "done"; expected "invoke", "ok", "fail" or "info"');
  t.is(invalid([ok([['append', 'x']])]), 'operation 0, micro-operation 0: ["append","x"] is not [f, key, value]');
  t.is(invalid([ok([['cas', 'x', [1, 2]]])]), 'operation 0, micro-operation 0: unknown function "cas"; expected "append", "r" or "w"');
  t.is(invalid([ok([['r', 'x', { a: 1 }]])]), 'operation 0, micro-operation 0: a read returned {"a":1}; expected null, a value, or a list of values');
  t.is(invalid([ok([['append', { k: 1 }, 1]])]), 'operation 0, micro-operation 0: the key {"k":1} is not a number or a string');
  t.is(invalid([ok([['w', 'x', [1]]])]), 'operation 0, micro-operation 0: w of [1]; expected a number or a string');
  t.is(invalid([ok('x' as never)]), 'operation 0: its value is not a list of micro-operations');
  t.is(invalid([{ type: 'ok', process: 0, f: 'read', value: [] }]), 'operation 0 has f "read"; only "txn" operations can be checked');
  t.is(invalid([{ type: 'invoke', process: 0, value: null }]), 'operation 0 is an invocation without a value');
  t.is(invalid([{ type: 'invoke', value: [] }]), 'operation 0 is an invocation without a process to pair it with its completion');
  t.is(invalid([{ type: 'ok', process: 0 }]), 'operation 0 is a completion without a value and without an invocation');
  t.is(invalid([{ index: 1, ...(ok([]) as object) }, { index: 1, ...(ok([]) as object) }]), 'operation 1: index 1 is already that of operation 0 (index 1)');
});

test('malformed input: pairing and key kinds', (t) => {
  const invoke = (value: unknown[], process = 0): unknown => ({ type: 'invoke', process, value });
  t.is(invalid([invoke([['r', 'x', null]]), invoke([['r', 'y', null]])]), 'operation 1 invokes on process 0, which still awaits the completion of operation 0');
  t.is(invalid([invoke([['r', 'x', null]]), ok([['r', 'y', [1]]])]), 'operation 1 completes operation 0 with different micro-operations');
  t.is(invalid([ok([['append', 'x', 1]]), ok([['w', 'x', 2]])]), 'key x is used as a list by T0 and as a register by T1');
});

test('never an exception: any JSON value is either checked or refused with a message', (t) => {
  const microOperation = fc.tuple(fc.constantFrom('append', 'r', 'w', ':append', 'cas'), fc.constantFrom('x', 'y', 1), fc.jsonValue({ maxDepth: 2 }));
  const operation = fc.record({
    index: fc.option(fc.nat(3)),
    type: fc.constantFrom('invoke', 'ok', 'fail', 'info', ':ok', 'other'),
    process: fc.option(fc.nat(2)),
    f: fc.constantFrom(undefined, 'txn', 'other'),
    value: fc.oneof(fc.array(microOperation, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
  }, { requiredKeys: ['type'] });
  fc.assert(fc.property(fc.oneof(fc.array(operation, { maxLength: 8 }), fc.jsonValue()), (history) => {
    const result = checkElleHistory(JSON.stringify(history));
    return result.kind === 'checked' || (result.kind === 'invalid' && result.message.length > 0);
  }), { numRuns: runs });
  t.pass();
});

test('pairing by process: completions name transactions; fail aborts; a dangling invocation is info', (t) => {
  const history = [
    { index: 0, type: 'invoke', process: 0, f: 'txn', value: [['append', 'x', 1]] },
    { index: 1, type: 'invoke', process: 1, f: 'txn', value: [['r', 'x', null]] },
    { index: 2, type: 'ok', process: 1, f: 'txn', value: [['r', 'x', [1]]] },
    { index: 3, type: 'ok', process: 0, f: 'txn', value: [['append', 'x', 1]] },
    { index: 4, type: 'invoke', process: 'nemesis', f: 'start-partition', value: null },
    { index: 5, type: 'invoke', process: 2, f: 'txn', value: [['append', 'y', 5]] },
    { index: 6, type: 'fail', process: 2, f: 'txn', value: [['append', 'y', 5]] },
    { index: 7, type: 'invoke', process: 0, f: 'txn', value: [['append', 'x', 2]] },
  ];
  t.deepEqual(transactions(history).map((transaction) => [transaction.id, transaction.committed]), [['T2', true], ['T3', true], ['T6', false]]);
  t.deepEqual(classes(history), []);
});

test('info transactions count as committed only when a committed read saw their write', (t) => {
  const history = [
    { type: 'info', process: 0, f: 'txn', value: [['append', 'x', 1], ['r', 'y', null]] },
    { type: 'info', process: 1, f: 'txn', value: [['append', 'x', 2]] },
    { type: 'info', process: 2, f: 'txn', value: [['w', 'z', 3]] },
    ok([['r', 'x', [1]], ['r', 'z', 3]], 3),
  ];
  t.deepEqual(transactions(history).map((transaction) => [transaction.id, transaction.reads.length]), [['T0', 0], ['T2', 0], ['T3', 2]]);
  t.deepEqual(classes(history), []);
});

test('EDN spellings (:ok, :append) are read too, and nil and [] are both the empty list', (t) => {
  const history = [
    { type: ':ok', process: 0, f: ':txn', value: [[':r', ':x', null], [':append', ':y', 1]] },
    { type: ':ok', process: 0, f: ':txn', value: [[':r', ':y', []], [':append', ':x', 1]] },
    { type: ':ok', process: 0, f: ':txn', value: [[':r', ':x', [1]], [':r', ':y', [1]]] },
  ];
  t.deepEqual(classes(history), ['G2']);
});

test('lists read in orders that no single order explains are an incompatible-order finding', (t) => {
  const appends = [ok([['append', 'x', 1]]), ok([['append', 'x', 2]]), ok([['append', 'x', 3]])];
  const result = checkElleHistory(JSON.stringify([...appends, ok([['r', 'x', [1, 2]]]), ok([['r', 'x', [1, 3]]])]));
  t.like(result, { kind: 'checked', anomalies: [{ class: 'incompatible-order', explanation: ["T4 read x = [1 3], which is not a prefix of T3's read [1 2]"] }] });
  t.is(result.kind === 'checked' ? result.anomalies.length : 0, 1);
  const twice = checkElleHistory(JSON.stringify([ok([['append', 'x', 1], ['append', 'x', 2]]), ok([['r', 'x', [1, 2, 1]]])]));
  t.like(twice, { kind: 'checked', anomalies: [{ class: 'incompatible-order', explanation: ['T1 read x = [1 2 1], which holds 1 twice'] }] });
});

test('garbage reads, duplicate appends, and a transaction reading its own appends', (t) => {
  t.deepEqual(classes([ok([['r', 'x', [9]]])]), ['garbage-read']);
  t.deepEqual(classes([ok([['append', 'x', 1]]), ok([['append', 'x', 1]]), ok([['r', 'x', [1]]])]), ['duplicate-version']);
  t.deepEqual(classes([ok([['append', 'x', 1], ['r', 'x', [1]], ['append', 'x', 2], ['r', 'x', [1, 2]]])]), []);
  const converted = convertElleHistory(JSON.stringify([ok([['r', 'x', null], ['append', 'x', 1], ['r', 'x', [1]]])]));
  t.like(converted, { kind: 'converted', history: { transactions: [{ reads: [{ object: 'x', version: null }] }] } });
});

// ------------------------------------------------------------------------ register version orders

const write = (key: string, value: number): unknown[] => ['w', key, value];
const read = (key: string, value: number | null): unknown[] => ['r', key, value];

test('a write skew on versions that are not nil is G2: the writes that follow the reads order them', (t) => {
  const initial = ok([write('x', 0), write('y', 0)]);
  const skew = [initial, ok([read('x', 0), read('y', 0), write('x', 1)], 1), ok([read('x', 0), read('y', 0), write('y', 1)], 2)];
  t.deepEqual(classes(skew), ['G2']);
  const result = checkElleHistory(JSON.stringify(skew));
  if (result.kind === 'invalid') return t.fail(result.message);
  t.deepEqual(result.anomalies[0].explanation, [
    'T1 read y = 0, and T2 installed y = 1, which follows it (T2 read y = 0 and then wrote y = 1) (rw)',
    'T2 read x = 0, and T1 installed x = 1, which follows it (T1 read x = 0 and then wrote x = 1) (rw)',
  ]);
  // Negative control: run one after the other, the second reads the first's x, and nothing is wrong.
  const serial = [initial, ok([read('x', 0), read('y', 0), write('x', 1)], 1), ok([read('x', 1), read('y', 0), write('y', 1)], 2)];
  t.deepEqual(classes(serial), []);
});

test('process and real-time order give version facts only when asked', (t) => {
  // Elle's rw_register_test.clj, "G0": each process wrote both keys and then read one of them.
  const pair = (process: number, value: unknown[]): unknown[] => [
    { type: 'invoke', process, f: 'txn', value: value.map((micro) => ((micro as unknown[])[0] === 'r' ? [...(micro as unknown[]).slice(0, 2), null] : micro)) },
    { type: 'ok', process, f: 'txn', value },
  ];
  const history = [
    ...pair(0, [write('x', 1), write('y', 2)]), ...pair(1, [write('x', 2), write('y', 1)]),
    ...pair(0, [read('x', 2)]), ...pair(1, [read('y', 2)]),
  ];
  t.deepEqual(classes(history), []);
  t.deepEqual(classes(history, { processOrder: true }), ['G0']);
  // In real time the four ran one after another, so y went 2 (T1), 1 (T3), 2 (T7): a contradiction,
  // and real-time order is set aside for y.
  t.deepEqual(classes(history, { processOrder: true, realtime: true }), ['G0', 'cyclic-versions']);
});

test('contradicting version facts are a cyclic-versions finding, naming the reason of each step', (t) => {
  const history = [ok([write('x', 1)]), ok([write('x', 2)]), ok([read('x', 1)])];
  t.deepEqual(classes(history), []);
  const result = checkElleHistory(JSON.stringify(history), { processOrder: true });
  if (result.kind === 'invalid') return t.fail(result.message);
  t.deepEqual(result.anomalies, [{
    class: 'cyclic-versions',
    transactions: ['T1', 'T2', 'T0'],
    explanation: [
      'by the initial state, writes that follow reads and process order, x\'s versions form a cycle: x = 2 < x = 1 < x = 2',
      'x = 2 < x = 1: process 0 ran T1 (ending at x = 2) and then T2 (beginning at x = 1)',
      'x = 1 < x = 2: process 0 ran T0 (ending at x = 1) and then T1 (beginning at x = 2)',
    ],
  }]);
});
