// Benchmark: call depth. Wall time of a recursion 1,000, 10,000 and 100,000 deep, on one entity
// (`self.down(n - 1)`) and across two (`Ping` and `Pong` calling each other), under each semantics:
// the reference model, the split machine, and the distributed runtime without faults and with the default
// (mild) faults, under 2PL and Aria; with the ratio from one decade to the next (a cost per call that
// does not grow with depth gives about 10). Then the cost per step of a recursion that never ends,
// stopped by step budgets of 10,000, 100,000 and 1,000,000 steps. Programs are compiled and run
// through the functions `ent run` uses (cli/semantics.ts, the client of semantics/reference/client.ts);
// step budgets are lifted for the depth runs. Each run is a child process with a time budget (60 s by
// default): a run that does not finish in it, or fails, is reported as such, and the deeper runs of that
// row are skipped. Each child warms up on a small run first; a run under 1 s is repeated and the median
// of 3 given. A last table gives one transaction that makes 1,000, 10,000 and 100,000 remote calls in a
// loop (`Driver(3).drive`, on node 0, calling `Counter(1).bump`, on node 1), the long transaction that
// leases let finish under the safe protocols.
// Run: npx tsc -p . && node build/bench/depth.js [budget-seconds] [reference|split|distributed …]
// (docs/benchmarks.md, "Call depth").

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { semanticsEntry, type RunSettings } from '../cli/semantics.ts';
import type { ConcurrencyMode } from '../runtime/configuration.ts';
import { mildFaults, noFaults } from '../runtime/faults.ts';
import { Client } from '../semantics/reference/client.ts';
import { count, fixed, median, table } from './measure.ts';
import { compiled } from './programs.ts';

const entities = `
entity Deep {
  key id: int
  fn down(n: int): int {
    if n == 0 {
      return 0
    }
    return 1 + self.down(n - 1)
  }
  fn forever(n: int): int {
    return self.forever(n + 1)
  }
}

entity Ping {
  key id: int
  fn bounce(n: int, pong: Pong): int {
    if n == 0 {
      return 0
    }
    return 1 + pong.bounce(n - 1, self)
  }
}

entity Counter {
  key id: int
  n: int = 0
  fn bump(): int {
    self.n = self.n + 1
    return self.n
  }
}

entity Driver {
  key id: int
  fn drive(c: Counter, times: int): int {
    let i = 0
    while i < times {
      c.bump()
      i = i + 1
    }
    return i
  }
}

entity Pong {
  key id: int
  fn bounce(n: int, ping: Ping): int {
    if n == 0 {
      return 0
    }
    return 1 + ping.bounce(n - 1, self)
  }
}
`;

type Shape = 'self' | 'mutual' | 'runaway' | 'remote';

/** The run block of each measurement, and what it must print. */
function runBlock(shape: Shape, size: number): { readonly source: string; readonly expected: string } {
  switch (shape) {
    case 'self':
      return { source: `run {\n  print new Deep(1).down(${size})\n}\n`, expected: String(size) };
    case 'mutual':
      return { source: `run {\n  print new Ping(1).bounce(${size}, new Pong(1))\n}\n`, expected: String(size) };
    case 'runaway':
      return { source: 'run {\n  print new Deep(1).forever(0)\n}\n', expected: 'abort: step limit exceeded' };
    case 'remote':
      return { source: `run {\n  print new Driver(3).drive(new Counter(1), ${size})\n}\n`, expected: String(size) };
  }
}

interface Configuration {
  readonly name: string;
  readonly semantics: 'reference' | 'split' | 'distributed';
  readonly faults?: 'none' | 'mild';
  readonly protocol?: ConcurrencyMode;
}

const configurations: readonly Configuration[] = [
  { name: 'reference', semantics: 'reference' },
  { name: 'split', semantics: 'split' },
  { name: 'distributed, no faults, 2pl', semantics: 'distributed', faults: 'none', protocol: '2pl' },
  { name: 'distributed, no faults, aria', semantics: 'distributed', faults: 'none', protocol: 'aria' },
  { name: 'distributed, mild faults, 2pl', semantics: 'distributed', faults: 'mild', protocol: '2pl' },
  { name: 'distributed, mild faults, aria', semantics: 'distributed', faults: 'mild', protocol: 'aria' },
];

interface Job {
  readonly configuration: Configuration;
  readonly shape: Shape;
  readonly size: number;
  readonly stepLimit: number;
}

// ------------------------------------------------------------------------- one measurement (child)

/** Runs the job's program as `ent run` would; gives the milliseconds of the run block and what it printed. */
function runOnce(job: Job): { milliseconds: number; output: string } {
  const block = runBlock(job.shape, job.size);
  const { program } = compiled(entities + block.source, 'depth-bench.ent');
  const { configuration } = job;
  const settings: RunSettings = {
    ...defaultRunSettings,
    stepLimit: job.stepLimit,
    faults: configuration.faults === 'none' ? noFaults : mildFaults,
    concurrency: configuration.protocol ?? defaultRunSettings.concurrency,
  };
  const runHost = semanticsEntry(configuration.semantics).create(program, settings, undefined);
  const output: string[] = [];
  const client = new Client(runHost.host, (line) => output.push(line));
  const start = performance.now();
  client.run(program.run!.body);
  runHost.healing();
  client.finish();
  runHost.settling();
  const milliseconds = performance.now() - start;
  if (output.join('\n') !== block.expected) throw new Error(`printed ${JSON.stringify(output.join('\n'))}, not ${block.expected}`);
  return { milliseconds, output: output.join('\n') };
}

