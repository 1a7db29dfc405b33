// Theorem 6 (the safe settings are exactly-once and serializable, proofs/semantics.md) on generated
// programs: random well-typed programs (property-tests/arbitraries/programs.ts), each run either as its
// own run block (one client with several `async` transactions in flight) or under a concurrent random
// workload of two to six clients, under random fault plans and schedules, with exactly-once delivery and each
// safe protocol. Every case goes through `ent check`'s runCase (checkers/case.ts), so it is held against
// every checker: liveness (nothing stuck), exactly-once, replay through the reference model, the
// dependency graph and the installation check.
// Negative controls: `--protocol none` and zoo bugs, on the same generated cases, are caught.
// Runs: 500 cases per protocol by default, scaled by ENT_RUNS (`npm run test:long`, ENT_RUNS=84: 42,000
// per protocol). A failure reports fast-check's {seed, path}, the program, the violations and the
// workload, first as found and then shrunk for at most two minutes (a generated case shrinks slowly,
// and the test must report before ava's timeout); bench/generated.ts measures the rate and what a
// default run covers.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {
  Coverage, describeFailure, runUnderFaults, underFaultsCaseArbitrary, type UnderFaultsCase,
} from './arbitraries/under-faults.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));
const shrinkMilliseconds = 120_000;

/**
 * Runs the property until a case fails; a failure is reported as found, then shrunk: the same seed and
 * path replay it, and this time fast-check shrinks it, for at most `shrinkMilliseconds`.
 */
function assertHolds(property: fc.IProperty<[UnderFaultsCase]>, numRuns: number): void {
  const found = fc.check(property, { numRuns, endOnFailure: true });
  if (!found.failed) return;
  const path = found.counterexamplePath!;
  const shrunk = fc.check(property, { seed: found.seed, path, interruptAfterTimeLimit: shrinkMilliseconds });
  const report = (result: fc.RunDetails<[UnderFaultsCase]>): string =>
    `seed ${result.seed}, path ${result.counterexamplePath}:\n${String(result.errorInstance)}\n`
    + `program:\n${result.counterexample?.[0].program.text}`;
  assert.fail(`found after ${found.numRuns} cases, ${report(found)}\n\n`
    + `shrunk (${shrunk.numShrinks} shrinks${shrunk.interrupted ? ', interrupted' : ''}), ${report(shrunk)}`);
}

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`Theorem (safe settings are exactly-once and serializable under faults): generated programs, ${concurrency}`, (t) => {
    const coverage = new Coverage();
    assertHolds(fc.property(underFaultsCaseArbitrary, (testCase) => {
      const outcome = runUnderFaults(testCase, concurrency);
      assert.ok(outcome.violations.length === 0, describeFailure(testCase, outcome));
      coverage.add(testCase, outcome);
    }), runs(500));
    for (const line of coverage.lines()) t.log(line);
    t.pass();
  });
}

/**
 * A negative control: the property must fail within `numRuns` cases. It stops at the first failure
 * without shrinking (a generated case shrinks slowly, and the seed and path replay it exactly).
 */
function mustFail(concurrency: '2pl' | 'aria' | 'none', bug: string, numRuns: number): string {
  const result = fc.check(fc.property(underFaultsCaseArbitrary, (testCase: UnderFaultsCase) => {
    const outcome = runUnderFaults(testCase, concurrency, bug);
    assert.ok(outcome.violations.length === 0, describeFailure(testCase, outcome));
  }), { numRuns, endOnFailure: true });
  assert.equal(result.failed, true, `the property held for ${result.numRuns} cases: the negative control was not caught`);
  return `seed ${result.seed}, path ${result.counterexamplePath}, after ${result.numRuns} cases:\n`
    + String(result.errorInstance).split('\n').slice(0, 8).join('\n');
}

/**
 * Isolation bugs show only where concurrent transactions of a random workload meet: `none` and
 * early-lock-release fail one case in thirty to forty-five (bench/generated.ts), so each gets 600 cases.
 * Duplicate commits show everywhere: Aria without a deduplication table fails about every other case.
 */
const negativeControls: readonly { concurrency: '2pl' | 'aria' | 'none'; bug: string; runs: number }[] = [
  { concurrency: 'none', bug: 'none', runs: 600 },
  { concurrency: '2pl', bug: 'early-lock-release', runs: 600 },
  { concurrency: 'aria', bug: 'no-dedup-table', runs: 100 },
];

for (const { concurrency, bug, runs: numRuns } of negativeControls) {
  const setting = `--protocol ${concurrency}${bug === 'none' ? '' : ` --bug ${bug}`}`;
  test(`Negative control: generated programs under ${setting} are caught`, (t) => {
    t.log(mustFail(concurrency, bug, numRuns));
    t.pass();
  });
}
