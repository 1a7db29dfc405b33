// Benchmark: the distributed runtime (runtime/driver.ts) on YCSB-style workloads, as the StateFlow
// paper measures it: 3 nodes, exactly-once delivery, no faults, one Account entity per record.
// Sections (all by default, or name one or more as arguments):
//   ycsb     closed loop, 16 clients, workloads A, B, T, M × uniform and Zipfian (θ 0.99) keys × the
//            protocols none, 2pl, aria: simulated transactions per wall-clock second, latency in ticks
//            (median, p99), user aborts and protocol retries, wall time per message
//            (ENT_YCSB_ROWS=T:zipfian:2pl runs the rows whose wl:keys:protocol starts with one of its
//            comma-separated prefixes);
//   costs    one local step (a compute-heavy transaction) and one message (YCSB A) inside the runtime;
//   scaling  workload A under 2pl at 1,000, 10,000 and 100,000 transactions (1,000,000 with
//            ENT_BENCH_FULL=1): wall time and time per transaction, to show whether growth is linear;
//   memory   heap per entity with 100,000 entities created in the setup (needs node --expose-gc);
//   heap     workload A under 2pl and aria at 10,000 and 100,000 transactions (1,000,000 with
//            ENT_BENCH_FULL=1) with no history kept, as `ent run` runs without --history: the peak
//            and the final live heap, and time per transaction (needs node --expose-gc);
//   figure3  the paper's Figure 3: open loop at 100 requests per simulated second (1 tick = 1 ms, one
//            arrival every 10 ticks), latency per protocol, and what `none` gets wrong (money lost by
//            transfers, anomalies in the dependency graph).
// Wall times are medians of several runs after a warm-up run; the simulated figures (ticks, counts) are
// the same in every run, since one seed owns every choice.
// Run: npx tsc -p . && node --expose-gc build/bench/runtime.js [section …] (docs/benchmarks.md).

import seedrandom from 'seedrandom';
import { anomaliesToViolations, checkDependencyGraph, historyFromEvents } from '../checkers/dependency-graph.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { SeededChoices } from '../runtime/choices.ts';
import type { ConcurrencyMode, Configuration, RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload, type WorkloadRun } from '../runtime/driver.ts';
import { noFaults } from '../runtime/faults.ts';
import type { Workload } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import { count, fixed, median, percentile, table, timeOnce } from './measure.ts';
import { compiled, computeSource } from './programs.ts';

// One record of YCSB is one Account: `read` and `update` are YCSB's read and update of a record (a
// field read and a blind write); `transfer` is YCSB+T's transaction, two reads and two writes.
const source = `
entity Account {
  key id: int
  balance: int = 100
  value: int = 0

  fn read(): int {
    return self.value
  }

  fn update(value: int) {
    self.value = value
  }

  fn deposit(amount: int) {
    self.balance = self.balance + amount
  }

  fn transfer(to: Account, amount: int) {
    if self.balance < amount {
      abort "insufficient funds"
    }
    self.balance = self.balance - amount
    to.deposit(amount)
  }
}
`;

const openingBalance = 100;
const records = 1_000;
const clientCount = 16;
const protocols: readonly ConcurrencyMode[] = ['none', '2pl', 'aria'];

// ---------------------------------------------------------------------------------------- workloads

/** The share of reads, updates and transfers. */
interface Mix {
  readonly name: string;
  readonly read: number;
  readonly update: number;
  readonly transfer: number;
}

const mixes: readonly Mix[] = [
  { name: 'A', read: 0.5, update: 0.5, transfer: 0 },
  { name: 'B', read: 0.95, update: 0.05, transfer: 0 },
  { name: 'T', read: 0, update: 0, transfer: 1 },
  { name: 'M', read: 0.45, update: 0.45, transfer: 0.1 },
];

type Distribution = 'uniform' | 'zipfian';
const distributions: readonly Distribution[] = ['uniform', 'zipfian'];

