// Properties of the CPS half of the pipeline (semantics/desugar, semantics/split, interpreter/machine,
// runtime/single-node), on random well-typed programs from property-tests/arbitraries/programs.ts:
//   - Theorem (desugaring and splitting are well formed): `checkCoreMethod` and `checkSplitMethod`
//     find no problem in any method of any program.
//   - Theorem (the split program agrees with the reference model): on one node with a perfect network,
//     the split program prints what the reference model prints (results, `abort: <message>` lines),
//     stops with the same client error, and leaves every entity in the same state.
//   - Theorem (step is deterministic): running a program twice gives the same everything, and `step`
//     applied twice to each activation of a run, from the same state, gives equal results.
// Negative controls: with each deliberately broken desugaring ('drop-last-argument', 'call-twice'),
// the agreement property fails, and the shrunk counterexample is logged as a program.
//
// Runs: by default about 1,200 programs for the agreement theorem, a few hundred for the others; the
// environment variable ENT_RUNS multiplies every count (ENT_RUNS=100 for a long hunt: 120,000+
// programs). A failure reports fast-check's {seed, path} and the program; replay it with
// `fc.assert(…, { seed, path })`, or paste the program into a file and run `ent run --semantics split`.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {
  enterMethod, pushFrame, resumeFrame, step, type Activation, type FrameStack, type LocalStep, type Outgoing,
} from '../interpreter/machine.ts';
import { EntityTable } from '../runtime/entity-table.ts';
import { compile } from '../semantics/compile.ts';
import type { DesugarFault } from '../semantics/desugar/index.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Outcome, Request, TransactionHost } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { abort, canonical, referenceValue, TransactionAbort, type MapKey, type Value } from '../semantics/values.ts';
import { checkCoreMethod, checkSplitMethod } from '../semantics/wellformed.ts';
import { dumpEntities } from '../tests/support/run-split.ts';
import { lineColumn, sourceText } from '../grammar/span.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { SingleNodeHost } from '../runtime/single-node.ts';
import { programArbitrary, type GeneratedProgram, type GeneratorOptions } from './arbitraries/programs.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));
const file = 'generated.ent';

/** Small programs mostly, larger ones now and then (longer blocks, deeper nesting). */
function programsWith(options: GeneratorOptions): fc.Arbitrary<GeneratedProgram> {
  return fc.oneof(
    { arbitrary: programArbitrary(options), weight: 4 },
    { arbitrary: programArbitrary({ ...options, blockLengthMax: 5, expressionDepthMax: 3, statementDepthMax: 3 }), weight: 1 },
  );
}

const programs = programsWith({});

function typedProgram(text: string): TypedProgram {
  const compiled = compile(text, file);
  if (compiled.program === undefined || compiled.diagnostics.length > 0) {
    const diagnostics = compiled.diagnostics.map((entry) => `${entry.code} ${entry.message}`).join('\n');
    throw new Error(`generator bug: the program does not compile:\n${diagnostics}`);
  }
  return compiled.program;
}

/** Runs `check` over `count` programs with fc.assert (which reports {seed, path}, the program and the error). */
function assertForPrograms(
  t: { log: (...values: unknown[]) => void },
  count: number,
  check: (program: GeneratedProgram) => void,
  arbitrary: fc.Arbitrary<GeneratedProgram> = programs,
): void {
  const started = Date.now();
  let checked = 0;
  fc.assert(fc.property(arbitrary, (program) => {
    checked++;
    check(program);
  }), { numRuns: count, includeErrorInReport: true });
  t.log(`${count} programs (${checked} runs with shrinking) in ${Date.now() - started} ms`);
}

// ------------------------------------------------------------------------------ well formedness

function wellFormednessProblems(program: TypedProgram): string[] {
  const { core, split } = compileToSplit(program);
  const problems: string[] = [];
  for (const entity of core.entities.values()) {
    for (const method of entity.methods.values()) problems.push(...checkCoreMethod(method).map((problem) => `core: ${problem}`));
  }
  for (const entity of split.entities.values()) {
    for (const method of entity.methods.values()) problems.push(...checkSplitMethod(method, entity).map((problem) => `split: ${problem}`));
  }
  return problems;
}

test('Theorem (desugaring and splitting are well formed): no core method or split block has a problem', (t) => {
  assertForPrograms(t, runs(400), (program) => {
    assert.deepEqual(wellFormednessProblems(typedProgram(program.text)), []);
  }, programsWith({}));
  t.pass();
});

