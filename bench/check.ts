// Benchmark: `ent check` (checkers/search.ts, the search the CLI runs) on examples/bank.ent, with the
// check's default workload (3 clients × 4 requests over 2 keys per entity type) and fault plan.
// Sections (all by default, or name them as arguments):
//   rate     runs per second under the correct protocols (2pl and aria, exactly-once): every run holds,
//            so the search runs them all;
//   workers  `ent check --runs N --workers W` (N 100, 1,000, 4,000, 10,000; W 1, 2), each a fresh child
//            process (as the command runs), round after round (--rounds, 3): median wall and CPU time and
//            the ratio to W = 1; --runs and --workers take lists (--runs 1000,4000), and --baseline DIR
//            runs the same commands on another build (a copy of build/ before a change), alternated;
//   aborts   what checking aborted outcomes costs: the checkers on the histories of 300 runs, with their
//            abort events and without them (as the checkers read histories before aborts were checked);
//   zoo      every bug-zoo variant and the two unsafe settings the issue names (--delivery at-least-once,
//            --protocol none), each searched from 20 seeds: the median runs and seconds to the first
//            failure, and the median size of the counterexample after minimizing and shrinking (requests
//            in the workload, schedule choices other than the plain 0);
//   graph    the dependency-graph checker on synthetic histories of 10,000 and 100,000 transactions;
//   installation  the installation check beside the dependency graph, on the same serial histories as
//            Ent's commit and install events;
//   registers     Elle's format with registers: the same histories checked with the version facts of
//            writes that follow reads, and with process and real-time order added.
// Run: npx tsc -p . && node build/bench/check.js [section …] [--seeds N] [--shrink-seconds S] [--runs N,…] [--workers W,…] [--rounds R] [--baseline DIR]
// (docs/benchmarks.md has the figures). Wall times use performance.now(), in bench/ only.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { runCase, type CheckSettings } from '../checkers/case.ts';
import { checkExactlyOnce } from '../checkers/exactly-once.ts';
import { checkReplay } from '../checkers/replay.ts';
import type { HistoryEvent } from '../runtime/history.ts';
import { checkDependencyGraph, historyFromDecisions, historyFromEvents, type TransactionRecord } from '../checkers/dependency-graph.ts';
import { checkElleHistory } from '../checkers/elle.ts';
import { decisionsAndInstalls, type DecisionOrInstall } from '../checkers/ent-history.ts';
import { checkInstallation } from '../checkers/installation.ts';
import { caseArbitrary, search } from '../checkers/search.ts';
import { checkFaults, defaultCheckSettings } from '../cli/check.ts';
import { zoo } from '../runtime/zoo.ts';
import { randomSerialHistory, withSpineCycle } from './histories.ts';
import { count, fixed, median, table, timeMedian } from './measure.ts';
import { compiled } from './programs.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(argv[at + 1]);
};
const stringFlag = (name: string): string | undefined => {
  const at = argv.indexOf(`--${name}`);
  return at < 0 ? undefined : argv[at + 1];
};
const listFlag = (name: string, fallback: readonly number[]): number[] => stringFlag(name)?.split(',').map(Number) ?? [...fallback];
const seeds = flag('seeds', 20);
const shrinkSeconds = flag('shrink-seconds', 10);
const chosen = argv.filter((argument, index) => !argument.startsWith('--') && !argv[index - 1]?.startsWith('--'));

const path = 'examples/bank.ent';
const { program, split } = compiled(readFileSync(path, 'utf8'), path);
const settings = defaultCheckSettings;

function rateSection(): void {
  const runs = 300;
  console.log(`\n== ent check ${path}: runs per second, ${runs} runs, faults ${checkFaults} ==`);
  const rows = [['protocol', 'runs', 'held', 'seconds', 'runs/s']];
  for (const concurrency of ['2pl', 'aria'] as const) {
    const started = performance.now();
    const result = search(program, split, settings({ concurrency }), { runs, seed: '1', shrinkSeconds: 0 });
    const seconds = (performance.now() - started) / 1000;
    rows.push([concurrency, String(runs), result.held ? 'all' : `failed after ${result.runs}`, fixed(seconds, 1), fixed(runs / seconds, 0)]);
  }
  console.log(table(rows));
}

