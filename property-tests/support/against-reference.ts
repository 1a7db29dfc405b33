// Stage: property tests (support). A program's run block on the reference model and on three faulty
// nodes, compared: the outputs must be equal and every checker of `ent check` silent. The stream and
// live-update properties (property-tests/streams-distributed.test.ts, updates-distributed.test.ts) hold
// their generated programs to it.

import { checkRun } from '../../checkers/case.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../../runtime/configuration.ts';
import { historyEvents } from '../../runtime/history.ts';
import { DistributedHost } from '../../runtime/host.ts';
import { compile } from '../../semantics/compile.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import { Client, ClientError } from '../../semantics/reference/client.ts';
import { ReferenceHost } from '../../semantics/reference/host.ts';
import { ReferenceModel } from '../../semantics/reference/model.ts';
import type { TransactionHost } from '../../semantics/transactions.ts';
import type { TypedProgram } from '../../semantics/typed.ts';

/** The run block's printed lines and the code of the client error that stopped it, if any. */
export function runOn(host: TransactionHost, program: TypedProgram, after: () => void): { output: string[]; error: string | undefined } {
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  let error: string | undefined;
  try {
    client.run(program.run!.body);
  } catch (caught) {
    if (!(caught instanceof ClientError)) throw caught;
    error = caught.code;
  }
  after();
  client.finish();
  return { output, error };
}

/** Runs the program on the reference model and on 3 faulty nodes; what differs or what a checker finds, or undefined. */
export function problemAgainstReference(text: string, concurrency: ConcurrencyMode, bug: string, seed: number): string | undefined {
  const compiled = compile(text, 'generated.ent');
  if (compiled.program === undefined) throw new Error(compiled.diagnostics.map((entry) => entry.message).join('\n'));
  const program = compiled.program;
  const reference = runOn(new ReferenceHost(new ReferenceModel(program)), program, () => undefined);
  const runtime = {
    nodes: 3, delivery: 'exactly-once' as const, concurrency, faults: { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.01 },
    stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug,
  };
  const host = new DistributedHost(compileToSplit(program).split, { seed: String(seed), settings: runtime });
  const distributed = runOn(host, program, () => host.heal());
  host.settle();
  const problems = JSON.stringify(distributed) === JSON.stringify(reference)
    ? [] : [`output ${JSON.stringify(distributed)}, the reference model's ${JSON.stringify(reference)}`];
  const violations = checkRun(program, runtime, { events: historyEvents(host.config.history), entities: host.entities(), stuck: [], stuckBecause: undefined });
  problems.push(...violations.map((violation) => `${violation.checker}:${violation.kind} ${violation.message}`));
  return problems.length === 0 ? undefined : problems.join('\n');
}
