// Benchmark: what one copy of a configuration part costs, the operation a global step repeats several
// times per message. An object spread with the changed field (`{ ...config, nextMessageId }`, as the
// runtime wrote its copies before) against the runtime's copy that names every field
// (runtime/configuration.ts `copyConfiguration`, `copyRunning`) and sets the changed one, on a real
// configuration (3 nodes, 16 clients) and a coordinator's running entry. Nanoseconds per copy and the
// ratio spread / named, in one process, alternated. Then a node's small table (runtime/small-map.ts) with
// one entry replaced: a JavaScript `Map` copied whole (`new Map(map).set(key, value)`, as the runtime
// kept its locks, runs, inquiries, resends and an attempt's reads before) against `SmallMap.with`, for
// tables of 1, 4 and 16 entries.
// Run: npx tsc -p . && node build/bench/copies.js [tables]

import { performance } from 'node:perf_hooks';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { copyConfiguration, copyRunning, initialConfiguration, type Configuration, type Running } from '../runtime/configuration.ts';
import { SmallMap } from '../runtime/small-map.ts';
import { fixed, table } from './measure.ts';

const copies = 2_000_000;
const rounds = 5;

const config = initialConfiguration(runtimeSettings(defaultRunSettings), 16, true);
const running: Running = {
  runId: 'r1', requestId: 'r1', client: 0, request: { kind: 'read', target: { kind: 'ref', entity: 'Account', key: 1 }, field: 'balance' }, timestamp: 1,
  attemptNumber: 0, slowAttempts: 0, attempt: '', phase: 'waiting', deadline: 0, token: undefined, result: undefined, votes: new Set(), conflictedOn: undefined,
};

/** Nanoseconds per copy: `copy` applied `copies` times, each to the last one's result. */
function timed<T>(start: T, copy: (value: T, index: number) => T, count = copies): number {
  let value = start;
  const begun = performance.now();
  for (let index = 0; index < count; index++) value = copy(value, index);
  const elapsed = performance.now() - begun;
  if (value === start) throw new Error('nothing was copied');
  return (elapsed * 1e6) / count;
}

const cases = [
  {
    name: 'configuration (11 fields), nextMessageId changed',
    spread: () => timed<Configuration>(config, (value, index) => ({ ...value, nextMessageId: index })),
    named: () => timed<Configuration>(config, (value, index) => {
      const next = copyConfiguration(value);
      next.nextMessageId = index;
      return next;
    }),
  },
  {
    name: 'running entry (13 fields), deadline changed',
    spread: () => timed<Running>(running, (value, index) => ({ ...value, deadline: index })),
    named: () => timed<Running>(running, (value, index) => Object.assign(copyRunning(value), { deadline: index })),
  },
];

// `node build/bench/copies.js tables` runs the tables' part alone.
const rows = [['copy', 'spread ns', 'named ns', 'spread / named']];
for (const { name, spread, named } of process.argv[2] === 'tables' ? [] : cases) {
  const spreadTimes: number[] = [];
  const namedTimes: number[] = [];
  for (let round = 0; round < rounds + 1; round++) {
    const a = spread();
    const b = named();
    if (round > 0) {
      spreadTimes.push(a);
      namedTimes.push(b);
    }
  }
  const median = (values: number[]): number => [...values].sort((left, right) => left - right)[values.length >> 1];
  rows.push([name, fixed(median(spreadTimes), 1), fixed(median(namedTimes), 1), fixed(median(spreadTimes) / median(namedTimes), 1)]);
}
if (rows.length > 1) {
  console.log(`== one copy, median of ${rounds} alternated rounds of ${copies.toLocaleString('en')} copies after a warm-up ==`);
  console.log(table(rows));
}

const tableCopies = 200_000;
const tableRows = [['table', 'Map copied ns', 'SmallMap.with ns', 'Map / SmallMap']];
for (const size of [1, 4, 16]) {
  const keys = Array.from({ length: size }, (_, index) => `r${index + 1}#1`);
  const map = new Map(keys.map((key, index) => [key, index]));
  const small = SmallMap.of(keys.map((key, index) => [key, index] as const));
  const mapTimes: number[] = [];
  const smallTimes: number[] = [];
  for (let round = 0; round < rounds + 1; round++) {
    const a = timed<ReadonlyMap<string, number>>(map, (value, index) => new Map(value).set(keys[index % size], index), tableCopies);
    const b = timed<SmallMap<string, number>>(small, (value, index) => value.with(keys[index % size], index), tableCopies);
    if (round > 0) {
      mapTimes.push(a);
      smallTimes.push(b);
    }
  }
  const median = (values: number[]): number => [...values].sort((left, right) => left - right)[values.length >> 1];
  tableRows.push([`${size} entr${size === 1 ? 'y' : 'ies'}, one replaced`, fixed(median(mapTimes), 1), fixed(median(smallTimes), 1), fixed(median(mapTimes) / median(smallTimes), 1)]);
}
console.log(`== a small table with one entry replaced, median of ${rounds} alternated rounds of ${tableCopies.toLocaleString('en')} copies after a warm-up ==`);
console.log(table(tableRows));