function abortsSection(): void {
  const runs = 300;
  console.log(`\n== ent check ${path}: the cost of checking aborts, on the histories of ${runs} runs (2pl), median of 5 ==`);
  const histories: { events: readonly HistoryEvent[]; entities: Parameters<typeof checkReplay>[2] }[] = [];
  let simulation = 0;
  fc.assert(fc.property(caseArbitrary, (testCase) => {
    const started = performance.now();
    const outcome = runCase(program, split, settings({ concurrency: '2pl' }), testCase);
    simulation += performance.now() - started;
    histories.push({ events: outcome.events, entities: outcome.entities });
  }), { numRuns: runs, seed: 1 });
  const check = (events: readonly HistoryEvent[], entities: Parameters<typeof checkReplay>[2]): void => {
    checkExactlyOnce(events);
    checkReplay(program, events, entities);
    checkDependencyGraph(historyFromEvents(events));
    checkInstallation(decisionsAndInstalls(events), { quiet: true });
  };
  const withAborts = timeMedian(() => histories.forEach(({ events, entities }) => check(events, entities)), 5);
  const stripped = histories.map(({ events, entities }) => ({ events: events.filter((event) => event.type !== 'abort'), entities }));
  const withoutAborts = timeMedian(() => stripped.forEach(({ events, entities }) => check(events, entities)), 5);
  const aborts = histories.reduce((sum, { events }) => sum + events.filter((event) => event.type === 'abort').length, 0);
  const decided = histories.reduce((sum, { events }) => sum + events.filter((event) => event.type === 'abort' || event.type === 'commit').length, 0);
  console.log(table([
    ['', 'ms for 300 histories', 'ratio'],
    ['the checkers, abort events removed', fixed(withoutAborts, 1), '1.00'],
    ['the checkers, every outcome checked', fixed(withAborts, 1), fixed(withAborts / withoutAborts, 2)],
    ['the runs themselves (simulation and checkers)', fixed(simulation, 0), ''],
  ]));
  console.log(`${count(aborts)} of ${count(decided)} decided transactions were aborts`);
}

interface Target {
  readonly name: string;
  readonly settings: CheckSettings;
}

function zooSection(): void {
  const targets: Target[] = [
    ...zoo.map((variant) => ({ name: `--bug ${variant.name}`, settings: settings({ bug: variant.name }) })),
    { name: '--delivery at-least-once', settings: settings({ delivery: 'at-least-once' }) },
    { name: '--protocol none', settings: settings({ concurrency: 'none' }) },
  ];
  console.log(`\n== ent check ${path}: the zoo, ${seeds} seeds each (--seed 1 … ${seeds}), at most 1,000 runs, `
    + `shrinking for at most ${shrinkSeconds} s ==`);
  const rows = [['target', 'found', 'runs p50', 'runs max', 's to find p50', 'requests p50', 'choices p50', 'choices max', 'shrink s p50', 'violation (most often)']];
  for (const target of targets) {
    const runs: number[] = [];
    const findSeconds: number[] = [];
    const shrinkTimes: number[] = [];
    const requests: number[] = [];
    const choices: number[] = [];
    const violations = new Map<string, number>();
    for (let seed = 1; seed <= seeds; seed++) {
      const started = performance.now();
      let firstFailure = 0;
      const result = search(program, split, target.settings, {
        runs: 1_000, seed: String(seed), shrinkSeconds,
        // The search says `undefined` first when the finding phase ends.
        progress: (text) => {
          if (text === undefined && firstFailure === 0) firstFailure = performance.now();
        },
      });
      if (result.held) continue;
      const ended = performance.now();
      findSeconds.push(((firstFailure || ended) - started) / 1000);
      shrinkTimes.push((ended - (firstFailure || ended)) / 1000);
      runs.push(result.runs);
      const outcome = runCase(program, split, target.settings, result.counterexample);
      requests.push(outcome.workload === undefined ? 0 : outcome.workload.clients.reduce((sum, client) => sum + client.length, 0));
      choices.push(outcome.choicesDeparting);
      violations.set(result.target, (violations.get(result.target) ?? 0) + 1);
    }
    const common = [...violations].sort((left, right) => right[1] - left[1])[0];
    rows.push([
      target.name, `${runs.length}/${seeds}`, String(median(runs)), String(Math.max(...runs)), fixed(median(findSeconds), 2),
      String(median(requests)), String(median(choices)), String(Math.max(...choices)), fixed(median(shrinkTimes), 1),
      common === undefined ? '' : `${common[0]} (${common[1]})`,
    ]);
    console.log(table(rows.slice(-1)));
  }
  console.log('');
  console.log(table(rows));
  console.log('runs: cases until the first failure (1 = the first case failed); s to find: the search until then;'
    + ' requests and choices: the counterexample after minimizing and shrinking (choices other than the plain 0)');
}

