// Tests of checkers/installation.ts, the check that every committed write was installed and every read
// version was installed by a committed request:
//   - A hand-written history in which a transfer's commit installed one of its two writes is a
//     partial-commit, with the witness naming the request, the entity never installed and the one that
//     was; the same history with both installs is not. (The dependency graph finds nothing in either.)
//   - A read of a version no install produced, and of a version that only a never-committed request
//     installed, are uncommitted-reads; a run that ended stuck is not searched for partial commits.
//   - The JSON of docs/history.md carries the written entities (null: never installed) and gives the
//     same findings as the events it was written from.
//   - The zoo, with fixed seeds of `ent check examples/bank.ent --bug NAME --seed S`: ack-before-persist
//     and commit-without-all-participants are reported by this check, not only by replay; and the
//     correct protocol with the same seed is not.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { runCase } from '../checkers/case.ts';
import { checkDependencyGraph, historyFromEvents } from '../checkers/dependency-graph.ts';
import { decisionsAndInstalls, decisionsAndInstallsFromJson } from '../checkers/ent-history.ts';
import { checkInstallation, installationViolations } from '../checkers/installation.ts';
import { search } from '../checkers/search.ts';
import { defaultCheckSettings } from '../cli/check.ts';
import { historyToJson, type HistoryEvent } from '../runtime/history.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';

/** Two accounts opened, then r3 transfers from a to b: it reads and writes both. */
function transferHistory(installBoth: boolean): HistoryEvent[] {
  return [
    { type: 'commit', requestId: 'r1', order: 1, tick: 1, reads: new Map([['Account(a)', 0]]), writes: ['Account(a)'] },
    { type: 'install', requestId: 'r1', entity: 'Account(a)', version: 1, tick: 1 },
    { type: 'commit', requestId: 'r2', order: 2, tick: 2, reads: new Map([['Account(b)', 0]]), writes: ['Account(b)'] },
    { type: 'install', requestId: 'r2', entity: 'Account(b)', version: 1, tick: 2 },
    {
      type: 'commit', requestId: 'r3', order: 3, tick: 3,
      reads: new Map([['Account(a)', 1], ['Account(b)', 1]]), writes: ['Account(a)', 'Account(b)'],
    },
    { type: 'install', requestId: 'r3', entity: 'Account(a)', version: 2, tick: 4 },
    ...(installBoth ? [{ type: 'install', requestId: 'r3', entity: 'Account(b)', version: 2, tick: 5 } as const] : []),
    { type: 'commit', requestId: 'r4', order: 4, tick: 6, reads: new Map([['Account(a)', 2]]), writes: [] },
  ];
}

test('a commit that installed one of its two writes is a partial-commit, naming the entity missing and the one installed', (t) => {
  const findings = checkInstallation(decisionsAndInstalls(transferHistory(false)), { quiet: true });
  t.deepEqual(findings, [{
    class: 'partial-commit',
    transactions: ['r3'],
    entities: ['Account(b)'],
    explanation: ['r3 committed, writing Account(a) and Account(b), but Account(b) was never installed (Account(a) was, as version 2)'],
  }]);
  t.deepEqual(installationViolations(findings).map((violation) => [violation.checker, violation.kind, violation.requests]), [
    ['installation', 'partial-commit', ['r3']],
  ]);
  // The dependency graph builds r3 from its one install: it sees a whole transaction.
  t.deepEqual(checkDependencyGraph(historyFromEvents(transferHistory(false))).anomalies, []);
});

test('the same history with both installs is not a partial commit', (t) => {
  t.deepEqual(checkInstallation(decisionsAndInstalls(transferHistory(true)), { quiet: true }), []);
});

test('a run that did not fall quiet is not searched for partial commits (its installs may be on their way)', (t) => {
  t.deepEqual(checkInstallation(decisionsAndInstalls(transferHistory(false)), { quiet: false }), []);
});

test('a commit none of whose writes was installed is a partial commit too', (t) => {
  const events: HistoryEvent[] = [{ type: 'commit', requestId: 'r1', order: 1, tick: 1, reads: new Map([['Item(x)', 0]]), writes: ['Item(x)'] }];
  t.like(checkInstallation(decisionsAndInstalls(events), { quiet: true }), [
    { class: 'partial-commit', entities: ['Item(x)'], explanation: ['r1 committed, writing Item(x), but none of its writes was installed'] },
  ]);
});

