// Benchmark: Ent on Restate (engines/restate) against the simulated runtime, on the same workloads.
//   throughput  a bank of transfers (8 accounts, 4 clients in closed loop, 20 transfers each, 2PL):
//               transactions per wall second on Restate and on the simulated runtime (3 nodes, no
//               faults), and the CPU seconds of the restate-server process against the service process
//               (Ent's interpreter, its 2PL and the SDK), the share of time in the engine;
//   calls       latency per remote call: one transaction bouncing between two entities n times, for
//               n = 0 and n = 40, on Restate (wall ms) and on the simulated runtime (wall ms), one at a time;
//   recovery    the time from a SIGKILL of the server, or of the service process, to the first answer
//               after it, over a run of the bank with kills.
// Run: npx tsc -p . && node build/bench/restate.js [section …] (docs/benchmarks.md). Needs the optional
// dependencies (linux-x64).

import { readFileSync } from 'node:fs';
import { checkOnRestate } from '../engines/restate/check.ts';
import { RestateEngine } from '../engines/restate/engine.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { runWorkload } from '../runtime/driver.ts';
import { defaultTimeouts, type RuntimeSettings } from '../runtime/configuration.ts';
import { noFaults } from '../runtime/faults.ts';
import type { Workload } from '../runtime/workload.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import { fixed, median, table } from './measure.ts';
import { compiled } from './programs.ts';
import { openingBankSource } from '../property-tests/arbitraries/bank.ts';

/** The tests' bank on Restate, and a pair of entities that call each other for the latency per remote call. */
const bank = `${openingBankSource}
entity Ping {
  key id: int
  fn bounce(n: int, other: Ping): int {
    if n == 0 { return 0 }
    return 1 + other.bounce(n - 1, self)
  }
}
`;

const accounts = 8;
const clients = 4;
const perClient = 20;

function bankWorkload(): Workload {
  const setup: Request[] = Array.from({ length: accounts }, (_, index) => ({ kind: 'new', entity: 'Account', key: index, args: [1000] }));
  const choices = new SeededChoices('bench-restate');
  const requests = Array.from({ length: clients }, () => Array.from({ length: perClient }, (): Request => {
    const from = choices.pick(accounts);
    const to = (from + 1 + choices.pick(accounts - 1)) % accounts;
    return { kind: 'call', target: referenceValue('Account', from), method: 'transfer', args: [referenceValue('Account', to), 1 + choices.pick(50)] };
  }));
  return { setup, clients: requests };
}

const simulated: RuntimeSettings = {
  nodes: 3, delivery: 'exactly-once', concurrency: '2pl', faults: noFaults, stepLimit: 1_000_000, timeouts: defaultTimeouts,
  latencyJitter: 3, batchWindow: 4, bug: 'none',
};

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function throughput(): Promise<void> {
  const { program, split } = compiled(bank, 'bank.ent');
  const workload = bankWorkload();
  const transactions = clients * perClient;
  const simulatedMs: number[] = [];
  for (let run = 0; run < 4; run++) {
    const started = performance.now();
    const done = runWorkload(split, simulated, new SeededChoices(`sim-${run}`), workload);
    if (done.stuck.length > 0) throw new Error('the simulated run is stuck');
    if (run > 0) simulatedMs.push(performance.now() - started);
  }
  const engine = { programText: bank, protocol: '2pl' as const, stepLimit: 1_000_000 };
  let cpu = { server: 0, service: 0 };
  let restateMs = 0;
  let violations = 0;
  // One run, measured from the first transfer (the setup is not counted), with its CPU split.
  const [report] = await checkOnRestate(program, {
    engine, runs: 1, seed: 'bench', kills: 0, targets: ['server'], shape: { clients, requestsPerClient: perClient, keysPerEntity: accounts },
    workload: () => workload,
    onStart: (restate: RestateEngine) => {
      const [server, service] = restate.processes.pids();
      const before = { server: cpuSeconds(server), service: cpuSeconds(service) };
      const started = performance.now();
      return () => {
        restateMs = performance.now() - started;
        cpu = { server: cpuSeconds(server) - before.server, service: cpuSeconds(service) - before.service };
      };
    },
  });
  violations = report.violations.length;
  const simulatedMedian = median(simulatedMs);
  console.log(`throughput: ${transactions} transfers (${clients} clients × ${perClient}, ${accounts} accounts, 2PL, no faults)`);
  console.log(table([
    ['engine', 'wall s', 'tx / wall s', 'violations'],
    ['simulated (3 nodes)', fixed(simulatedMedian / 1000, 3), fixed(transactions / (simulatedMedian / 1000), 0), '0'],
    ['Restate', fixed(restateMs / 1000, 2), fixed(transactions / (restateMs / 1000), 1), String(violations)],
  ]));
  console.log(`Restate / simulated wall time: ${fixed(restateMs / simulatedMedian, 0)}×`);
  const total = cpu.server + cpu.service;
  console.log(`CPU during the transfers: restate-server ${fixed(cpu.server, 2)} s (${fixed(100 * cpu.server / total, 0)}%), `
    + `service process (Ent + SDK) ${fixed(cpu.service, 2)} s (${fixed(100 * cpu.service / total, 0)}%)`);
}