/** YCSB's Zipfian generator (Gray et al., "Quickly generating billion-record synthetic databases"): key 0 is the hottest. */
function zipfian(items: number, theta: number, random: () => number): () => number {
  let zetaN = 0;
  for (let index = 1; index <= items; index++) zetaN += 1 / index ** theta;
  const zeta2 = 1 + 1 / 2 ** theta;
  const alpha = 1 / (1 - theta);
  const eta = (1 - (2 / items) ** (1 - theta)) / (1 - zeta2 / zetaN);
  return () => {
    const u = random();
    const uz = u * zetaN;
    if (uz < 1) return 0;
    if (uz < 1 + 0.5 ** theta) return 1;
    return Math.min(items - 1, Math.floor(items * (eta * u - eta + 1) ** alpha));
  };
}

function keyChooser(distribution: Distribution, keys: number, random: () => number): () => number {
  return distribution === 'uniform' ? () => Math.floor(random() * keys) : zipfian(keys, 0.99, random);
}

const account = (key: number) => referenceValue('Account', key);

function setupOf(keys: number): Request[] {
  return Array.from({ length: keys }, (_, key): Request => ({ kind: 'new', entity: 'Account', key, args: [] }));
}

/** `transactions` requests of the mix, dealt to the clients in turn, from a PRNG of its own seed. */
function workloadOf(mix: Mix, distribution: Distribution, transactions: number, keys = records, seed = 'ycsb'): Workload {
  const random = seedrandom.alea(`${seed}-${mix.name}-${distribution}`);
  const nextKey = keyChooser(distribution, keys, random);
  const clients: Request[][] = Array.from({ length: clientCount }, () => []);
  for (let index = 0; index < transactions; index++) {
    const draw = random();
    const key = nextKey();
    let request: Request;
    if (draw < mix.read) request = { kind: 'call', target: account(key), method: 'read', args: [] };
    else if (draw < mix.read + mix.update) request = { kind: 'call', target: account(key), method: 'update', args: [index] };
    else {
      let other = nextKey();
      while (other === key) other = nextKey();
      request = { kind: 'call', target: account(key), method: 'transfer', args: [account(other), 1] };
    }
    clients[index % clientCount].push(request);
  }
  return { setup: setupOf(keys), clients };
}

// --------------------------------------------------------------------------------------------- runs

function settingsFor(concurrency: ConcurrencyMode): RuntimeSettings {
  // `ent run`'s settings (3 nodes, exactly-once, jitter 3, Aria batch window 4), without faults, with
  // the step budget as it is: no transaction here comes near it.
  return runtimeSettings({ ...defaultRunSettings, faults: noFaults, concurrency, delivery: 'exactly-once', nodes: 3 });
}

/** One run, with its rule counts and wall time split at the first client request (the setup is not measured). */
interface Measured {
  readonly run: WorkloadRun;
  readonly milliseconds: number;
  readonly setupMilliseconds: number;
  /** Rules fired after the setup. */
  readonly rules: ReadonlyMap<string, number>;
}

function measuredRun(split: SplitProgram, settings: RuntimeSettings, workload: Workload, arrivalEveryTicks?: number): Measured {
  let clientsStart: number | undefined;
  let setupRules: ReadonlyMap<string, number> = new Map();
  // No trace: the runtime only counts local steps, as `ent run` and `ent check` do without --trace.
  const onSetupDone = (counts: ReadonlyMap<string, number>): void => {
    clientsStart = performance.now();
    setupRules = counts;
  };
  const start = performance.now();
  const run = runWorkload(split, settings, new SeededChoices('1'), workload, { stepsMax: Number.MAX_SAFE_INTEGER, arrivalEveryTicks, onSetupDone });
  const end = performance.now();
  if (run.stuck.length > 0) throw new Error(`stuck: ${run.stuck.slice(0, 3).join('; ')}`);
  const rules = new Map<string, number>();
  for (const [name, fired] of run.ruleCounts) rules.set(name, fired - (setupRules.get(name) ?? 0));
  return { run, milliseconds: end - (clientsStart ?? start), setupMilliseconds: (clientsStart ?? end) - start, rules };
}

/** Runs once to warm up, then `runs` times; gives the last run with the median wall time. */
function medianRun(split: SplitProgram, settings: RuntimeSettings, workload: Workload, runs: number, arrivalEveryTicks?: number): Measured {
  measuredRun(split, settings, workload, arrivalEveryTicks);
  const measured = Array.from({ length: runs }, () => measuredRun(split, settings, workload, arrivalEveryTicks));
  return { ...measured[measured.length - 1], milliseconds: median(measured.map((one) => one.milliseconds)) };
}