test('reads of a version no install produced, and of one only a never-committed request installed, are uncommitted reads', (t) => {
  const events: HistoryEvent[] = [
    { type: 'install', requestId: 'r1', entity: 'Item(x)', version: 1, tick: 1 },
    { type: 'commit', requestId: 'r2', order: 1, tick: 2, reads: new Map([['Item(x)', 1], ['Item(y)', 3]]), writes: [] },
  ];
  t.deepEqual(checkInstallation(decisionsAndInstalls(events), { quiet: true }), [
    {
      class: 'uncommitted-read', transactions: ['r2', 'r1'], entities: ['Item(x)'],
      explanation: ['r2 read Item(x) version 1, which only r1 installed, and it never committed'],
    },
    { class: 'uncommitted-read', transactions: ['r2'], entities: ['Item(y)'], explanation: ['r2 read Item(y) version 3, which no install produced'] },
  ]);
  // Negative control: once r1 has its commit, the read is of committed state.
  const committed: HistoryEvent[] = [{ type: 'commit', requestId: 'r1', order: 0, tick: 0, reads: new Map(), writes: ['Item(x)'] }, ...events];
  t.deepEqual(checkInstallation(decisionsAndInstalls(committed), { quiet: true }).map((finding) => finding.entities), [['Item(y)']]);
});

test('the history JSON lists each entity a commit writes, and reads back to the same findings', (t) => {
  const json = JSON.parse(JSON.stringify(historyToJson(transferHistory(false), {})));
  const commit = json.events.find((event: { type: string; id: string }) => event.type === 'commit' && event.id === 'r3');
  t.deepEqual(commit.writes, ['Account(a)', 'Account(b)']);
  const events = decisionsAndInstallsFromJson(json);
  if ('error' in events) return t.fail(events.error);
  t.deepEqual(checkInstallation(events, { quiet: true }), checkInstallation(decisionsAndInstalls(transferHistory(false)), { quiet: true }));
});

test('the history JSON is read only at a version Ent knows: 2, and 1 with writes of versions or null', (t) => {
  const json = JSON.parse(JSON.stringify(historyToJson(transferHistory(true), {})));
  t.is(json.version, 2);
  t.regex((decisionsAndInstallsFromJson({ ...json, version: 3 }) as { error: string }).error, /"version": 3 is not a version .* reads 1, 2/);
  t.regex((decisionsAndInstallsFromJson({ ...json, version: undefined }) as { error: string }).error, /"version": missing/);
  const badWrites = { ...json, events: [{ type: 'commit', id: 'r1', reads: {}, writes: { 'A(1)': 'two' } }] };
  t.regex((decisionsAndInstallsFromJson(badWrites) as { error: string }).error, /writes A\(1\) as version "two"/);
  const badList = { ...json, events: [{ type: 'commit', id: 'r1', reads: {}, writes: ['A(1)', 2] }] };
  t.regex((decisionsAndInstallsFromJson(badList) as { error: string }).error, /"writes" list with an entry that is not an entity/);
  // Version 1 named each write with its installed version (null: never installed); the same findings.
  const versionOne = {
    ...json, version: 1,
    events: json.events.map((event: { type: string; writes?: string[] }) => (event.type === 'commit'
      ? { ...event, writes: Object.fromEntries((event.writes ?? []).map((entity) => [entity, null])) } : event)),
  };
  t.deepEqual(decisionsAndInstallsFromJson(versionOne), decisionsAndInstallsFromJson(json));
  // A hand-written commit without "writes" says nothing of its intent: no partial commit is looked for.
  const withoutWrites = decisionsAndInstallsFromJson({ ...json, events: [{ type: 'commit', id: 'r1', reads: {} }] });
  t.deepEqual(checkInstallation(withoutWrites as never, { quiet: true }), []);
});

// ------------------------------------------------------------------------------------- the zoo

const bank = compile(readFileSync('examples/bank.ent', 'utf8'), 'examples/bank.ent').program!;
const { split } = compileToSplit(bank);

/**
 * Seeds found with `node bin/ent.js check examples/bank.ent --bug NAME --seed S`: with each, the first
 * failing case shows a partial commit (the report names the request and the account never installed).
 */
const zooSeeds = [
  { bug: 'ack-before-persist', seeds: ['1', '4'] },
  { bug: 'commit-without-all-participants', seeds: ['1', '2'] },
] as const;

for (const { bug, seeds } of zooSeeds) {
  for (const seed of seeds) {
    test(`ent check --bug ${bug} --seed ${seed}: the installation check reports a partial commit`, (t) => {
      const settings = defaultCheckSettings({ bug });
      const result = search(bank, split, settings, { runs: 100, seed, shrinkSeconds: 0 });
      if (result.held) return t.fail(`${bug} was not caught with seed ${seed}`);
      t.is(result.target, 'installation:partial-commit');
      const violations = runCase(bank, split, settings, result.found).violations;
      const partial = violations.filter((violation) => violation.checker === 'installation');
      t.true(partial.length > 0);
      t.log(partial.map((violation) => violation.message).join('\n'));
      t.regex(partial[0].message, /committed, writing .*(never installed|none of its writes)/);
    });
  }
}

test('the correct protocol, with the same seeds, gives the installation check nothing', (t) => {
  for (const seed of ['1', '2', '4']) {
    const result = search(bank, split, defaultCheckSettings(), { runs: 100, seed, shrinkSeconds: 0 });
    t.true(result.held, result.held ? '' : `${result.target} with seed ${seed}`);
  }
});
