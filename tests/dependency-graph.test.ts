// Tests of checkers/dependency-graph.ts, Adya's serialization-graph checker:
//   - Validation on cases we did not write: every history in checkers/anomaly-data/ (Adya 1999,
//     Berenson et al. 1995, Elle's README, tests and paper) gets exactly the classes its source gives.
//   - Theorem (a serial execution has no anomaly): random serial executions of read, write and append
//     transactions, some aborted and some indeterminate, give no anomaly, whether checked as a generic
//     history (in any order of its transactions), as Elle's format, or as Ent's history events.
//   - Negative control: a cycle of each class planted into a random serial history is found, with that
//     class, as a two-transaction witness; and a cycle through 100,000 transactions is found.
//   - Ent's history: a request committed twice, or a write of it installed twice, becomes r7 and r7'
//     and a committed-twice finding; its JSON gives the same transaction history as its events.
//   - Histories of 10,000 and 100,000 random transactions (bench/check.ts times them).
// Runs: 300 random histories per property; the environment variable ENT_RUNS multiplies that. A failure
// reports fast-check's {seed, path}; replay it with `fc.assert(…, { seed, path })`.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  anomaliesToViolations, checkDependencyGraph, historyFromEntJson, historyFromEvents, isCycleClass,
  type Anomaly, type CycleClass, type TransactionHistory, type TransactionRecord, type VersionAccess,
} from '../checkers/dependency-graph.ts';
import { checkElleHistory, type ElleOptions } from '../checkers/elle.ts';
import { historyToJson, type HistoryEvent } from '../runtime/history.ts';
import { randomSerialHistory, withSpineCycle } from '../bench/histories.ts';

const runs = 300 * Number(process.env.ENT_RUNS ?? 1);

// ------------------------------------------------------------------------------ literature cases

interface LiteratureCase {
  readonly name: string;
  readonly source: string;
  readonly format: 'generic' | 'elle';
  readonly history: unknown;
  readonly expected: readonly string[];
  /** Elle's format: the version-order sources beyond the initial state and writes that follow reads. */
  readonly options?: ElleOptions;
  /** What Elle itself reports, where Ent reports more (the case's note says why): garbage reads only. */
  readonly elle?: readonly string[];
}

const dataDirectory = 'checkers/anomaly-data';

function anomaliesOf(literatureCase: LiteratureCase): readonly Anomaly[] {
  if (literatureCase.format === 'generic') return checkDependencyGraph(literatureCase.history as TransactionHistory).anomalies;
  const checked = checkElleHistory(JSON.stringify(literatureCase.history), literatureCase.options);
  if (checked.kind === 'invalid') throw new Error(checked.message);
  return checked.anomalies;
}

for (const file of readdirSync(dataDirectory).filter((name) => name.endsWith('.json')).sort()) {
  const data = JSON.parse(readFileSync(`${dataDirectory}/${file}`, 'utf8')) as { source: string; cases: LiteratureCase[] };
  for (const literatureCase of data.cases) {
    test(`${file}: ${literatureCase.name} is ${literatureCase.expected.join(' and ') || 'serializable'}`, (t) => {
      t.true(literatureCase.source.length > 0);
      const anomalies = anomaliesOf(literatureCase);
      t.deepEqual(anomalies.map((anomaly) => anomaly.class).sort(), [...literatureCase.expected].sort());
      if (literatureCase.elle !== undefined) {
        const beyondElle = literatureCase.expected.filter((name) => name !== 'garbage-read');
        t.deepEqual([...beyondElle].sort(), [...literatureCase.elle].sort(), 'Ent reports what Elle does, and garbage reads besides');
      }
      for (const anomaly of anomalies) {
        t.log(`${anomaly.class} [${anomaly.transactions.join(' ')}]: ${anomaly.explanation.join(' / ')}`);
        if (isCycleClass(anomaly.class)) t.is(anomaly.explanation.length, anomaly.transactions.length);
        else t.true(anomaly.explanation.length > 0);
      }
    });
  }
}

