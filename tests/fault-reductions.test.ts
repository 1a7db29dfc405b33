// The reductions that act while faults can strike (explorer/explore.ts `por`, explorer/late-faults.ts
// `late-faults`): with each of them, and both, the explorer reaches exactly the terminal runs it reaches
// without them (`terminalRunOf`: the history event by event, every node's durable state and the budget
// left, finer than the outcomes, which are compared too), on scopes with every kind of fault, two faults
// of one kind, 2PL and Aria, exactly-once and at-most-once delivery. Each deliberately unsound variant
// loses terminal runs on one of these scopes, so the comparison can fail.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { explore, reductionNames, type ExploreResult, type Reduction } from '../explorer/explore.ts';
import type { UnsoundReduction } from '../explorer/late-faults.ts';
import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { noBudget } from '../explorer/branching.ts';
import type { Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

const program = compile(readFileSync('examples/accounts.ent', 'utf8'), 'accounts.ent').program!;
const split = compileToSplit(program).split;

const baseOptions: ScopeOptions = {
  nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
  shape: { clients: 1, requestsPerClient: 1, keysPerEntity: 2 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
  reductions: new Set(reductionNames), maxStates: 1_000_000,
};

const account = (key: number) => referenceValue('Account', key);
const create = (key: number): Request => ({ kind: 'new', entity: 'Account', key, args: [] });
const call = (key: number, method: string, ...args: (number | ReturnType<typeof account>)[]): Request => ({ kind: 'call', target: account(key), method, args });

interface FaultScope {
  readonly name: string;
  readonly options: Partial<ScopeOptions>;
  readonly workload: Workload;
}

const transfer: Workload = { setup: [create(0), create(1)], clients: [[call(0, 'transfer', account(1), 3)]] };

const scopes: readonly FaultScope[] = [
  { name: 'a transfer, 2PL, a crash, a drop and a copy', options: { budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } }, workload: transfer },
  { name: 'a transfer, 2PL, at-most-once, two drops and a crash', options: { delivery: 'at-most-once', budget: { ...noBudget, drop: 2, crash: 1 } }, workload: transfer },
  { name: 'a deposit, 2PL, a drop and a delay', options: { budget: { ...noBudget, drop: 1, delay: 1 } }, workload: { setup: [create(0)], clients: [[call(0, 'deposit', 1)]] } },
  {
    name: 'two withdrawals racing, 2PL, at-most-once, a crash and a drop', options: { delivery: 'at-most-once', budget: { ...noBudget, crash: 1, drop: 1 } },
    workload: { setup: [create(0)], clients: [[call(0, 'withdraw', 8)], [call(0, 'withdraw', 5)]] },
  },
  {
    name: 'two transfers, Aria, a crash and a drop', options: { concurrency: 'aria', budget: { ...noBudget, crash: 1, drop: 1 } },
    workload: { setup: [create(0), create(1)], clients: [[call(0, 'transfer', account(1), 3)], [call(0, 'transfer', account(1), 3)]] },
  },
];

function exploreWith(scope: FaultScope, reductions: readonly Reduction[], unsound?: UnsoundReduction): ExploreResult {
  const explored = exploreScope(program, split, { ...baseOptions, ...scope.options, reductions: new Set(reductions) });
  return explore({ ...explored, workload: scope.workload, workloadNumbers: [], keepGoing: true, keepTerminals: true, unsound });
}

const sorted = (values: ReadonlySet<string> | undefined): string[] => [...(values ?? [])].sort();

// message-ids is on throughout: it keeps the terminal runs (tests/explore.test.ts compares it with none),
// and it keeps these scopes small.
const sets: readonly (readonly Reduction[])[] = [['message-ids', 'late-faults'], ['message-ids', 'por'], ['message-ids', 'por', 'late-faults']];

for (const scope of scopes) {
  test(`por and late-faults keep every terminal run: ${scope.name}`, (t) => {
    const plain = exploreWith(scope, ['message-ids']);
    t.true(plain.complete);
    const counts = [`message-ids ${plain.stats.distinct}`];
    for (const reductions of sets) {
      const reduced = exploreWith(scope, reductions);
      t.true(reduced.complete);
      t.deepEqual(sorted(reduced.terminalStates), sorted(plain.terminalStates), reductions.join('+'));
      t.deepEqual(sorted(reduced.outcomes), sorted(plain.outcomes), reductions.join('+'));
      t.true(reduced.stats.distinct <= plain.stats.distinct, reductions.join('+'));
      counts.push(`${reductions.join('+')} ${reduced.stats.distinct}`);
    }
    t.log(`distinct states: ${counts.join(', ')}; ${plain.terminalStates?.size} terminal runs`);
  });
}

/** Each unsound variant, and the scope on which it loses terminal runs. */
const controls: readonly { readonly unsound: UnsoundReduction; readonly scope: FaultScope }[] = [
  { unsound: 'por-without-message-faults', scope: scopes[1] },
  { unsound: 'late-drops-spare-clients', scope: scopes[1] },
];

for (const { unsound, scope } of controls) {
  test(`negative control: ${unsound} loses terminal runs (${scope.name})`, (t) => {
    const plain = exploreWith(scope, ['message-ids']);
    const broken = exploreWith(scope, ['message-ids', 'por', 'late-faults'], unsound);
    t.true(broken.complete);
    t.notDeepEqual(sorted(broken.terminalStates), sorted(plain.terminalStates));
    t.true((broken.terminalStates?.size ?? 0) < (plain.terminalStates?.size ?? 0));
  });
}
