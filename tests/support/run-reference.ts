// Test support: compile and run a program under the reference model, in process, capturing what the
// client prints and how the run ended.

import { compile } from '../../semantics/compile.ts';
import { lineColumn, sourceText } from '../../grammar/span.ts';
import { Client, ClientError } from '../../semantics/reference/client.ts';
import { ReferenceHost } from '../../semantics/reference/host.ts';
import { ReferenceModel } from '../../semantics/reference/model.ts';

export interface RunReport {
  readonly errors: readonly { readonly code: string; readonly line: number; readonly message: string }[];
  readonly output: readonly string[];
  readonly runtimeError: { readonly code: string; readonly line: number; readonly message: string } | undefined;
  readonly model: ReferenceModel | undefined;
}

export function runReference(text: string, file = 'test.ent', stepLimit?: number): RunReport {
  const source = sourceText(file, text);
  const compiled = compile(text, file);
  const errors = compiled.diagnostics.map((entry) => ({
    code: entry.code,
    line: lineColumn(source, entry.span.start).line,
    message: entry.message,
  }));
  if (compiled.program === undefined) return { errors, output: [], runtimeError: undefined, model: undefined };
  const output: string[] = [];
  const model = new ReferenceModel(compiled.program, { stepLimit });
  const client = new Client(new ReferenceHost(model), (line) => output.push(line));
  let runtimeError: RunReport['runtimeError'];
  try {
    if (compiled.program.run !== undefined) client.run(compiled.program.run.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    runtimeError = { code: error.code, line: lineColumn(source, error.span.start).line, message: error.message };
  }
  return { errors, output, runtimeError, model };
}
