// The corpus on the distributed runtime: every program without static errors runs on 3 simulated nodes
// with exactly-once delivery, under 2PL and under Aria, with a fault plan and several seeds, and prints
// what its comments expect. Transactions of a run block that does not use `async` run one at a time,
// so the output must equal the reference model's whatever the faults; programs that submit concurrent
// transactions may print in another order, and are listed with the reason.

import test from 'ava';
import { compile } from '../semantics/compile.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { DistributedHost } from '../runtime/host.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../runtime/configuration.ts';
import { intendedDifferences, loadCorpus } from './support/corpus.ts';

/** Programs whose distributed output may differ from their expectations, by name, with the reason. */
const concurrentPrograms: ReadonlyMap<string, string> = new Map([
  ['calls/async-fan-out.ent', 'the run block submits transactions with `async`: their order may differ'],
  ['calls/async-dropped-futures.ent', 'the run block submits transactions with `async`: their order may differ'],
  ['calls/await-twice.ent', 'the run block submits transactions with `async`: their order may differ'],
  ['calls/async-abort-inside-a-transaction.ent', 'the run block submits transactions with `async`: their order may differ'],
  ['client/unawaited-aborts-print-at-the-end.ent', 'the run block submits transactions with `async`: their order may differ'],
]);

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

const programs = loadCorpus().filter((program) => program.errors.length === 0
  && !intendedDifferences.has(program.name) && !concurrentPrograms.has(program.name));

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
