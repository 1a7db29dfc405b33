// Properties of the reference model's two sets of rules (semantics/reference): the plain rules of
// evaluator.ts, which run on the host's stack, and the resumable rules of resumable.ts, which suspend at
// every method they run so that calls nest on an explicit stack. The model uses the resumable rules
// only for code that runs methods; any other code could use them too, at a cost, with the same result.
//   - Theorem (the resumable rules agree with the plain rules): the model that evaluates every statement
//     and expression by the resumable rules prints what the ordinary model prints (results, `abort:`
//     lines), stops with the same client error, leaves every entity in the same state, and takes the
//     same number of steps, under the default step budget and under small budgets that stop
//     transactions midway (so every step is counted at the same point).
// Negative control: with the resumable `while` deliberately counting no step per round, the theorem
// fails, and the shrunk counterexample is logged as a program.
//
// Runs: about 600 programs by default; ENT_RUNS multiplies the count (see split-agrees.test.ts).

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { lineColumn, sourceText } from '../grammar/span.ts';
import { compile } from '../semantics/compile.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import { breaking, normal, returning, type Completion, type Frame } from '../semantics/reference/evaluator.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { Resumable } from '../semantics/reference/resumable.ts';
import type * as T from '../semantics/typed.ts';
import { dumpEntities } from '../tests/support/run-split.ts';
import { programArbitrary, type GeneratedProgram } from './arbitraries/programs.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));
const file = 'generated.ent';

/** The ordinary model, counting the steps it takes. */
class CountingModel extends ReferenceModel {
  stepsTaken = 0;

  protected override tick(weight = 1): void {
    this.stepsTaken += weight;
    super.tick(weight);
  }
}

/** The model that evaluates every statement and expression, and runs every method, by the resumable rules. */
class ResumableEverywhere extends CountingModel {
  protected override resumes(): boolean {
    return true;
  }
}

/** Negative control: the resumable rule of `while` counts the step of the statement, but none per round. */
class UncountedRounds extends ResumableEverywhere {
  protected override resumableStatement(statement: T.Statement, frame: Frame): Resumable<Completion> {
    if (statement.kind !== 'While') return super.resumableStatement(statement, frame);
    this.tick();
    return this.roundsUncounted(statement, frame);
  }

  private *roundsUncounted(statement: Extract<T.Statement, { kind: 'While' }>, frame: Frame): Resumable<Completion> {
    while ((yield* this.resumable(statement.condition, frame)) === true) {
      const completion = yield* this.resumableBlock(statement.body, frame);
      if (completion === breaking) break;
      if (completion === returning) return returning;
    }
    return normal;
  }
}

type Variant = typeof CountingModel;

interface Observation {
  readonly output: readonly string[];
  readonly runtimeError: string | undefined;
  readonly finalState: string;
  readonly steps: number;
}

function typedProgram(text: string): T.TypedProgram {
  const compiled = compile(text, file);
  if (compiled.program === undefined || compiled.diagnostics.length > 0) {
    throw new Error(`generator bug: the program does not compile:\n${compiled.diagnostics.map((entry) => entry.message).join('\n')}`);
  }
  return compiled.program;
}

function observe(text: string, program: T.TypedProgram, variant: Variant, stepLimit: number | undefined): Observation {
  const model = new variant(program, { stepLimit });
  const output: string[] = [];
  const client = new Client(new ReferenceHost(model), (line) => output.push(line));
  let runtimeError: string | undefined;
  try {
    if (program.run !== undefined) client.run(program.run.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    runtimeError = `${error.code} line ${lineColumn(sourceText(file, text), error.span.start).line}: ${error.message}`;
  }
  return { output, runtimeError, finalState: dumpEntities(model.store.all()), steps: model.stepsTaken };
}

/** The theorem on one program and budget: throws, with both observations, when they differ. */
function assertSameRun(generated: GeneratedProgram, stepLimit: number | undefined, resumable: Variant): void {
  const program = typedProgram(generated.text);
  const expected = observe(generated.text, program, CountingModel, stepLimit);
  const actual = observe(generated.text, program, resumable, stepLimit);
  assert.deepEqual(actual, expected, 'the resumable rules disagree with the plain rules');
}

/** A program, and its step budget: the default, or one small enough to stop some transactions midway. */
const cases = fc.tuple(
  programArbitrary(),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 300 }), weight: 2 }),
);

test('Theorem (the resumable rules agree with the plain rules): same output, aborts, client error, final state and steps', (t) => {
  const started = Date.now();
  fc.assert(fc.property(cases, ([generated, stepLimit]) => assertSameRun(generated, stepLimit, ResumableEverywhere)), {
    numRuns: runs(600),
    includeErrorInReport: true,
  });
  t.log(`${runs(600)} programs in ${Date.now() - started} ms`);
  t.pass();
});

test('Negative control (the resumable `while` counts no step per round): the theorem fails, with a shrunk counterexample', (t) => {
  const details = fc.check(fc.property(cases, ([generated, stepLimit]) => assertSameRun(generated, stepLimit, UncountedRounds)), {
    numRuns: runs(600),
    interruptAfterTimeLimit: 10_000,
  });
  t.true(details.failed, `the uncounted rounds went unnoticed in ${details.numRuns} programs`);
  if (!details.failed) return;
  const [[program, stepLimit]] = details.counterexample!;
  const message = (details.errorInstance as Error).message;
  t.false(message.startsWith('generator bug'), message);
  t.log(`found after ${details.numRuns} programs, ${details.numShrinks} shrinks; step limit ${stepLimit ?? 'default'}`);
  t.log(`counterexample:\n${program.text}\n${message}`);
});