function measure(job: Job): void {
  const small = job.shape === 'runaway' ? { stepLimit: Math.min(job.stepLimit, 10_000) } : { size: Math.min(job.size, 1_000) };
  runOnce({ ...job, ...small }); // warm-up
  const first = runOnce(job).milliseconds;
  const times = first < 1000 ? [first, runOnce(job).milliseconds, runOnce(job).milliseconds] : [first];
  process.stdout.write(JSON.stringify({ milliseconds: median(times) }));
}

// -------------------------------------------------------------------------------- the table (parent)

type Result = { readonly milliseconds: number } | { readonly failure: string };

function inChild(job: Job, budgetSeconds: number): Result {
  const child = spawnSync(process.execPath, [process.argv[1], '--measure', JSON.stringify(job)], {
    timeout: budgetSeconds * 1000, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 1 << 20,
  });
  if (child.error !== undefined && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { failure: `not done in ${budgetSeconds} s` };
  }
  if (child.status !== 0) {
    const reason = child.stderr.split('\n').find((line) => line.includes('Error')) ?? `exit ${child.status}`;
    return { failure: `failed: ${reason.replace(/^.*Error: /, '').trim().slice(0, 60)}` };
  }
  return JSON.parse(child.stdout) as Result;
}

function cell(result: Result | undefined): string {
  if (result === undefined) return 'skipped';
  return 'failure' in result ? result.failure : `${fixed(result.milliseconds, 1)} ms`;
}

function ratio(smaller: Result | undefined, larger: Result | undefined): string {
  if (smaller === undefined || larger === undefined || 'failure' in smaller || 'failure' in larger) return '';
  return `${fixed(larger.milliseconds / smaller.milliseconds, 1)}×`;
}

/** Runs `jobs` in order, skipping the rest once one fails (a larger size would fail too). */
function row(jobs: readonly Job[], budgetSeconds: number): (Result | undefined)[] {
  const results: (Result | undefined)[] = [];
  let failed = false;
  for (const job of jobs) {
    const result = failed ? undefined : inChild(job, budgetSeconds);
    if (result !== undefined && 'failure' in result) failed = true;
    results.push(result);
  }
  return results;
}

const depths = [1_000, 10_000, 100_000];
const stepLimits = [10_000, 100_000, 1_000_000];
const lifted = Number.MAX_SAFE_INTEGER;

function depthTable(shape: 'self' | 'mutual' | 'remote', chosen: readonly Configuration[], budgetSeconds: number): void {
  const heading = shape === 'self' ? 'self-recursion: Deep.down(n)'
    : shape === 'mutual' ? 'mutual recursion: Ping.bounce(n, Pong(1))' : 'one transaction of n remote calls: Driver(3).drive(Counter(1), n)';
  const rows = [['semantics', ...depths.map((depth) => `n = ${count(depth)}`), '10⁴/10³', '10⁵/10⁴']];
  for (const configuration of chosen) {
    const results = row(depths.map((size) => ({ configuration, shape, size, stepLimit: lifted })), budgetSeconds);
    rows.push([configuration.name, ...results.map(cell), ratio(results[0], results[1]), ratio(results[1], results[2])]);
  }
  console.log(`\n${heading}`);
  console.log(table(rows).split('\n').map((line) => `  ${line}`).join('\n'));
}

function runawayTable(chosen: readonly Configuration[], budgetSeconds: number): void {
  const rows = [['semantics', ...stepLimits.map((limit) => `limit ${count(limit)}`), ...stepLimits.map((limit) => `µs/step at ${count(limit)}`)]];
  for (const configuration of chosen) {
    const results = row(stepLimits.map((stepLimit) => ({ configuration, shape: 'runaway' as const, size: 0, stepLimit })), budgetSeconds);
    const perStep = results.map((result, index) => (result === undefined || 'failure' in result
      ? ''
      : fixed((1000 * result.milliseconds) / stepLimits[index], 2)));
    rows.push([configuration.name, ...results.map(cell), ...perStep]);
  }
  console.log('\nrunaway recursion: Deep.forever(0) until `step limit exceeded`');
  console.log(table(rows).split('\n').map((line) => `  ${line}`).join('\n'));
}

if (process.argv[2] === '--measure') {
  measure(JSON.parse(process.argv[3]) as Job);
} else {
  const budgetSeconds = Number(process.argv[2] ?? 60);
  const names = process.argv.slice(3);
  const chosen = configurations.filter((configuration) => names.length === 0 || names.includes(configuration.semantics));
  console.log(`wall time of the run block (after a warm-up; median of 3 when under 1 s); each run in a child process, ${budgetSeconds} s budget`);
  depthTable('self', chosen, budgetSeconds);
  depthTable('mutual', chosen, budgetSeconds);
  runawayTable(chosen, budgetSeconds);
  depthTable('remote', chosen, budgetSeconds);
}
