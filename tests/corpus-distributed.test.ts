// The corpus on the distributed runtime: every program without static errors runs on 3 simulated nodes
// with exactly-once delivery, under 2PL and under Aria, with a fault plan and several seeds, and prints
// what its comments expect. Transactions of a run block without `async` run one at a time, so the
// output must equal the reference model's whatever the faults. A run block with `async` has several
// transactions in flight at once, which may be decided in any order; the corpus's async programs print
// only what every serial order gives (each future awaited before anything reads what it wrote), so
// their output must equal the expectations too. Their runs are also held against every checker of
// `ent check --workload run` (liveness, exactly-once, replay, dependency graph, installation) over
// many schedules and fault choices; negative control: the zoo's early-lock-release is caught on one.

import test from 'ava';
import { compile } from '../semantics/compile.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { DistributedHost } from '../runtime/host.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../runtime/configuration.ts';
import { search } from '../checkers/search.ts';
import { defaultCheckSettings } from '../cli/check.ts';
import { intendedDifferences, loadCorpus, type CorpusProgram } from './support/corpus.ts';

const faults = { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.005 };

function runDistributed(
  text: string, file: string, concurrency: ConcurrencyMode, seed: string, stepLimit = 1_000_000,
): { output: string[]; error: string | undefined } {
  const program = compile(text, file).program!;
  const host = new DistributedHost(compileToSplit(program).split, {
    seed,
    settings: { nodes: 3, delivery: 'exactly-once', concurrency, faults, stepLimit, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none' },
  });
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  try {
    if (program.run !== undefined) client.run(program.run.body);
    host.heal();
    client.finish();
    host.settle();
    return { output, error: undefined };
  } catch (error) {
    if (error instanceof ClientError) return { output, error: error.code };
    throw error;
  }
}

const programs = loadCorpus().filter((program) => program.errors.length === 0 && !intendedDifferences.has(program.name));

for (const program of programs) {
  test(`corpus ${program.name} (distributed, faults, 2PL and Aria, seeds 1 to 3)`, (t) => {
    for (const concurrency of ['2pl', 'aria'] as const) {
      for (const seed of ['1', '2', '3']) {
        const run = runDistributed(program.text, program.path, concurrency, seed, program.stepLimit);
        t.deepEqual(run.output, program.output, `${concurrency}, seed ${seed}`);
        t.is(run.error, program.runtimeError?.code, `${concurrency}, seed ${seed}`);
      }
    }
  });
}

/** Whether the program's run block submits transactions with `async` (several in flight at once). */
function runBlockIsAsync(program: CorpusProgram): boolean {
  const run = compile(program.text, program.path).program?.run;
  return run !== undefined && /\basync\b/.test(program.text.slice(run.span.start, run.span.end));
}

const asyncPrograms = programs.filter(runBlockIsAsync);

/** `ent check --workload run` on a corpus program: the search's verdict after `runs` cases. */
function checkRunBlock(
  program: CorpusProgram, concurrency: ConcurrencyMode, bug: string, runs: number,
): ReturnType<typeof search> {
  const typed = compile(program.text, program.path).program!;
  const settings = { ...defaultCheckSettings({ concurrency, bug }), workload: 'run' as const };
  return search(typed, compileToSplit(typed).split, settings, { runs, seed: program.name, shrinkSeconds: 0 });
}

test('the corpus has run blocks with `async`, and the output tests above include them', (t) => {
  t.true(asyncPrograms.length >= 5, asyncPrograms.map((program) => program.name).join(', '));
});

for (const program of asyncPrograms) {
  test(`corpus ${program.name} (async run block): ent check --workload run holds, 2PL and Aria, 100 cases each`, (t) => {
    for (const concurrency of ['2pl', 'aria'] as const) {
      const result = checkRunBlock(program, concurrency, 'none', 100);
      t.true(result.held, result.held ? '' : `${concurrency}: ${result.target} after ${result.runs} cases`);
    }
  });
}

test('negative control: an async run block under the zoo\'s early-lock-release is caught', (t) => {
  const program = asyncPrograms.find((candidate) => candidate.name === 'calls/async-fan-out.ent')!;
  const result = checkRunBlock(program, '2pl', 'early-lock-release', 400);
  t.false(result.held);
  if (!result.held) t.log(`${result.target} after ${result.runs} cases`);
});
