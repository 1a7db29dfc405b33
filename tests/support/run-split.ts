// Test support: compile and run a program on the split small-step machine (one node, perfect network),
// in process, capturing what the client prints, how the run ended, and the final entity states.

import { compile } from '../../semantics/compile.ts';
import { lineColumn, sourceText } from '../../grammar/span.ts';
import { Client, ClientError } from '../../semantics/reference/client.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import type { DesugarFault } from '../../semantics/desugar/index.ts';
import { SingleNodeHost } from '../../runtime/single-node.ts';
import { canonical, type MapKey, type Value } from '../../semantics/values.ts';

export interface SplitRunReport {
  readonly output: readonly string[];
  readonly runtimeError: { readonly code: string; readonly line: number; readonly message: string } | undefined;
  readonly finalState: string;
}

export function runSplit(text: string, file = 'test.ent', fault: DesugarFault = 'none', stepLimit?: number): SplitRunReport {
  const source = sourceText(file, text);
  const compiled = compile(text, file);
  if (compiled.program === undefined) throw new Error(`runSplit: ${file} does not compile`);
  const { split } = compileToSplit(compiled.program, { fault });
  const host = new SingleNodeHost(split, { stepLimit });
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  let runtimeError: SplitRunReport['runtimeError'];
  try {
    if (compiled.program.run !== undefined) client.run(compiled.program.run.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    runtimeError = { code: error.code, line: lineColumn(source, error.span.start).line, message: error.message };
  }
  return { output, runtimeError, finalState: dumpEntities(host.entities.all()) };
}

/** Every entity and its fields in canonical form, one line each, sorted: comparable across semantics. */
export function dumpEntities(entities: Iterable<{ readonly entity: string; readonly key: MapKey; readonly fields: ReadonlyMap<string, Value | undefined> }>): string {
  const lines: string[] = [];
  for (const state of entities) {
    const fields = [...state.fields].map(([name, value]) => `${name}=${value === undefined ? '<unset>' : canonical(value)}`);
    lines.push(`${state.entity}(${canonical(state.key)}) ${fields.sort().join(' ')}`);
  }
  return lines.sort().join('\n');
}
