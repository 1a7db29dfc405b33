// Rule coverage: a campaign of `ent check` runs over every protocol, with faults, reports how often each
// rule of proofs/semantics.md fired. It fails if a rule fires that the semantics does not name (the code
// and the proofs disagree), and, as vacuous, if a rule the semantics names never fires (a property that
// never exercises a rule says nothing about it). ENT_RUNS multiplies the campaign.

import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { runCase, type CheckSettings } from '../checkers/case.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { defaultTimeouts, type ConcurrencyMode, type DeliveryMode, type Timeouts } from '../runtime/configuration.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';

const source = `
entity Account {
  key id: int
  balance: int = 10
  log: list<int> = []
  fn deposit(amount: int): int {
    self.balance = self.balance + amount
    self.log.push(amount)
    return self.balance
  }
  fn withdraw(amount: int) {
    if self.balance < amount { abort "insufficient funds" }
    self.balance = self.balance - amount
  }
  fn transfer(to: Account, amount: int): int {
    self.withdraw(amount)
    return to.deposit(amount)
  }
  fn share(others: list<Account>, amount: int): int {
    let total = 0
    for other in others {
      total = total + other.balance
      other.deposit(amount)
    }
    return total / amount
  }
  fn open(id: int): Account {
    return new Account(id + 100)
  }
  fn bonus(amount: int): int {
    let granted = 0
    if amount > 0 && self.balance > amount {
      granted = amount
    } else {
      granted = 1
    }
    self.balance = self.balance + granted
    return granted
  }
}
`;

const program = compile(source, 'coverage.ent').program!;
const { split } = compileToSplit(program);
const runs = Number(process.env.ENT_RUNS ?? 1);

/** Every rule name the semantics document gives (in backticks: `L-Let`, `G-Deliver`, …). */
const documented = new Set([...readFileSync('proofs/semantics.md', 'utf8').matchAll(/`([LGCPA]-[A-Za-z-]+)`/g)].map((match) => match[1]));

const cases = fc.record({
  workload: fc.array(fc.nat({ max: 999_999 }), { maxLength: 300, size: 'max' }),
  schedule: fc.array(fc.nat({ max: 999_999 }), { maxLength: 4000, size: 'max' }),
});

test('Rule coverage: every rule of proofs/semantics.md fires, and no other', (t) => {
  const counts = new Map<string, number>();
  const faults = { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.01 };
  // 2PL once more with a crash every 20 steps on average and short leases: a crash frees the locks of
  // the attempts on the node (their participants vote no, C-Vote-No), and coordinators give attempts up
  // while their messages still travel (which then find their locks gone, P-Lock-Lost).
  const crashing = { ...faults, crash: 0.05 };
  const shortLeases = { ...defaultTimeouts, attempt: 8, inquiry: 6 };
  const campaigns: [ConcurrencyMode, DeliveryMode, number, typeof faults, Timeouts][] = [
    ['2pl', 'exactly-once', 60, faults, defaultTimeouts], ['2pl', 'exactly-once', 60, crashing, shortLeases],
    ['aria', 'exactly-once', 40, faults, defaultTimeouts], ['none', 'exactly-once', 20, faults, defaultTimeouts],
  ];
  for (const [concurrency, delivery, numRuns, plan, timeouts] of campaigns) {
    const settings: CheckSettings = {
      runtime: { ...runtimeSettings({ ...defaultRunSettings, concurrency, delivery, faults: plan }), timeouts },
      shape: { clients: 3, requestsPerClient: 4, keysPerEntity: 2 },
      workload: 'random',
    };
    fc.assert(fc.property(cases, (testCase) => {
      for (const [rule, count] of runCase(program, split, settings, testCase).ruleCounts) counts.set(rule, (counts.get(rule) ?? 0) + count);
    }), { numRuns: numRuns * runs, seed: 5 });
  }
  const fired = [...counts.keys()].filter((rule) => /^[LGCPA]-/.test(rule)).sort();
  t.log([...documented].sort().map((rule) => `${rule.padEnd(16)} ${counts.get(rule) ?? 0}`).join('\n'));
  t.deepEqual(fired.filter((rule) => !documented.has(rule)), [], 'rules that fire but proofs/semantics.md does not name');
  t.deepEqual([...documented].filter((rule) => !counts.has(rule)).sort(), [], 'rules that never fired: the campaign is vacuous for them');
});