// ------------------------------------------------------------------------------------ agreement

type EntityState = { readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> };

interface Observation {
  readonly output: readonly string[];
  readonly runtimeError: { readonly code: string; readonly line: number; readonly message: string } | undefined;
  readonly finalState: string;
}

/**
 * Runs the program's run block on `host`, as tests/support/run-reference.ts and run-split.ts do, but from
 * a program compiled once (parsing is most of the cost of a check).
 */
function observe(text: string, program: TypedProgram, host: TransactionHost, entities: () => Iterable<EntityState>): Observation {
  const source = sourceText(file, text);
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  let runtimeError: Observation['runtimeError'];
  try {
    if (program.run !== undefined) client.run(program.run.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    runtimeError = { code: error.code, line: lineColumn(source, error.span.start).line, message: error.message };
  }
  return { output, runtimeError, finalState: dumpEntities(entities()) };
}

function referenceObservation(text: string, program: TypedProgram): Observation {
  const model = new ReferenceModel(program);
  return observe(text, program, new ReferenceHost(model), () => model.store.all());
}

function splitObservation(text: string, program: TypedProgram, fault: DesugarFault): Observation {
  const host = new SingleNodeHost(compileToSplit(program, { fault }).split);
  return observe(text, program, host, () => host.entities.all());
}

function describe(observation: Observation): string {
  const { runtimeError } = observation;
  const error = runtimeError === undefined ? 'none' : `${runtimeError.code} line ${runtimeError.line}: ${runtimeError.message}`;
  const indented = (lines: readonly string[]): string => lines.map((line) => `  ${line}`).join('\n');
  return `output:\n${indented(observation.output)}\nclient error: ${error}\nfinal state:\n${indented(observation.finalState.split('\n'))}`;
}

/** The agreement theorem on one program; throws, with both observations, when they differ. */
function assertAgreement(text: string, fault: DesugarFault = 'none'): void {
  const program = typedProgram(text);
  const expected = referenceObservation(text, program);
  let actual: Observation;
  try {
    actual = splitObservation(text, program, fault);
  } catch (error) {
    throw new Error(`the split run failed: ${(error as Error).message}\n--- reference\n${describe(expected)}`);
  }
  const same = JSON.stringify(actual.output) === JSON.stringify(expected.output)
    && JSON.stringify(actual.runtimeError) === JSON.stringify(expected.runtimeError)
    && actual.finalState === expected.finalState;
  if (!same) {
    throw new Error(`the split program disagrees with the reference model\n--- reference\n${describe(expected)}\n--- split\n${describe(actual)}`);
  }
}

test('Theorem (the split program agrees with the reference model): same output, aborts, client error and final state', (t) => {
  assertForPrograms(t, runs(1200), (program) => assertAgreement(program.text));
  t.pass();
});

// ------------------------------------------------------------------------------------ determinism

/**
 * The single-node driver again (runtime/single-node.ts, without traces), stepping every activation
 * twice from the same state and requiring equal results: `step` is a function of its arguments.
 */
class SteppingHost implements TransactionHost {
  readonly entities = new EntityTable();
  private readonly outcomes: Outcome[] = [];
  stepsCompared = 0;

  constructor(private readonly program: SplitProgram) {}

  submit(request: Request): number {
    this.outcomes.push(this.execute(request));
    return this.outcomes.length - 1;
  }

  outcome(ticket: number): Outcome {
    return this.outcomes[ticket];
  }

  private execute(request: Request): Outcome {
    this.entities.begin();
    let message: Outgoing | { kind: 'reply'; value: Value; stack: FrameStack } = request.kind === 'call'
      ? { kind: 'invoke', target: request.target, method: request.method, args: request.args, stack: undefined }
      : request.kind === 'read'
        ? { kind: 'read', target: request.target, field: request.field, stack: undefined }
        : { kind: 'create', entity: request.entity, key: request.key, args: request.args, stack: undefined };
    try {
      for (;;) {
        if (message.kind === 'reply' && message.stack === undefined) {
          this.entities.commit();
          return { kind: 'committed', value: message.value };
        }
        const next = this.deliver(message);
        if (next.kind === 'aborted') {
          this.entities.rollback();
          return { kind: 'aborted', code: next.code, message: next.message, span: undefined };
        }
        message = next;
      }
    } catch (error) {
      if (!(error instanceof TransactionAbort)) throw error;
      this.entities.rollback();
      return { kind: 'aborted', code: error.code, message: error.message, span: undefined };
    }
  }

  private deliver(message: Outgoing | { kind: 'reply'; value: Value; stack: FrameStack }) {
    switch (message.kind) {
      case 'invoke':
        this.entities.existing(message.target);
        return this.run(enterMethod(this.program, message.target, message.method, message.args, message.stack));
      case 'read': {
        const value = this.entities.existing(message.target).fields.get(message.field);
        if (value === undefined) abort('A0109', `uninitialized field ${canonical(message.target)}.${message.field}`);
        return { kind: 'reply' as const, value, stack: message.stack };
      }
      case 'create': {
        const reference = referenceValue(message.entity, message.key);
        const entity = this.program.entities.get(message.entity)!;
        this.entities.create(entity, message.key);
        if (!entity.methods.has('init')) return { kind: 'reply' as const, value: reference, stack: message.stack };
        return this.run(enterMethod(this.program, reference, 'init', message.args, pushFrame(message.stack, { kind: 'created', reference })));
      }
      case 'reply': {
        const { top: frame, below: rest } = message.stack!;
        if (frame.kind === 'created') return { kind: 'reply' as const, value: frame.reference, stack: rest };
        return this.run(resumeFrame(this.program, frame, message.value, rest));
      }
    }
  }

  private run(start: Activation): Outgoing | { kind: 'reply'; value: Value; stack: FrameStack } | Extract<LocalStep, { kind: 'aborted' }> {
    let activation = start;
    const state = this.entities.existing(activation.self);
    for (;;) {
      const snapshot = new Map(state.fields);
      const result = step(this.program, activation, state.fields);
      const again = step(this.program, activation, snapshot);
      assert.deepEqual(again, result, `step is not deterministic at ${canonical(activation.self)} ${activation.block.name}`);
      assert.deepEqual(new Map(state.fields), snapshot, 'step changed the fields it was given');
      this.stepsCompared++;
      switch (result.kind) {
        case 'stepped':
          if (result.write !== undefined) this.entities.write(state, result.write.field, result.write.value);
          activation = result.next;
          continue;
        case 'suspended':
          return result.outgoing;
        case 'returned':
          return { kind: 'reply', value: result.value, stack: result.stack };
        case 'aborted':
          return result;
      }
    }
  }
}

function steppedRun(text: string, program: TypedProgram): { observation: Observation; steps: number } {
  const host = new SteppingHost(compileToSplit(program).split);
  return { observation: observe(text, program, host, () => host.entities.all()), steps: host.stepsCompared };
}

test('Theorem (step is deterministic): a run repeats exactly, and each step taken twice gives the same result', (t) => {
  let steps = 0;
  assertForPrograms(t, runs(250), (generated) => {
    const program = typedProgram(generated.text);
    const first = splitObservation(generated.text, program, 'none');
    assert.deepEqual(splitObservation(generated.text, program, 'none'), first, 'a second run differs');
    const stepped = steppedRun(generated.text, program);
    steps += stepped.steps;
    // The stepping driver is a copy of the single-node one: it must see the same run.
    assert.deepEqual(stepped.observation, first, 'the stepping driver sees another run');
  });
  t.log(`${steps} steps taken twice and compared`);
  t.pass();
});

// ------------------------------------------------------------------------------ negative controls

for (const fault of ['drop-last-argument', 'call-twice'] as const) {
  test(`Negative control (desugar fault '${fault}'): the agreement theorem fails, with a shrunk counterexample`, (t) => {
    const started = Date.now();
    const details = fc.check(fc.property(programs, (program) => assertAgreement(program.text, fault)), {
      numRuns: runs(1200),
      // Shrinking stops here and reports the smallest counterexample found so far.
      interruptAfterTimeLimit: 10_000,
    });
    t.true(details.failed, `the fault '${fault}' went unnoticed in ${details.numRuns} programs`);
    if (!details.failed) return;
    const [program] = details.counterexample!;
    const message = (details.errorInstance as Error).message;
    // The failure must be the fault's doing, not a program that does not compile.
    t.false(message.startsWith('generator bug'), message);
    t.log(`found after ${details.numRuns} programs, ${details.numShrinks} shrinks, ${Date.now() - started} ms`
      + ` (seed ${details.seed}, path "${details.counterexamplePath}")`);
    t.log(`counterexample:\n${program.text}\n${message}`);
  });
}
