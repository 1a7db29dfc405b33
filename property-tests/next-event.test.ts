// The timer index finds the same next events as the definition (runtime/next-event.ts): along whole runs
// of the bank example under many seeds, protocols (none, 2pl, aria), delivery modes and fault plans,
// every search the global step makes is answered by a fresh index and by the definition, which must
// agree event for event; and a run with the shared index (as every run uses it) gives the same trace,
// history, rule counts and step count as a run whose steps took the definition's answers. Negative
// controls: an index keyed by a part that stays the same when the deadline changes (a node's durable
// state; a client's id) goes stale, and the property catches it.
// Runs scale with ENT_RUNS (a multiplier).

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { formatTraceEntry } from '../cli/trace.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { runWorkload, type WorkloadRun } from '../runtime/driver.ts';
import { dueByDefinition, timerIndex, type NextEventSearch, type TimerKeys } from '../runtime/next-event.ts';
import { bankRunCases as cases, bankRunSettings, bankRunWorkload, bankSplit, type BankRunCase as Case } from './arbitraries/bank-runs.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);

interface Observed {
  readonly run: WorkloadRun;
  readonly trace: string;
}

function observe(sample: Case, search: NextEventSearch | undefined): Observed {
  const lines: string[] = [];
  const run = runWorkload(bankSplit, bankRunSettings(sample), new SeededChoices(sample.seed), bankRunWorkload(sample), {
    trace: (entry) => lines.push(formatTraceEntry(entry, () => undefined)),
    search,
  });
  return { run, trace: lines.join('\n') };
}

/** Asks `index` and the definition at every search of a run, insists that they agree, and steps by the definition. */
function checking(index: NextEventSearch, searches: { count: number }): NextEventSearch {
  return (config) => {
    const expected = dueByDefinition(config);
    const actual = index(config);
    searches.count++;
    assert.deepEqual(actual, expected, `tick ${config.tick}: the index found ${JSON.stringify(actual)}, the definition ${JSON.stringify(expected)}`);
    return expected;
  };
}

function agrees(sample: Case, keys: TimerKeys | undefined, searches: { count: number }): void {
  const byDefinition = observe(sample, checking(timerIndex(keys), searches));
  if (keys !== undefined) return;
  const indexed = observe(sample, undefined);
  assert.equal(indexed.trace, byDefinition.trace);
  assert.deepEqual(indexed.run.events, byDefinition.run.events);
  assert.deepEqual(indexed.run.ruleCounts, byDefinition.run.ruleCounts);
  assert.equal(indexed.run.steps, byDefinition.run.steps);
  assert.deepEqual(indexed.run.stuck, byDefinition.run.stuck);
}

test('The timer index finds the events the definition finds, at every step of runs under every protocol, delivery and fault plan', (t) => {
  const searches = { count: 0 };
  const seen = new Set<string>();
  fc.assert(fc.property(cases, (sample) => {
    agrees(sample, undefined, searches);
    seen.add(`${sample.concurrency}/${sample.delivery}`);
  }), {
    numRuns: runs(150),
    // A fixed seed, as every property here should have. With one drawn afresh, about one run of this file
    // in seven went silent: runs of 200,000 global steps and more under heavy faults, which three rules
    // of the runtime now prevent (property-tests/runs-end.test.ts keeps the cases).
    seed: 31,
  });
  t.log(`${searches.count} searches agreed; protocol/delivery pairs: ${seen.size}`);
  t.true(searches.count > 5_000);
});

function mustFail(keys: TimerKeys): string {
  const result = fc.check(fc.property(cases, (sample) => agrees(sample, keys, { count: 0 })), { numRuns: runs(60), seed: 32 });
  assert.equal(result.failed, true, `the stale index agreed for ${result.numRuns} runs: the negative control was not caught`);
  return String(result.errorInstance).split('\n')[0];
}

test('Negative control: an index that keeps a node\'s deadline by its durable state goes stale and is caught', (t) => {
  t.log(mustFail({ node: (node) => node.durable, client: (client) => client.pending }));
  t.pass();
});

test('Negative control: an index that keeps a client\'s deadline by the client\'s id goes stale and is caught', (t) => {
  const byId = new Map<number, object>();
  const keyOf = (id: number): object => {
    let key = byId.get(id);
    if (key === undefined) byId.set(id, key = {});
    return key;
  };
  t.log(mustFail({ node: (node) => node.volatile, client: (client) => keyOf(client.id) }));
  t.pass();
});