interface Answers {
  readonly latencies: number[];
  readonly committed: number;
  readonly aborted: number;
  readonly firstSubmitted: number;
  readonly lastAnswered: number;
}

/** The clients' requests after the setup (the setup's `new`s have the first timestamps), from the history. */
function answersOf(run: WorkloadRun, setupCount: number): Answers {
  const latencies: number[] = [];
  let committed = 0;
  let aborted = 0;
  let firstSubmitted = Number.POSITIVE_INFINITY;
  let lastAnswered = 0;
  const submittedAt = new Map<string, number>();
  for (const event of run.events) {
    if (Number(event.requestId.slice(1)) <= setupCount) continue;
    if (event.type === 'request') submittedAt.set(event.requestId, event.tick);
    if (event.type !== 'response' || !submittedAt.has(event.requestId)) continue;
    const submitted = submittedAt.get(event.requestId)!;
    submittedAt.delete(event.requestId);
    latencies.push(event.tick - submitted);
    if (event.outcome.kind === 'committed') committed++;
    else aborted++;
    firstSubmitted = Math.min(firstSubmitted, submitted);
    lastAnswered = Math.max(lastAnswered, event.tick);
  }
  if (submittedAt.size > 0) throw new Error(`${[...submittedAt.keys()][0]} has no answer`);
  return { latencies, committed, aborted, firstSubmitted, lastAnswered };
}

const rule = (rules: ReadonlyMap<string, number>, name: string): number => rules.get(name) ?? 0;

function localSteps(rules: ReadonlyMap<string, number>): number {
  let steps = 0;
  for (const [name, fired] of rules) if (name.startsWith('L-')) steps += fired;
  return steps;
}

/** Money in every account at the end (transfers keep it constant). */
function totalBalance(run: WorkloadRun): number {
  let total = 0;
  for (const entity of run.entities) total += entity.fields.get('balance') as number;
  return total;
}

// ------------------------------------------------------------------------------------------ sections

const { split } = compiled(source, 'ycsb.ent');

function ycsbSection(): void {
  const transactions = 4_000;
  const runs = 3;
  console.log(`\n== YCSB, closed loop: ${records} records, ${clientCount} clients, ${transactions} transactions per run, `
    + `3 nodes, exactly-once, no faults; wall: median of ${runs} after 1 warm-up ==`);
  const rows = [[
    'wl', 'keys', 'protocol', 'tx/s wall', 'tx/s sim', 'lat p50', 'lat p99', 'user aborts', 'C-Die', 'C-Vote-No',
    'A-Conflict', 'lock waits', 'msgs/tx', 'µs/msg', 'steps/tx',
  ]];
  // ENT_YCSB_ROWS picks rows, e.g. `T:zipfian:2pl` or `T:zipfian` (prefixes of wl:keys:protocol).
  const picked = process.env.ENT_YCSB_ROWS?.split(',');
  for (const mix of mixes) {
    for (const distribution of distributions) {
      const workload = workloadOf(mix, distribution, transactions);
      for (const protocol of protocols) {
        if (picked !== undefined && !picked.some((prefix) => `${mix.name}:${distribution}:${protocol}`.startsWith(prefix))) continue;
        const measured = medianRun(split, settingsFor(protocol), workload, runs);
        const answers = answersOf(measured.run, workload.setup.length);
        const messages = rule(measured.rules, 'G-Deliver');
        const steps = localSteps(measured.rules);
        const simulatedSeconds = (answers.lastAnswered - answers.firstSubmitted) / 1000;
        rows.push([
          mix.name, distribution, protocol,
          count(transactions / (measured.milliseconds / 1000)),
          count(transactions / simulatedSeconds),
          String(percentile(answers.latencies, 0.5)), String(percentile(answers.latencies, 0.99)),
          String(answers.aborted),
          String(rule(measured.rules, 'C-Die')), String(rule(measured.rules, 'C-Vote-No')), String(rule(measured.rules, 'A-Conflict')),
          String(rule(measured.rules, 'P-Lock-Wait')),
          fixed(messages / transactions, 1), fixed((1000 * measured.milliseconds) / messages, 1),
          fixed(steps / transactions, 1),
        ]);
      }
    }
  }
  console.log(table(rows));
  console.log('tx/s wall: simulated transactions per wall-clock second; tx/s sim: per simulated second (1 tick = 1 ms);'
    + ' lat: ticks from submit to answer; µs/msg: wall time per message delivered (G-Deliver), everything included;'
    + ' steps/tx: local steps (L-* rules) per transaction');
}

