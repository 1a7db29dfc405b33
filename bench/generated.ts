// Benchmark: the generated-program property of Theorem 6 (property-tests/distributed-generated.test.ts),
// its cases drawn as fast-check draws them from fixed seeds.
//   rate      cases per second for each protocol and workload mode, and the CPU time of the default
//             `npm test` run of the property (500 cases per protocol), beside the bank property's cases
//             (distributed.test.ts, three clients of a three-method bank) in the same process: the ratio
//             is the figure to keep on a shared machine;
//   coverage  what a default run covers: distinct programs and distinct schedules (a program, its
//             workload and the plainest choice list that gives the same run), and how many cases had
//             transactions in flight together, faults, crashes, lock conflicts, aborts, commits;
//   controls  the property's power: the share of cases that catch each broken setting (the negative
//             controls and other zoo bugs), by workload mode, and the violation that shows first.
// Run: npx tsc -p . && node build/bench/generated.js [rate|coverage|controls …] [--cases N] [--seeds N]
// (docs/benchmarks.md, "Generated programs under faults", has the figures). Wall and CPU times use
// performance.now() and process.cpuUsage(), in bench/ only.

import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { runCase } from '../checkers/case.ts';
import { caseArbitrary } from '../checkers/search.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../runtime/configuration.ts';
import {
  Coverage, faultPlanArbitrary, runUnderFaults, underFaultsCaseArbitrary, type UnderFaultsCase,
} from '../property-tests/arbitraries/under-faults.ts';
import { count, fixed, table } from './measure.ts';
import { compiled } from './programs.ts';
import { bankSource } from '../property-tests/arbitraries/bank.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(argv[at + 1]);
};
const casesPerProtocol = flag('cases', 500);
const seeds = flag('seeds', 3);
const chosen = argv.filter((argument, index) => !argument.startsWith('--') && !argv[index - 1]?.startsWith('--'));
const protocols: readonly ConcurrencyMode[] = ['2pl', 'aria'];

/**
 * The cases one protocol's test draws in a default run; the two tests draw theirs independently, so
 * each protocol gets its own seed.
 */
function casesOf(seed: number, concurrency: ConcurrencyMode): UnderFaultsCase[] {
  return fc.sample(underFaultsCaseArbitrary, { numRuns: casesPerProtocol, seed: seed + 1000 * protocols.indexOf(concurrency) });
}

/** CPU milliseconds (user and system) and wall milliseconds of `work`. */
function timed(work: () => void): { cpu: number; wall: number } {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  work();
  const cpu = process.cpuUsage(cpuBefore);
  return { cpu: (cpu.user + cpu.system) / 1000, wall: performance.now() - started };
}


/** The bank property's cases (distributed.test.ts) through the same runCase: the baseline. */
function bankCasesPerSecond(concurrency: ConcurrencyMode, seed: number): number {
  const bank = compiled(bankSource, 'bank.ent');
  const cases = fc.sample(fc.record({ numbers: caseArbitrary, faults: faultPlanArbitrary }), { numRuns: casesPerProtocol, seed });
  const { cpu } = timed(() => {
    for (const { numbers, faults } of cases) {
      const runtime = {
        nodes: 3, delivery: 'exactly-once' as const, concurrency, faults, stepLimit: 100_000, timeouts: defaultTimeouts,
        latencyJitter: 3, batchWindow: 4, bug: 'none',
      };
      const shape = { clients: 3, requestsPerClient: 4, keysPerEntity: 3 };
      runCase(bank.program, bank.split, { runtime, shape, workload: 'random' }, numbers);
    }
  });
  return cases.length / (cpu / 1000);
}

