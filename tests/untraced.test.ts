// An untraced run of the runtime (`localSteps: 'count'`: `ent check`'s cases, the explorer's steps, the
// benchmarks) formats no trace entry: every entry a global step or a submission emits is its rule
// alone (runtime/world.ts `countedEntry`), whose other members throw when read. Formatting places,
// details and message notes that nobody printed took a tenth to a quarter of an untraced 2PL transfer's time.
// That the counts stay the same as a traced run's is property-tests/distributed.test.ts's "Tracing does
// not change a run"; this file holds the other half: that the counted run formats nothing.

import test from 'ava';
import { SeededChoices } from '../runtime/choices.ts';
import { submissionContext, submit } from '../runtime/client.ts';
import { defaultTimeouts, initialConfiguration, type ConcurrencyMode, type RuntimeSettings } from '../runtime/configuration.ts';
import { globalStep } from '../runtime/simulator.ts';
import { countedEntry, type TraceEntry } from '../runtime/world.ts';
import type { Request } from '../semantics/transactions.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { referenceValue } from '../semantics/values.ts';

const source = `entity Account {
  key id: int
  balance: int = 10
  fn deposit(amount: int) { self.balance = self.balance + amount }
  fn transfer(to: Account, amount: int) {
    if self.balance < amount { abort "insufficient funds" }
    self.balance = self.balance - amount
    to.deposit(amount)
  }
}
`;
const { split } = compileToSplit(compile(source, 'untraced.ent').program!);
const account = (key: number) => referenceValue('Account', key);

function settings(concurrency: ConcurrencyMode): RuntimeSettings {
  return {
    nodes: 3, delivery: 'exactly-once', concurrency,
    faults: { drop: 0.1, duplicate: 0.1, delay: 0.1, crash: 0.03, downtime: 8 },
    stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 2, batchWindow: 4, bug: 'none',
  };
}

const requests: Request[] = [
  ...[0, 1, 2].map((key): Request => ({ kind: 'new', entity: 'Account', key, args: [] })),
  { kind: 'call', target: account(0), method: 'transfer', args: [account(1), 3] },
  { kind: 'call', target: account(1), method: 'transfer', args: [account(2), 4] },
  { kind: 'call', target: account(2), method: 'transfer', args: [account(0), 50] },
];

/** Whether `entry` carries only its rule: reading its detail throws. */
function onlyRule(entry: TraceEntry): boolean {
  try {
    void entry.detail;
    return false;
  } catch {
    return true;
  }
}

/** Every entry that a run of `requests` (all submitted at once, then stepped until quiet) emits. */
function entriesOf(concurrency: ConcurrencyMode, seed: string, localSteps: 'trace' | 'count'): TraceEntry[] {
  const choices = new SeededChoices(seed);
  const entries: TraceEntry[] = [];
  let config = initialConfiguration(settings(concurrency), 1);
  for (const request of requests) config = submit(config, 0, request, submissionContext(choices, entries, localSteps)).config;
  for (let step = 0; step < 20_000; step++) {
    const result = globalStep(config, split, choices, localSteps);
    if (result.kind === 'quiet') break;
    entries.push(...result.emitted);
    config = result.next;
  }
  return entries;
}

for (const concurrency of ['2pl', 'aria', 'none'] as const) {
  test(`${concurrency}: an untraced run emits its rules alone, and a traced run of the same seeds formats every entry`, (t) => {
    const rules = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const counted = entriesOf(concurrency, String(seed), 'count');
      const formatted = counted.filter((entry) => !onlyRule(entry));
      t.deepEqual(formatted.map((entry) => `${entry.rule}: ${entry.detail}`), [], `seed ${seed}`);
      for (const entry of counted) rules.add(entry.rule);
      // Negative control: the traced run's entries all carry their place and detail, which the check tells apart.
      const traced = entriesOf(concurrency, String(seed), 'trace');
      t.true(traced.length > 0 && traced.every((entry) => !onlyRule(entry)), `seed ${seed}`);
      t.deepEqual(counted.map((entry) => entry.rule), traced.map((entry) => entry.rule).filter((rule) => !rule.startsWith('L-')), `seed ${seed}`);
    }
    // Not vacuous: the runs went through submissions, deliveries, the protocol's rules and faults.
    for (const rule of ['G-Submit', 'G-Deliver', 'G-Invoke', 'C-Start', 'C-Commit']) t.true(rules.has(rule), `${rule} in ${[...rules].join(', ')}`);
    t.true(['G-Drop', 'G-Duplicate', 'G-Delay', 'G-Crash'].some((rule) => rules.has(rule)), [...rules].join(', '));
  });
}

test('a counted entry is one shared object per rule, and names what was read of it', (t) => {
  t.is(countedEntry('G-Deliver'), countedEntry('G-Deliver'));
  t.is(countedEntry('G-Deliver').rule, 'G-Deliver');
  t.throws(() => countedEntry('C-Start').place, { message: /the place of a C-Start entry of an untraced run was read/ });
});
