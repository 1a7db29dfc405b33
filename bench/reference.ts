// Benchmark: speed of the reference model (semantics/reference) on a loop-heavy method, in Ent
// statements per second, beside a hand-written TypeScript function that does the same work, in one
// process; prints both and their ratio. The Ent method runs a while loop of integer mixing with list
// and map work; the statement count is measured exactly by a counting run, then timed runs use the
// plain model. Run: npx tsc -p . && node build/bench/reference.js [iterations] (docs/benchmarks.md).

import { performance } from 'node:perf_hooks';
import type { Frame, Completion } from '../semantics/reference/evaluator.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { compile } from '../semantics/compile.ts';
import type * as T from '../semantics/typed.ts';
import { canonical, referenceValue, type Value } from '../semantics/values.ts';
import { computeSource, workByHand } from './programs.ts';

const iterations = Number(process.argv[2] ?? 1_000_000);
const timedRuns = 3;


/** The model, counting every statement it executes (used once, to know the count). */
class CountingModel extends ReferenceModel {
  statements = 0;
  protected override statement(statement: T.Statement, frame: Frame): Completion {
    this.statements++;
    return super.statement(statement, frame);
  }
}

function runEnt(model: ReferenceModel): Value {
  const mixer = referenceValue('Mixer', 1);
  const outcome = model.execute({ kind: 'call', target: mixer, method: 'work', args: [iterations] });
  if (outcome.kind !== 'committed') throw new Error(`the benchmark aborted: ${outcome.message}`);
  return outcome.value;
}

function freshModel<Model extends ReferenceModel>(make: (program: T.TypedProgram) => Model): Model {
  const compiled = compile(computeSource, 'reference-bench.ent');
  if (compiled.program === undefined) throw new Error(compiled.diagnostics[0]?.message);
  const model = make(compiled.program);
  const created = model.execute({ kind: 'new', entity: 'Mixer', key: 1, args: [] });
  if (created.kind !== 'committed') throw new Error(created.message);
  return model;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeMedian(work: () => unknown, runs: number): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return median(times);
}

// The step budget would stop a million-iteration loop: the benchmark lifts it.
const unlimited = { stepLimit: Number.MAX_SAFE_INTEGER };
const counting = freshModel((program) => new CountingModel(program, unlimited));
const expected = runEnt(counting);
const statements = counting.statements;
if (workByHand(iterations) !== expected) {
  throw new Error(`the two versions disagree: Ent ${canonical(expected)}, TypeScript ${workByHand(iterations)}`);
}

const model = freshModel((program) => new ReferenceModel(program, unlimited));
runEnt(model);                                             // warm-up
const entMilliseconds = timeMedian(() => runEnt(model), timedRuns);
for (let run = 0; run < 5; run++) workByHand(iterations); // warm-up
const handMilliseconds = timeMedian(() => workByHand(iterations), 3 * timedRuns);

const perSecond = (milliseconds: number): string => Math.round(statements / (milliseconds / 1000)).toLocaleString('en');
console.log(`work(${iterations}) = ${canonical(expected)}; ${statements.toLocaleString('en')} Ent statements executed`);
console.log(`reference model:  ${entMilliseconds.toFixed(1)} ms  ${perSecond(entMilliseconds)} statements/s (median of ${timedRuns})`);
console.log(`TypeScript:       ${handMilliseconds.toFixed(2)} ms  ${perSecond(handMilliseconds)} statements/s (same work, median of ${3 * timedRuns})`);
console.log(`ratio: the reference model is ${(entMilliseconds / handMilliseconds).toFixed(0)}x slower than TypeScript`);