function rateSection(): void {
  console.log(`\n== the generated-program property: ${casesPerProtocol} cases per protocol, fast-check seeds 1 … ${seeds}`
    + ' (CPU time) ==');
  const rows = [[
    'protocol', 'seed', 'cases', 'run blocks/s', 'random workloads/s', 'all cases/s', 'CPU s', 'wall s', 'bank cases/s', 'bank / generated',
  ]];
  for (const concurrency of protocols) {
    for (let seed = 1; seed <= seeds; seed++) {
      const cases = casesOf(seed, concurrency);
      const byMode = new Map<string, { cases: number; cpu: number }>();
      const total = timed(() => {
        for (const testCase of cases) {
          const { cpu } = timed(() => {
            const outcome = runUnderFaults(testCase, concurrency);
            const [first] = outcome.violations;
            if (first !== undefined) throw new Error(`seed ${seed}: ${first.message}\n${testCase.program.text}`);
          });
          const mode = byMode.get(testCase.workload) ?? { cases: 0, cpu: 0 };
          byMode.set(testCase.workload, { cases: mode.cases + 1, cpu: mode.cpu + cpu });
        }
      });
      const rate = (mode: string): string => {
        const entry = byMode.get(mode);
        return entry === undefined ? '' : fixed(entry.cases / (entry.cpu / 1000), 1);
      };
      const generated = cases.length / (total.cpu / 1000);
      const bank = bankCasesPerSecond(concurrency, seed);
      rows.push([
        concurrency, String(seed), String(cases.length), rate('run'), rate('random'), fixed(generated, 1),
        fixed(total.cpu / 1000, 1), fixed(total.wall / 1000, 1), fixed(bank, 1), fixed(bank / generated, 2),
      ]);
      console.log(table(rows.slice(-1)));
    }
  }
  console.log('');
  console.log(table(rows));
}

function coverageSection(): void {
  console.log(`\n== what one default run covers: ${casesPerProtocol} cases per protocol, fast-check seeds 1 … ${seeds} ==`);
  for (let seed = 1; seed <= seeds; seed++) {
    const both = new Coverage();
    for (const concurrency of protocols) {
      const coverage = new Coverage();
      for (const testCase of casesOf(seed, concurrency)) {
        const outcome = runUnderFaults(testCase, concurrency);
        coverage.add(testCase, outcome);
        both.add(testCase, outcome);
      }
      console.log(`seed ${seed}, ${concurrency}:`);
      for (const line of coverage.lines()) console.log(`  ${line}`);
    }
    console.log(`seed ${seed}, both protocols: ${count(both.distinctPrograms)} distinct programs,`
      + ` ${count(both.distinctSchedules)} distinct schedules`);
  }
}

const controls: readonly { concurrency: ConcurrencyMode; bug: string }[] = [
  { concurrency: 'none', bug: 'none' },
  { concurrency: '2pl', bug: 'early-lock-release' },
  { concurrency: '2pl', bug: 'reentrant-across-transactions' },
  { concurrency: '2pl', bug: 'abort-without-validation' },
  { concurrency: '2pl', bug: 'ack-before-persist' },
  { concurrency: '2pl', bug: 'no-dedup-table' },
  { concurrency: 'aria', bug: 'no-dedup-table' },
  { concurrency: 'aria', bug: 'replay-without-idempotence' },
  { concurrency: 'aria', bug: 'dedup-forgets-before-ack' },
];

function controlsSection(): void {
  console.log(`\n== the property's power: cases that catch each broken setting, of ${casesPerProtocol} (fast-check seed 1) ==`);
  const rows = [['setting', 'caught', 'run blocks', 'random workloads', 'first violation (most often)']];
  const cases = casesOf(1, '2pl');
  for (const { concurrency, bug } of controls) {
    const caught = new Map<string, number>();
    const violations = new Map<string, number>();
    for (const testCase of cases) {
      const outcome = runUnderFaults(testCase, concurrency, bug);
      if (outcome.violations.length === 0) continue;
      caught.set(testCase.workload, (caught.get(testCase.workload) ?? 0) + 1);
      const first = `${outcome.violations[0].checker}:${outcome.violations[0].kind}`;
      violations.set(first, (violations.get(first) ?? 0) + 1);
    }
    const inMode = (mode: string): string =>
      `${caught.get(mode) ?? 0}/${cases.filter((testCase) => testCase.workload === mode).length}`;
    const total = (caught.get('run') ?? 0) + (caught.get('random') ?? 0);
    const common = [...violations].sort((left, right) => right[1] - left[1])[0];
    rows.push([
      `--protocol ${concurrency}${bug === 'none' ? '' : ` --bug ${bug}`}`, `${total}/${cases.length}`,
      inMode('run'), inMode('random'),
      common === undefined ? '' : `${common[0]} (${common[1]})`,
    ]);
    console.log(table(rows.slice(-1)));
  }
  console.log('');
  console.log(table(rows));
}

const sections: Readonly<Record<string, () => void>> = {
  rate: rateSection, coverage: coverageSection, controls: controlsSection,
};
for (const name of chosen) {
  if (!(name in sections)) throw new Error(`unknown section ${name}: choose from ${Object.keys(sections).join(', ')}`);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) sections[name]();
