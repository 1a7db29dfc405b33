// Benchmark: finding the next event (runtime/next-event.ts). Records the configurations one run of 2PL
// transfers passes through (3 nodes, exactly-once, 16 clients, n YCSB+T transfers over 200 accounts, as
// bench/ab.ts `transfer` runs them), then replays them in order through the definition and through a
// fresh timer index, alternated in one process: microseconds per search and the ratio index / definition.
// Run: npx tsc -p . && node build/bench/next-event.js [n]

import { performance } from 'node:perf_hooks';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { SeededChoices } from '../runtime/choices.ts';
import type { Configuration } from '../runtime/configuration.ts';
import { runWorkload } from '../runtime/driver.ts';
import { noFaults } from '../runtime/faults.ts';
import { dueByDefinition, timerIndex, type NextEventSearch } from '../runtime/next-event.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import { compiled, transferSource, transferWorkload } from './programs.ts';

const transfers = Number(process.argv[2] ?? 1_500);
const { split } = compiled(transferSource, 'next-event.ent');
const settings = runtimeSettings({ ...defaultRunSettings, faults: noFaults, concurrency: '2pl', delivery: 'exactly-once', nodes: 3 });
const { setup, clients } = transferWorkload(referenceValue, transfers) as { setup: Request[]; clients: Request[][] };
const configurations: Configuration[] = [];
runWorkload(split, settings, new SeededChoices('1'), { setup, clients }, {
  stepsMax: Number.MAX_SAFE_INTEGER,
  search: (config) => {
    configurations.push(config);
    return dueByDefinition(config);
  },
});

const rounds = 9;
const times: number[][] = [[], []];
const makers: (() => NextEventSearch)[] = [() => dueByDefinition, () => timerIndex()];
for (let round = 0; round < rounds + 2; round++) {
  for (let which = 0; which < 2; which++) {
    const search = makers[which]();
    const start = performance.now();
    for (const config of configurations) search(config);
    if (round >= 2) times[which].push(((performance.now() - start) * 1000) / configurations.length);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
const [definition, index] = times.map(median);
console.log(`${configurations.length} searches of ${transfers} transfers: definition ${definition.toFixed(2)} µs, index ${index.toFixed(2)} µs per search, index / definition ${(index / definition).toFixed(2)} (median of ${rounds} alternated replays after 2)`);
