// Benchmark tool: digests of whole runs of one build, to show that a change for speed changed no run.
// For a build directory (`build/`, or a copy of it taken before a change) it prints one line per run: 54
// runs of the runtime (2PL, Aria and `none` × the three delivery modes × no faults, mild faults and heavy
// faults × counted and traced; 240 skewed transfers among 12 accounts from 6 clients), each with a hash of
// its history, rule counts, step count, final tick, message count and, when traced, every trace line with
// its message notes; and 24 explorations of examples/accounts.ent (2PL, Aria, `none` × three fault
// budgets × every reduction or none, and one bug-zoo variant), each with its statistics (bytes left out),
// completeness, outcomes and counterexample. Two builds that give the same lines ran every run alike.
// Run: node build/bench/digests.js BUILD_A > a.txt && node build/bench/digests.js BUILD_B > b.txt && diff a.txt b.txt

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: node build/bench/digests.js BUILD_DIRECTORY');

async function load(path: string): Promise<any> {
  return import(pathToFileURL(resolve(directory!, path)).href);
}

const programs = await load('bench/programs.js');
const values = await load('semantics/values.js');
const { runtimeSettings } = await load('cli/semantics.js');
const { defaultRunSettings } = await load('cli/runtime-options.js');
const { noFaults, mildFaults } = await load('runtime/faults.js');
const { runWorkload } = await load('runtime/driver.js');
const { SeededChoices } = await load('runtime/choices.js');
const { historyEventToJson } = await load('runtime/history.js');
const { explore, reductionNames } = await load('explorer/explore.js');
const { exploreScope } = await load('explorer/scope.js');

const digest = (...parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

// ------------------------------------------------------------------------------------------- runtime

const transfers = programs.compiled(programs.transferSource, 'digests.ent').split;
const heavyFaults = { drop: 0.05, duplicate: 0.05, delay: 0.08, crash: 0.004, downtime: 40 };
for (const concurrency of ['none', '2pl', 'aria']) {
  for (const delivery of ['exactly-once', 'at-least-once', 'at-most-once']) {
    for (const [faultName, faults] of [['no faults', noFaults], ['mild faults', mildFaults], ['heavy faults', heavyFaults]] as const) {
      for (const traced of [false, true]) {
        const settings = runtimeSettings({ ...defaultRunSettings, faults, concurrency, delivery, nodes: 3 });
        const accounts = 12;
        let seed = 7;
        const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
        const clients: unknown[][] = Array.from({ length: 6 }, () => []);
        for (let index = 0; index < 240; index++) {
          const from = Math.floor(random() * random() * accounts);
          const to = (from + 1 + Math.floor(random() * (accounts - 1))) % accounts;
          clients[index % 6].push({
            kind: 'call', target: values.referenceValue('Account', from), method: 'transfer',
            args: [values.referenceValue('Account', to), 1 + Math.floor(random() * 60)],
          });
        }
        const setup = Array.from({ length: accounts }, (_, key) => ({ kind: 'new', entity: 'Account', key, args: [] }));
        const lines: unknown[] = [];
        const trace = traced ? (entry: any): void => void lines.push([entry.tick, entry.place, entry.rule, entry.detail, entry.message ?? null, entry.sent ?? null]) : undefined;
        const run = runWorkload(transfers, settings, new SeededChoices(`${concurrency}${delivery}${faultName}`), { setup, clients }, { stepsMax: 400_000, trace });
        const hash = digest(
          run.events.map(historyEventToJson), [...run.ruleCounts].sort(), run.steps, run.stuck, run.stuckBecause ?? null,
          run.config.tick, run.config.nextMessageId, run.config.network.length, lines,
        );
        console.log(`run ${concurrency} ${delivery} ${faultName} ${traced ? 'traced' : 'counted'}: ${run.steps} steps, ${hash}`);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------ explorer

const accounts = programs.compiled(readFileSync('examples/accounts.ent', 'utf8'), 'examples/accounts.ent');
const budgets = [
  ['no faults', { crash: 0, drop: 0, duplicate: 0, delay: 0 }],
  ['1 drop, 1 duplicate', { crash: 0, drop: 1, duplicate: 1, delay: 0 }],
  ['1 crash, 1 delay', { crash: 1, drop: 0, duplicate: 0, delay: 1 }],
] as const;
for (const concurrency of ['2pl', 'aria', 'none']) {
  for (const [budgetName, budget] of budgets) {
    for (const reductions of ['every reduction', 'no reduction']) {
      for (const bug of concurrency === '2pl' ? ['none', 'early-lock-release'] : ['none']) {
        const result = explore(exploreScope(accounts.program, accounts.split, {
          nodes: 3, concurrency, delivery: 'exactly-once', stepLimit: 100_000, bug,
          shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 2 }, seed: '3', budget, jitter: 0, downtime: 4,
          reductions: new Set(reductions === 'every reduction' ? reductionNames : []), maxStates: 60_000,
        }));
        const { storedBytes: _bytes, ...stats } = result.stats;
        const counterexample = result.counterexample === undefined ? null : [result.counterexample.violations, result.counterexample.depth, result.counterexample.at, result.counterexample.schedule];
        const hash = digest(stats, result.complete, result.stoppedBy ?? null, [...result.outcomes].sort(), counterexample);
        console.log(`explore ${concurrency} ${budgetName} ${reductions} bug ${bug}: ${stats.distinct} distinct, ${hash}`);
      }
    }
  }
}