// ------------------------------------------------------------------------ random serial executions

/** Objects k0, k2, … are registers (written), k1, k3, … lists (appended to). */
interface SerialStep {
  readonly read: boolean;
  readonly object: number;
}

interface SerialTransaction {
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly steps: readonly SerialStep[];
}

const objectCountMax = 6;
const objectName = (object: number): string => `k${object}`;
const isList = (object: number): boolean => object % 2 === 1;

const serialTransactions = fc.array(
  fc.record({
    outcome: fc.constantFrom<SerialTransaction['outcome']>('ok', 'ok', 'ok', 'ok', 'fail', 'info'),
    steps: fc.array(fc.record({ read: fc.boolean(), object: fc.nat(objectCountMax - 1) }), { minLength: 1, maxLength: 6 }),
  }),
  { maxLength: 30 },
);

interface SerialHistories {
  /** In the order they ran; only the committed ones (`ok` and `info`) have their reads. */
  readonly generic: TransactionRecord[];
  readonly elle: unknown[];
  readonly events: HistoryEvent[];
}

/** The transactions run one after another, recorded in all three forms. */
function runSerially(transactions: readonly SerialTransaction[]): SerialHistories {
  const versions = new Array<number>(objectCountMax).fill(0);
  const versionsWritten = new Array<number>(objectCountMax).fill(0);
  const entVersions = new Array<number>(objectCountMax).fill(0);
  const registers = new Array<number | null>(objectCountMax).fill(null);
  const lists = Array.from({ length: objectCountMax }, (): number[] => []);
  let unique = 0;
  const histories: SerialHistories = { generic: [], elle: [], events: [] };
  transactions.forEach((transaction, index) => {
    const id = `T${index}`;
    const committed = transaction.outcome !== 'fail';
    const written = new Map<number, { version: number; value: number }>();
    const appended = new Map<number, number[]>();
    const reads: VersionAccess[] = [];
    const writes: VersionAccess[] = [];
    const entReads = new Map<string, number>();
    const invocation: unknown[] = [];
    const completion: unknown[] = [];
    for (const { read, object } of transaction.steps) {
      if (!entReads.has(objectName(object))) entReads.set(objectName(object), entVersions[object]);
      if (read) {
        if (!written.has(object)) reads.push({ object: objectName(object), version: versions[object] });
        const list = [...lists[object], ...(appended.get(object) ?? [])];
        const value = isList(object) ? (list.length === 0 ? null : list) : (written.get(object)?.value ?? registers[object]);
        invocation.push(['r', objectName(object), null]);
        completion.push(['r', objectName(object), value]);
        continue;
      }
      const write = { version: ++versionsWritten[object], value: ++unique };
      written.set(object, write);
      writes.push({ object: objectName(object), version: write.version });
      if (isList(object)) appended.set(object, [...(appended.get(object) ?? []), write.value]);
      const micro = [isList(object) ? 'append' : 'w', objectName(object), write.value];
      invocation.push(micro);
      completion.push(micro);
    }
    histories.generic.push({ id, committed, reads: committed ? reads : [], writes });
    const process = index % 4;
    histories.elle.push({ index: 2 * index, process, type: 'invoke', f: 'txn', value: invocation });
    histories.elle.push({ index: 2 * index + 1, process, type: transaction.outcome, f: 'txn', value: transaction.outcome === 'info' ? invocation : completion });
    if (!committed) return;
    histories.events.push({
      type: 'commit', requestId: `r${index}`, order: index, tick: index, reads: entReads, writes: [...written.keys()].map(objectName),
    });
    for (const [object, write] of written) {
      versions[object] = write.version;
      registers[object] = write.value;
      lists[object].push(...(appended.get(object) ?? []));
      histories.events.push({ type: 'install', requestId: `r${index}`, entity: objectName(object), version: ++entVersions[object], tick: index });
    }
  });
  return histories;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed | 1;
  for (let index = copy.length - 1; index > 0; index--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const other = Math.abs(state) % (index + 1);
    [copy[index], copy[other]] = [copy[other], copy[index]];
  }
  return copy;
}