/** What one local step and one message cost inside the distributed runtime. */
function costsSection(): void {
  const iterations = 20_000;
  const runs = 5;
  console.log(`\n== Costs: one local step and one message on the distributed runtime (3 nodes, exactly-once, no faults); median of ${runs} ==`);
  const mixer = compiled(computeSource, 'mixer.ent').split;
  const compute: Workload = {
    setup: [{ kind: 'new', entity: 'Mixer', key: 1, args: [] }],
    clients: [[{ kind: 'call', target: referenceValue('Mixer', 1), method: 'work', args: [iterations] }]],
  };
  const rows = [['run', 'protocol', 'local steps', 'messages', 'wall ms', 'µs per local step', 'µs per message']];
  const perStep = new Map<ConcurrencyMode, number>();
  for (const protocol of ['2pl', 'aria'] as const) {
    // The step budget lifted: building the 64-element ring costs its size at every store.
    const measured = medianRun(mixer, { ...settingsFor(protocol), stepLimit: Number.MAX_SAFE_INTEGER }, compute, runs);
    const responses = measured.run.events.filter((event) => event.type === 'response');
    const outcome = responses[responses.length - 1]?.outcome;
    if (outcome?.kind !== 'committed') throw new Error(`Mixer.work did not commit: ${JSON.stringify(outcome)}`);
    const steps = localSteps(measured.rules);
    const messages = rule(measured.rules, 'G-Deliver');
    perStep.set(protocol, (1000 * measured.milliseconds) / steps);
    rows.push([`Mixer.work(${count(iterations)}), one transaction`, protocol, count(steps), count(messages), fixed(measured.milliseconds, 1),
      fixed((1000 * measured.milliseconds) / steps, 3), '']);
  }
  for (const protocol of ['2pl', 'aria'] as const) {
    const workload = workloadOf(mixes[0], 'uniform', 4_000);
    const measured = medianRun(split, settingsFor(protocol), workload, runs);
    const steps = localSteps(measured.rules);
    const messages = rule(measured.rules, 'G-Deliver');
    const messageMicroseconds = (1000 * measured.milliseconds - steps * perStep.get(protocol)!) / messages;
    rows.push(['YCSB A, uniform, 4,000 transactions', protocol, count(steps), count(messages), fixed(measured.milliseconds, 1),
      '', fixed(messageMicroseconds, 2)]);
  }
  console.log(table(rows));
  console.log('µs per message: the YCSB run\'s wall time less its local steps at the cost the compute run measured, per G-Deliver'
    + ' (a message\'s delivery, its protocol work, the global step around it and the history it records)');
}

function scalingSection(): void {
  const full = process.env.ENT_BENCH_FULL === '1';
  const sizes = full ? [1_000, 10_000, 100_000, 1_000_000] : [1_000, 10_000, 100_000];
  console.log(`\n== Scaling: workload A, uniform keys, 2pl, ${records} records, ${clientCount} clients, closed loop`
    + `${full ? '' : ' (1,000,000 with ENT_BENCH_FULL=1)'} ==`);
  const mix = mixes[0];
  const rows = [['transactions', 'wall s', 'µs/tx', 'vs 1,000', 'global steps', 'heap after MB', 'runs']];
  let base: number | undefined;
  measuredRun(split, settingsFor('2pl'), workloadOf(mix, 'uniform', 1_000));
  for (const size of sizes) {
    const workload = workloadOf(mix, 'uniform', size);
    const runs = size <= 10_000 ? 5 : 1;
    const measured = Array.from({ length: runs }, () => measuredRun(split, settingsFor('2pl'), workload));
    const milliseconds = median(measured.map((one) => one.milliseconds));
    const perTransaction = (1000 * milliseconds) / size;
    base ??= perTransaction;
    const heap = process.memoryUsage().heapUsed / 1e6;
    rows.push([count(size), fixed(milliseconds / 1000, 2), fixed(perTransaction, 1), fixed(perTransaction / base, 2),
      count(measured[0].run.steps), count(heap), String(runs)]);
  }
  console.log(table(rows));
}