function graphSection(): void {
  console.log('\n== the dependency-graph checker on synthetic histories (median of 5 after 1 warm-up) ==');
  const rows = [['transactions', 'serial: ms', 'anomalies', 'one cycle through all: ms', 'found (the shortest cycle)']];
  for (const size of [10_000, 100_000]) {
    const serial = randomSerialHistory(size);
    const cyclic = withSpineCycle(serial);
    const serialFound = checkDependencyGraph({ transactions: serial }).anomalies.length;
    const cyclicFound = checkDependencyGraph({ transactions: cyclic }).anomalies.map((anomaly) => `${anomaly.class} of ${count(anomaly.transactions.length)}`).join(', ');
    rows.push([
      count(size),
      fixed(timeMedian(() => checkDependencyGraph({ transactions: serial }), 5), 0), String(serialFound),
      fixed(timeMedian(() => checkDependencyGraph({ transactions: cyclic }), 5), 0), cyclicFound,
    ]);
  }
  console.log(table(rows));
}

/** A serial history as Ent's commit and install events: each transaction a request writing what it writes. */
function asEntEvents(transactions: readonly TransactionRecord[]): DecisionOrInstall[] {
  return transactions.flatMap((transaction): DecisionOrInstall[] => [
    {
      type: 'commit', requestId: transaction.id, reads: transaction.reads.map((read) => [read.object, read.version as number] as const),
      writes: transaction.writes.map((write) => write.object),
    },
    ...transaction.writes.map((write): DecisionOrInstall => ({
      type: 'install', requestId: transaction.id, entity: write.object, version: write.version as number,
    })),
  ]);
}

function installationSection(): void {
  console.log('\n== the installation check beside the dependency graph, on Ent\'s events (median of 5 after 1 warm-up) ==');
  const rows = [['transactions', 'installation: ms', 'findings', 'dependency graph: ms', 'installation / graph']];
  for (const size of [10_000, 100_000]) {
    const events = asEntEvents(randomSerialHistory(size));
    const findings = checkInstallation(events, { quiet: true }).length;
    const installation = timeMedian(() => checkInstallation(events, { quiet: true }), 5);
    const graph = timeMedian(() => checkDependencyGraph(historyFromDecisions(events)), 5);
    rows.push([count(size), fixed(installation, 0), String(findings), fixed(graph, 0), fixed(installation / graph, 2)]);
  }
  console.log(table(rows));
}

/** A serial history in Elle's format, every object a register: values are the versions (0 is nil). */
function asElleRegisters(transactions: readonly TransactionRecord[]): string {
  const operations = transactions.flatMap((transaction, index) => {
    const value = [
      ...transaction.reads.map((read) => ['r', read.object, read.version === 0 ? null : read.version]),
      ...transaction.writes.map((write) => ['w', write.object, write.version]),
    ];
    const process = index % 10;
    return [{ type: 'invoke', process, f: 'txn', value }, { type: 'ok', process, f: 'txn', value }];
  });
  return JSON.stringify(operations);
}

function registersSection(): void {
  console.log('\n== Elle\'s registers: the version facts of each source (median of 3 after 1 warm-up) ==');
  const rows = [['transactions', 'writes follow reads: ms', '+ process and real-time order: ms', 'ratio', 'anomalies']];
  for (const size of [10_000, 100_000]) {
    const text = asElleRegisters(randomSerialHistory(size));
    const plain = timeMedian(() => checkElleHistory(text), 3);
    const ordered = timeMedian(() => checkElleHistory(text, { processOrder: true, realtime: true }), 3);
    const checked = checkElleHistory(text, { processOrder: true, realtime: true });
    const anomalies = checked.kind === 'checked' ? String(checked.anomalies.length) : checked.message;
    rows.push([count(size), fixed(plain, 0), fixed(ordered, 0), fixed(ordered / plain, 2), anomalies]);
  }
  console.log(table(rows));
}

