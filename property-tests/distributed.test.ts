// Properties of the distributed runtime (proofs/semantics.md, theorems 4 to 6): a run replays from its
// seed byte for byte; on a perfect network it gives the reference model's results; under random fault
// plans the safe settings keep exactly-once and serializability. Negative controls: at-least-once
// delivery with duplication, and `--protocol none` with concurrent transfers, are caught.
// Runs scale with ENT_RUNS (a multiplier: ENT_RUNS=100 for a long hunt).

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { checkExactlyOnce } from '../checkers/exactly-once.ts';
import { checkLiveness } from '../checkers/liveness.ts';
import { checkReplay } from '../checkers/replay.ts';
import { ListChoices, SeededChoices } from '../runtime/choices.ts';
import { defaultTimeouts, type ConcurrencyMode, type DeliveryMode, type RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload, type WorkloadRun } from '../runtime/driver.ts';
import { noFaults, type FaultPlan } from '../runtime/faults.ts';
import { generateWorkload, type Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { canonical } from '../semantics/values.ts';
import { stateLines } from '../checkers/replay.ts';
import { formatTraceEntry } from '../cli/trace.ts';
import { bankSource } from './arbitraries/bank.ts';

const runs = (base: number): number => base * Number(process.env.ENT_RUNS ?? 1);


function typed(source: string): TypedProgram {
  const compiled = compile(source, 'bank.ent');
  if (compiled.program === undefined) throw new Error(compiled.diagnostics.map((entry) => entry.message).join('\n'));
  return compiled.program;
}

const bank = typed(bankSource);
const bankSplit = compileToSplit(bank).split;

function settings(concurrency: ConcurrencyMode, delivery: DeliveryMode, faults: FaultPlan): RuntimeSettings {
  return { nodes: 3, delivery, concurrency, faults, stepLimit: 100_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none' };
}

function workloadFrom(numbers: readonly number[], clients: number, requests: number): Workload {
  const pick = new ListChoices(numbers);
  return generateWorkload(bank, { clients, requestsPerClient: requests, keysPerEntity: 3 }, (count) => pick.pick(count));
}

const faultPlan = fc.record({
  drop: fc.constantFrom(0, 0.05, 0.15),
  duplicate: fc.constantFrom(0, 0.05, 0.15),
  delay: fc.constantFrom(0, 0.1, 0.2),
  crash: fc.constantFrom(0, 0.005, 0.02),
});

/** Numbers for every choice of a run; a run of a dozen requests asks for a few thousand. */
const choiceList = fc.array(fc.nat({ max: 999_999 }), { maxLength: 3000, size: 'max' });

function violationsOf(run: WorkloadRun, delivery: DeliveryMode): string[] {
  const problems = checkLiveness(run.stuck, run.stuckBecause, delivery).map((violation) => `stuck: ${violation.message}`);
  problems.push(...checkExactlyOnce(run.events).map((violation) => violation.message));
  problems.push(...checkReplay(bank, run.events, run.entities).violations.map((violation) => violation.message));
  return problems;
}

test('Theorem (a run replays from its seed): the same seed gives the same trace, byte for byte', (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 6 }), fc.constantFrom<ConcurrencyMode>('2pl', 'aria', 'none'), faultPlan, (seed, concurrency, faults) => {
    const workload = workloadFrom([3, 1, 4, 1, 5, 9, 2, 6], 2, 3);
    const traceOf = (): string => {
      const lines: string[] = [];
      runWorkload(bankSplit, settings(concurrency, 'exactly-once', faults), new SeededChoices(seed), workload, {
        trace: (entry) => lines.push(formatTraceEntry(entry, () => undefined)),
      });
      return lines.join('\n');
    };
    assert.equal(traceOf(), traceOf());
  }), { numRuns: runs(20) });
  t.pass();
});