function memorySection(): void {
  const entities = 100_000;
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(`\n== Memory: ${count(entities)} entities created by the setup (one \`new\` transaction each), 2pl ==`);
  if (gc === undefined) {
    console.log('skipped: run with node --expose-gc');
    return;
  }
  // One full collection is not always enough (the first after a large run left 3× the live heap, the
  // second freed it): collect until the heap stops shrinking.
  const heap = (): number => {
    let used = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 10; round++) {
      gc();
      const now = process.memoryUsage().heapUsed;
      if (now >= used - 100_000) return now;
      used = now;
    }
    return used;
  };
  const workload: Workload = { setup: setupOf(entities), clients: [] };
  let milliseconds = 0;
  /** Runs the setup; only its final configuration stays reachable (the run's event list does not). */
  const runSetup = (): Configuration => {
    let run: WorkloadRun | undefined;
    milliseconds = timeOnce(() => {
      run = runWorkload(split, settingsFor('2pl'), new SeededChoices('1'), workload, { stepsMax: Number.MAX_SAFE_INTEGER });
    });
    return run!.config;
  };
  // Values are held in closure variables, not in the interpreter's temporary registers, which can keep
  // a dropped configuration alive past a collection (this happened, and tripled the figure).
  const before = heap();
  let config: Configuration | undefined = runSetup();
  const whole = heap();
  let parts: { nodes: Configuration['nodes'] | undefined; clients: Configuration['clients'] | undefined } | undefined =
    (() => ({ nodes: config!.nodes, clients: config!.clients }))();
  config = undefined;
  const withoutHistory = heap();
  parts!.clients = undefined;
  const nodesOnly = heap();
  const stores = (() => parts!.nodes!.map((node) => node.durable.store))();
  parts = undefined;
  const storesOnly = heap();
  const created = stores.reduce((sum, store) => sum + store.size, 0);
  if (created !== entities) throw new Error(`the setup created ${created} entities, not ${entities}`);
  const perEntity = (bytes: number): string => count(bytes / entities).padStart(6);
  console.log(`setup: ${fixed(milliseconds / 1000, 1)} s (${count(entities / (milliseconds / 1000))} \`new\` transactions per second)`);
  console.log(`the whole final configuration:                      ${perEntity(whole - before)} bytes per entity`);
  console.log(`  the history (4 events per \`new\`):                  ${perEntity(whole - withoutHistory)}`);
  console.log(`  the clients' ingress (unanswered requests only):     ${perEntity(withoutHistory - nodesOnly)}`);
  console.log(`  decisions not yet forgotten, node volatiles:         ${perEntity(nodesOnly - storesOnly)}`);
  console.log(`  the nodes' durable entity stores:                   ${perEntity(storesOnly - before)}`);
}

/**
 * Memory over long runs: decisions below their clients' watermarks are forgotten, clients keep only
 * unanswered requests, and no history is kept, so the heap should stay flat as transactions grow.
 */
