// The workload driver (runtime/driver.ts): faults strike the last requests too.
// Until this session's fix, faults stopped as soon as the last request was *submitted*: with one request
// per client no fault ever struck, and in every run the last requests, their installs and the
// acknowledgements after their answers ran on a perfect network. Both loops (closed, and the benchmarks'
// open loop) now keep the faults until the system is quiet; these tests fail on the old driver.

import test from 'ava';
import { checkExactlyOnce } from '../checkers/exactly-once.ts';
import { checkReplay } from '../checkers/replay.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { defaultTimeouts, type RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload } from '../runtime/driver.ts';
import type { Workload } from '../runtime/workload.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { referenceValue } from '../semantics/values.ts';

const source = `entity Account {
  key id: int
  balance: int = 10
  fn deposit(amount: int) { self.balance = self.balance + amount }
  fn transfer(to: Account, amount: int) {
    self.balance = self.balance - amount
    to.deposit(amount)
  }
}
`;
const program = compile(source, 'driver.ent').program!;
const { split } = compileToSplit(program);
const account = (key: number) => referenceValue('Account', key);

const settings: RuntimeSettings = {
  nodes: 3, delivery: 'exactly-once', concurrency: '2pl',
  faults: { drop: 0.2, duplicate: 0.2, delay: 0.1, crash: 0.05, downtime: 8 },
  stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 2, batchWindow: 4, bug: 'none',
};

/** One transfer per client: every request is submitted at the first step after the setup. */
const workload: Workload = {
  setup: [0, 1].map((key) => ({ kind: 'new' as const, entity: 'Account', key, args: [] })),
  clients: [
    [{ kind: 'call', target: account(0), method: 'transfer', args: [account(1), 3] }],
    [{ kind: 'call', target: account(1), method: 'transfer', args: [account(0), 2] }],
  ],
};

const faultRules = new Set(['G-Crash', 'G-Drop', 'G-Duplicate', 'G-Delay']);

/** How many faults struck after the last request was submitted, in a run of the driver from `seed`. */
function faultsAfterLastSubmit(seed: string, arrivalEveryTicks?: number): { faults: number; run: ReturnType<typeof runWorkload> } {
  const entries: TraceEntry[] = [];
  const run = runWorkload(split, settings, new SeededChoices(seed), workload, { trace: (entry) => entries.push(entry), arrivalEveryTicks });
  const lastSubmit = entries.map((entry) => entry.rule).lastIndexOf('G-Submit');
  return { faults: entries.slice(lastSubmit + 1).filter((entry) => faultRules.has(entry.rule)).length, run };
}

for (const loop of [{ name: 'closed loop', every: undefined }, { name: 'open loop', every: 5 }]) {
  test(`${loop.name}: faults strike after the last request is submitted, and every run still holds`, (t) => {
    let struck = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { faults, run } = faultsAfterLastSubmit(String(seed), loop.every);
      struck += faults > 0 ? 1 : 0;
      t.deepEqual(run.stuck, [], `seed ${seed}`);
      t.deepEqual(checkExactlyOnce(run.events), [], `seed ${seed}`);
      t.deepEqual(checkReplay(program, run.events, run.entities).violations, [], `seed ${seed}`);
    }
    t.log(`${struck} of 20 runs had a fault after the last submission`);
    t.true(struck >= 10);
  });
}