test('Theorem (a serial execution has no anomaly), as a generic history in any order, as Elle\'s format, as Ent\'s events', (t) => {
  fc.assert(fc.property(serialTransactions, fc.integer(), (transactions, seed) => {
    const histories = runSerially(transactions);
    assert.deepEqual(checkDependencyGraph({ transactions: shuffled(histories.generic, seed) }).anomalies, []);
    assert.deepEqual(checkElleHistory(JSON.stringify(histories.elle)), { kind: 'checked', anomalies: [] });
    // A serial execution is also sequential and linearizable per key: those orders add no anomaly either.
    const ordered = checkElleHistory(JSON.stringify(histories.elle), { processOrder: true, realtime: true });
    assert.deepEqual(ordered, { kind: 'checked', anomalies: [] });
    assert.deepEqual(checkDependencyGraph(historyFromEvents(histories.events)).anomalies, []);
  }), { numRuns: runs });
  t.pass();
});

// ---------------------------------------------------------------------------- negative controls

/** Adds a cycle of the given class between two committed transactions of a serial history, on objects
 * of its own; the ids of the two transactions on the cycle. */
function plantCycle(generic: TransactionRecord[], cycleClass: CycleClass, first: number, second: number): [string, string] {
  const add = (index: number, reads: VersionAccess[], writes: VersionAccess[]): void => {
    const transaction = generic[index];
    generic[index] = { ...transaction, reads: [...transaction.reads, ...reads], writes: [...transaction.writes, ...writes] };
  };
  const at = (object: string, version: number): VersionAccess => ({ object, version });
  switch (cycleClass) {
    case 'G0':
      add(first, [], [at('planted-a', 1), at('planted-b', 2)]);
      add(second, [], [at('planted-a', 2), at('planted-b', 1)]);
      break;
    case 'G1c':
      add(first, [at('planted-b', 1)], [at('planted-a', 1)]);
      add(second, [at('planted-a', 1)], [at('planted-b', 1)]);
      break;
    case 'G-single':
      add(first, [], [at('planted-a', 1), at('planted-b', 1)]);
      add(second, [at('planted-a', 1), at('planted-b', 0)], []);
      break;
    case 'G2':
      // A new transaction, so that no ww or wr path joins the two and the only cycle has two rw edges.
      generic.push({ id: 'planted', committed: true, reads: [at('planted-a', 0)], writes: [at('planted-b', 1)] });
      add(second, [at('planted-b', 0)], [at('planted-a', 1)]);
      return [generic[second].id, 'planted'];
  }
  return [generic[first].id, generic[second].id];
}

test('negative control: a planted cycle of each class is found, with its class', (t) => {
  const cases = fc.tuple(serialTransactions, fc.constantFrom<CycleClass>('G0', 'G1c', 'G-single', 'G2'), fc.nat(), fc.nat());
  fc.assert(fc.property(cases, ([transactions, cycleClass, left, right]) => {
    const generic = runSerially(transactions).generic;
    const committed = generic.flatMap((transaction, index) => (transaction.committed ? [index] : []));
    fc.pre(committed.length >= 2);
    const first = committed[left % committed.length];
    const second = committed[right % committed.length];
    fc.pre(first < second);
    const planted = plantCycle(generic, cycleClass, first, second);
    const { anomalies } = checkDependencyGraph({ transactions: generic });
    assert.equal(anomalies.length, 1, JSON.stringify(anomalies));
    assert.equal(anomalies[0].class, cycleClass);
    assert.deepEqual([...anomalies[0].transactions].sort(), [...planted].sort());
  }), { numRuns: runs });
  t.pass();
});

// -------------------------------------------------------------------------------- Ent's history