/**
 * `ent check --runs N --workers W` from a fresh process each time, as users run it: each configuration
 * (N, W, and the build) in turn, round after round, so that every row meets the same load; the medians of
 * wall and CPU time (the process's, its threads' included). With `--baseline DIR` the same commands also
 * run on that build (a copy of `build/` from before a change), alternated with this one.
 */
function workersSection(): void {
  const runCounts = listFlag('runs', [100, 1000, 4000, 10000]);
  const threadCounts = listFlag('workers', [1, 2]);
  const rounds = flag('rounds', 3);
  const baseline = stringFlag('baseline');
  const builds = baseline === undefined ? ['build'] : [baseline, 'build'];
  console.log(`\n== ent check ${path} --runs N --workers W: each a fresh process, as the command runs; median of ${rounds} rounds ==`);
  const timings = new Map<string, { wall: number[]; cpu: number[] }>();
  const key = (build: string, runs: number, workers: number): string => `${build} ${runs} ${workers}`;
  for (let round = 0; round < rounds; round++) {
    for (const runs of runCounts) {
      for (const workers of threadCounts) {
        for (const build of builds) {
          const timing = timings.get(key(build, runs, workers)) ?? { wall: [], cpu: [] };
          const { wall, cpu } = checkProcess(build, runs, workers);
          timing.wall.push(wall);
          timing.cpu.push(cpu);
          timings.set(key(build, runs, workers), timing);
        }
      }
    }
  }
  const rows = [['build', 'runs', 'workers', 'wall s', 'CPU s', 'runs per wall s', 'wall vs 1 worker', ...(baseline === undefined ? [] : ['wall vs baseline'])]];
  for (const runs of runCounts) {
    for (const workers of threadCounts) {
      for (const build of builds) {
        const { wall, cpu } = timings.get(key(build, runs, workers))!;
        const single = timings.get(key(build, runs, threadCounts[0]))!;
        const base = baseline === undefined ? undefined : timings.get(key(baseline, runs, workers))!;
        rows.push([
          build, String(runs), String(workers), fixed(median(wall), 2), fixed(median(cpu), 2), fixed(runs / median(wall), 0),
          fixed(median(wall) / median(single.wall), 2), ...(base === undefined ? [] : [fixed(median(wall) / median(base.wall), 2)]),
        ]);
      }
    }
  }
  console.log(table(rows));
  console.log(`load average at the end: ${loadavg().map((load) => load.toFixed(1)).join(', ')} on ${availableParallelism()} cores`);
}

/** One `ent check examples/bank.ent --runs N --workers W` in a fresh process on the build in `directory`: wall and CPU seconds. */
function checkProcess(directory: string, runs: number, workers: number): { wall: number; cpu: number } {
  const started = performance.now();
  // The command as bin/ent.js runs it, then the process's CPU time (its workers' included) on stderr.
  const script = `const { main } = await import('./build/cli/main.js'); const { processIo } = await import('./build/cli/io.js');`
    + `const status = await main(process.argv.slice(2), processIo); const { user, system } = process.cpuUsage();`
    + `process.stderr.write('CPU ' + ((user + system) / 1e6) + '\\n'); process.exitCode = status;`;
  const file = join(mkdtempSync(join(tmpdir(), 'ent-bench-')), 'check.mjs');
  writeFileSync(file, script.replaceAll('./build/', `${pathToFileURL(resolve(directory)).href}/`));
  const child = spawnSync(process.execPath, [file, 'check', path, '--runs', String(runs), '--workers', String(workers)], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`ent check failed: ${child.stderr}`);
  return { wall, cpu: Number(/CPU ([\d.]+)/.exec(child.stderr)?.[1]) };
}

const sections: Readonly<Record<string, () => void>> = {
  workers: workersSection, rate: rateSection, aborts: abortsSection, zoo: zooSection, graph: graphSection, installation: installationSection, registers: registersSection,
};
for (const name of chosen) if (!(name in sections)) throw new Error(`unknown section ${name}: choose from ${Object.keys(sections).join(', ')}`);
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) sections[name]();
