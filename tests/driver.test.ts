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
import { DistributedHost, StuckError } from '../runtime/host.ts';
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

// A coordinator that drops every request (the zoo's `drop-requests`) leaves the system waiting on the
// clients' resends alone, each lost without a trace. The driver judged such a run livelocked only by its
// backstop of steps, after a million of them (36 s for `ent check examples/bank.ent --bug drop-requests`,
// most of it replaying that run to shrink and report it), and not at all while the setup ran (faults
// off, but not yet "healing"): 2.5 million choices. Now a wait on resends alone, repeated
// `resendWaitsMax` times per unanswered request with no answer between, ends the run, in the setup too.
const dropping: RuntimeSettings = { ...settings, bug: 'drop-requests' };

test('a coordinator that drops every request is judged livelocked after a few resends, in the setup and after it, in both loops', (t) => {
  for (const [shape, every] of [[workload, undefined], [{ setup: [], clients: workload.clients }, undefined], [{ setup: [], clients: workload.clients }, 5]] as const) {
    const run = runWorkload(split, dropping, new SeededChoices('1'), shape, { arrivalEveryTicks: every });
    t.is(run.stuckBecause, 'steps');
    t.true(run.stuck.length > 0);
    t.true(run.steps < 5_000, `${run.steps} global steps`);
  }
});

test('the run block\'s host judges a wait on resends alone alike', (t) => {
  const host = new DistributedHost(split, { settings: dropping, seed: '1' });
  const ticket = host.submit({ kind: 'new', entity: 'Account', key: 0, args: [] });
  let error: unknown;
  try {
    host.outcome(ticket);
  } catch (thrown) {
    error = thrown;
  }
  t.true(error instanceof StuckError);
  t.false((error as StuckError).quiet);
  t.regex((error as StuckError).reason, /resends that come to nothing/);
  t.true(host.steps < 5_000, `${host.steps} global steps`);
});

test('negative control: the same runs of the correct coordinator are answered, with the same judgement in place', (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const run = runWorkload(split, settings, new SeededChoices(String(seed)), workload);
    t.deepEqual(run.stuck, [], `seed ${seed}`);
  }
  const host = new DistributedHost(split, { settings, seed: '1' });
  t.is(host.outcome(host.submit({ kind: 'new', entity: 'Account', key: 0, args: [] })).kind, 'committed');
});