test('a request committed twice: transactions r7 and r7\', each with its own installs, and a committed-twice finding', (t) => {
  const events: HistoryEvent[] = [
    { type: 'commit', requestId: 'r1', order: 0, tick: 0, reads: new Map([['Account(0)', 0]]), writes: ['Account(0)'] },
    { type: 'install', requestId: 'r1', entity: 'Account(0)', version: 1, tick: 0 },
    { type: 'commit', requestId: 'r7', order: 1, tick: 1, reads: new Map([['Account(0)', 1]]), writes: ['Account(0)'] },
    { type: 'commit', requestId: 'r7', order: 2, tick: 2, reads: new Map([['Account(0)', 1]]), writes: ['Account(0)'] },
    { type: 'install', requestId: 'r7', entity: 'Account(0)', version: 2, tick: 3 },
    { type: 'install', requestId: 'r7', entity: 'Account(0)', version: 3, tick: 3 },
  ];
  const history = historyFromEvents(events);
  const writes = history.transactions.map((transaction) => [transaction.id, transaction.writes.map((write) => write.version)]);
  t.deepEqual(writes, [['r1', [1]], ['r7', [2]], ["r7'", [3]]]);
  const { anomalies } = checkDependencyGraph(history);
  t.deepEqual(anomalies.map((anomaly) => anomaly.class).sort(), ['G-single', 'committed-twice', 'lost-update'].sort());
  t.deepEqual(anomaliesToViolations(anomalies).find((violation) => violation.kind === 'committed-twice')?.requests, ['r7']);
});

test('a write installed again (a replayed install) is the request taking effect again', (t) => {
  const events: HistoryEvent[] = [
    { type: 'commit', requestId: 'r5', order: 1, tick: 1, reads: new Map([['Account(0)', 0]]), writes: ['Account(0)'] },
    { type: 'install', requestId: 'r5', entity: 'Account(0)', version: 1, tick: 1 },
    { type: 'commit', requestId: 'r6', order: 2, tick: 2, reads: new Map([['Account(0)', 1]]), writes: ['Account(0)'] },
    { type: 'install', requestId: 'r6', entity: 'Account(0)', version: 2, tick: 2 },
    { type: 'install', requestId: 'r5', entity: 'Account(0)', version: 3, tick: 3 },
  ];
  const history = historyFromEvents(events);
  t.deepEqual(history.transactions.map((transaction) => [transaction.id, transaction.reads.length, transaction.writes.length]), [
    ['r5', 1, 1], ['r6', 1, 1], ["r5'", 0, 1],
  ]);
  t.like(checkDependencyGraph(history), { anomalies: [{ class: 'committed-twice', explanation: ["request r5 took effect 2 times, as r5, r5'"] }] });
});

test('Ent\'s history JSON gives the transaction history its events give', (t) => {
  const histories = runSerially([
    { outcome: 'ok', steps: [{ read: true, object: 0 }, { read: false, object: 0 }] },
    { outcome: 'ok', steps: [{ read: false, object: 1 }, { read: true, object: 0 }] },
  ]);
  const json = JSON.parse(JSON.stringify(historyToJson(histories.events, {})));
  t.deepEqual(historyFromEntJson(json), historyFromEvents(histories.events));
  t.deepEqual(historyFromEntJson({ format: 'other' }), { error: 'not an Ent history: expected an object with "format": "ent-history" and an "events" array' });
});

// ------------------------------------------------------------------------------ large histories

// bench/check.ts times these; here they are checked for what they contain.
for (const count of [10_000, 100_000]) {
  test(`${count.toLocaleString('en')} random serial transactions: no anomaly, and one cycle through all of them is found`, (t) => {
    const transactions = randomSerialHistory(count);
    t.deepEqual(checkDependencyGraph({ transactions }).anomalies, []);
    const cyclic = checkDependencyGraph({ transactions: withSpineCycle(transactions) });
    t.deepEqual(cyclic.anomalies.map((anomaly) => anomaly.class), ['G1c']);
  });
}