async function calls(): Promise<void> {
  const { split } = compiled(bank, 'bank.ent');
  const ping = (key: number): Request => ({ kind: 'new', entity: 'Ping', key, args: [] });
  const bounce = (n: number): Request => ({ kind: 'call', target: referenceValue('Ping', 1), method: 'bounce', args: [n, referenceValue('Ping', 2)] });
  const hops = 40;
  const simulatedFor = (n: number): number => {
    const times: number[] = [];
    for (let run = 0; run < 6; run++) {
      const workload: Workload = { setup: [ping(1), ping(2)], clients: [Array.from({ length: 10 }, () => bounce(n))] };
      const started = performance.now();
      runWorkload(split, simulated, new SeededChoices(`calls-${run}`), workload);
      if (run > 0) times.push((performance.now() - started) / 10);
    }
    return median(times);
  };
  const engine = await RestateEngine.start({ programText: bank, protocol: '2pl', stepLimit: 1_000_000 });
  const restateFor = async (n: number): Promise<number> => {
    const times: number[] = [];
    for (let run = 0; run < 6; run++) {
      const started = performance.now();
      await engine.request(bounce(n));
      if (run > 0) times.push(performance.now() - started);
    }
    return median(times);
  };
  let restate0 = 0;
  let restateN = 0;
  try {
    await engine.request(ping(1));
    await engine.request(ping(2));
    restate0 = await restateFor(0);
    restateN = await restateFor(hops);
  } finally {
    await engine.stop();
  }
  const simulated0 = simulatedFor(0);
  const simulatedN = simulatedFor(hops);
  console.log(`calls: one transaction bouncing between two entities (median of 5, after a warm-up)`);
  console.log(table([
    ['engine', 'n = 0 (ms)', `n = ${hops} (ms)`, 'per remote call (ms)'],
    ['simulated (3 nodes)', fixed(simulated0, 3), fixed(simulatedN, 3), fixed((simulatedN - simulated0) / hops, 4)],
    ['Restate', fixed(restate0, 1), fixed(restateN, 1), fixed((restateN - restate0) / hops, 2)],
  ]));
}

async function recovery(): Promise<void> {
  const { program } = compiled(bank, 'bank.ent');
  const workload = bankWorkload();
  const reports = await checkOnRestate(program, {
    engine: { programText: bank, protocol: '2pl', stepLimit: 1_000_000 }, runs: 2, seed: 'bench', kills: 3, targets: ['server', 'service'],
    shape: { clients, requestsPerClient: perClient, keysPerEntity: accounts }, workload: () => workload,
  });
  const rows: string[][] = [['run', 'kill', 'after answers', 'kill → first answer (ms)']];
  for (const report of reports) {
    for (const kill of report.kills) rows.push([String(report.run + 1), kill.kind, String(kill.afterAnswers), kill.recoveryMs === undefined ? '-' : fixed(kill.recoveryMs, 0)]);
  }
  console.log(`recovery: ${clients} clients × ${perClient} transfers, 3 kills per run; violations: ${reports.reduce((sum, report) => sum + report.violations.length, 0)}`);
  console.log(table(rows));
}

const sections: Record<string, () => Promise<void>> = { throughput, calls, recovery };
const chosen = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (chosen.length === 0 || chosen.includes(name)) {
    await run();
    console.log('');
  }
}