function heapSection(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const full = process.env.ENT_BENCH_FULL === '1';
  const sizes = full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
  console.log(`\n== Heap: workload A, uniform keys, ${records} records, ${clientCount} clients, closed loop, no history kept`
    + `${full ? '' : ' (1,000,000 with ENT_BENCH_FULL=1)'} ==`);
  if (gc === undefined) {
    console.log('skipped: run with node --expose-gc');
    return;
  }
  const rows = [['protocol', 'transactions', 'wall s', 'µs/tx', 'peak heap MB', 'live heap after MB', 'decisions kept']];
  for (const protocol of ['2pl', 'aria'] as const) {
    for (const size of sizes) {
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      const sample = (_client: number, _requestId: string, tick: number): void => {
        if (tick % 512 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      };
      let run: WorkloadRun | undefined;
      const milliseconds = timeOnce(() => {
        run = runWorkload(split, settingsFor(protocol), new SeededChoices('1'), workloadOf(mixes[0], 'uniform', size),
          { stepsMax: Number.MAX_SAFE_INTEGER, recordHistory: false, onAnswer: sample });
      });
      if (run!.stuck.length > 0) throw new Error(`stuck: ${run!.stuck.slice(0, 3).join('; ')}`);
      gc();
      const live = process.memoryUsage().heapUsed;
      const decisions = run!.config.nodes.reduce((sum, node) => sum + node.durable.decisions.size, 0);
      rows.push([protocol, count(size), fixed(milliseconds / 1000, 2), fixed((1000 * milliseconds) / size, 1),
        count((Math.max(peak, live) - before) / 1e6), count((live - before) / 1e6), count(decisions)]);
      run = undefined;
    }
  }
  console.log(table(rows));
  console.log('peak: sampled while the run goes (without collecting); live: after the run, with its final configuration still held');
}

function figure3Section(): void {
  const arrivals = 2_000;
  const every = 10;
  const runs = 3;
  console.log(`\n== Figure 3: open loop, one request every ${every} ticks (100 per simulated second), ${arrivals} requests, `
    + `${records} records, 3 nodes, exactly-once, no faults ==`);
  const rows = [['wl', 'keys', 'protocol', 'lat p50', 'lat p99', 'lat max', 'user aborts', 'retries', 'money lost', 'anomalies', 'wall ms']];
  for (const mix of mixes.filter((candidate) => candidate.name !== 'M')) {
    for (const distribution of distributions) {
      // One client submits every request: the open-loop driver prepares its configuration with the
      // setup's one client, so a request of client 1 or later would find no client (see the doc).
      const dealt = workloadOf(mix, distribution, arrivals);
      const workload: Workload = { setup: dealt.setup, clients: [interleaved(dealt.clients)] };
      for (const protocol of protocols) {
        const measured = medianRun(split, settingsFor(protocol), workload, runs, every);
        const answers = answersOf(measured.run, workload.setup.length);
        const retries = rule(measured.rules, 'C-Die') + rule(measured.rules, 'C-Vote-No') + rule(measured.rules, 'A-Conflict');
        const lost = mix.transfer > 0 ? String(records * openingBalance - totalBalance(measured.run)) : '';
        rows.push([
          mix.name, distribution, protocol,
          String(percentile(answers.latencies, 0.5)), String(percentile(answers.latencies, 0.99)), String(Math.max(...answers.latencies)),
          String(answers.aborted), String(retries), lost, anomalySummary(measured.run), fixed(measured.milliseconds, 0),
        ]);
      }
    }
  }
  console.log(table(rows));
  console.log('money lost: the opening balances minus the final ones (transfers move money, so a correct run loses none);'
    + ' anomalies: the dependency-graph checker\'s findings by class');
}

/** The clients' requests in the order the open-loop driver takes them: each client's first, then each one's second, … */
function interleaved(clients: readonly (readonly Request[])[]): Request[] {
  const requests: Request[] = [];
  const longest = Math.max(0, ...clients.map((requests) => requests.length));
  for (let index = 0; index < longest; index++) for (const client of clients) if (index < client.length) requests.push(client[index]);
  return requests;
}

function anomalySummary(run: WorkloadRun): string {
  const violations = anomaliesToViolations(checkDependencyGraph(historyFromEvents(run.events)).anomalies);
  if (violations.length === 0) return 'none';
  const byKind = new Map<string, number>();
  for (const violation of violations) byKind.set(violation.kind, (byKind.get(violation.kind) ?? 0) + 1);
  return [...byKind].map(([kind, found]) => `${found} ${kind}`).join(', ');
}

const sections: Readonly<Record<string, () => void>> = {
  ycsb: ycsbSection, costs: costsSection, scaling: scalingSection, memory: memorySection, figure3: figure3Section, heap: heapSection,
};
const chosen = process.argv.slice(2);
for (const name of chosen) if (!(name in sections)) throw new Error(`unknown section ${name}: choose from ${Object.keys(sections).join(', ')}`);
// Memory first, in a heap that no other section has filled.
for (const name of chosen.length > 0 ? chosen : ['memory', 'heap', 'ycsb', 'costs', 'figure3', 'scaling']) sections[name]();