test('Tracing does not change a run: without a trace, local steps are only counted, and the history and rule counts are the same', (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 6 }), fc.constantFrom<ConcurrencyMode>('2pl', 'aria', 'none'), faultPlan, (seed, concurrency, faults) => {
    const workload = workloadFrom([2, 7, 1, 8, 2, 8], 2, 3);
    const run = (trace: boolean): WorkloadRun =>
      runWorkload(bankSplit, settings(concurrency, 'exactly-once', faults), new SeededChoices(seed), workload, trace ? { trace: () => undefined } : {});
    const traced = run(true);
    const counted = run(false);
    assert.deepEqual(counted.events, traced.events);
    assert.deepEqual(counted.ruleCounts, traced.ruleCounts);
    assert.equal(counted.steps, traced.steps);
    assert.ok((traced.ruleCounts.get('L-Return') ?? 0) > 0, 'local rules are counted');
  }), { numRuns: runs(20) });
  t.pass();
});

test('Theorem (a perfect network gives the reference model\'s results): one client, no faults', (t) => {
  fc.assert(fc.property(choiceList, choiceList, fc.constantFrom<ConcurrencyMode>('2pl', 'aria', 'none'), (workloadNumbers, scheduleNumbers, concurrency) => {
    const workload = workloadFrom(workloadNumbers, 1, 6);
    const run = runWorkload(bankSplit, settings(concurrency, 'exactly-once', noFaults), new ListChoices(scheduleNumbers), workload);
    assert.deepEqual(run.stuck, []);
    const model = new ReferenceModel(bank);
    const expected = [...workload.setup, ...workload.clients[0]].map((request) => {
      const outcome = model.execute(request);
      return outcome.kind === 'committed' ? canonical(outcome.value) : `abort: ${outcome.message}`;
    });
    const actual = run.events.flatMap((event) => (event.type === 'response'
      ? [event.outcome.kind === 'committed' ? canonical(event.outcome.value) : `abort: ${event.outcome.message}`]
      : []));
    assert.deepEqual(actual, expected);
    assert.deepEqual(stateLines(run.entities), stateLines(model.store.all()));
  }), { numRuns: runs(60) });
  t.pass();
});

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`Theorem (safe settings are exactly-once and serializable under faults): ${concurrency}, exactly-once`, (t) => {
    let checked = 0;
    fc.assert(fc.property(choiceList, choiceList, faultPlan, (workloadNumbers, scheduleNumbers, faults) => {
      const workload = workloadFrom(workloadNumbers, 3, 4);
      const run = runWorkload(bankSplit, settings(concurrency, 'exactly-once', faults), new ListChoices(scheduleNumbers), workload);
      assert.deepEqual(violationsOf(run, 'exactly-once'), []);
      checked++;
    }), { numRuns: runs(120) });
    t.log(`${checked} runs held`);
    t.pass();
  });
}

/** A negative control: the property must fail within the runs given; returns the shrunk counterexample. */
function mustFail(property: fc.IProperty<[number[], number[], FaultPlan]>, numRuns: number): string {
  const result = fc.check(property, { numRuns });
  assert.equal(result.failed, true, `the property held for ${result.numRuns} runs: the negative control was not caught`);
  return `seed ${result.seed}, path ${result.counterexamplePath}: ${String(result.errorInstance).split('\n').slice(0, 6).join('\n')}`;
}

test('Negative control: at-least-once delivery with duplication is caught', (t) => {
  const duplicating = faultPlan.map((plan) => ({ ...plan, duplicate: 0.2, drop: 0.1 }));
  const counterexample = mustFail(fc.property(choiceList, choiceList, duplicating, (workloadNumbers, scheduleNumbers, faults) => {
    const workload = workloadFrom(workloadNumbers, 3, 4);
    const run = runWorkload(bankSplit, settings('2pl', 'at-least-once', faults), new ListChoices(scheduleNumbers), workload);
    assert.deepEqual(violationsOf(run, 'at-least-once'), []);
  }), 200);
  t.log(counterexample);
  t.pass();
});

test('Negative control: --protocol none with concurrent transfers is caught', (t) => {
  const counterexample = mustFail(fc.property(choiceList, choiceList, faultPlan, (workloadNumbers, scheduleNumbers, faults) => {
    const workload = workloadFrom(workloadNumbers, 3, 4);
    const run = runWorkload(bankSplit, settings('none', 'exactly-once', faults), new ListChoices(scheduleNumbers), workload);
    assert.deepEqual(violationsOf(run, 'exactly-once'), []);
  }), 200);
  t.log(counterexample);
  t.pass();
});
