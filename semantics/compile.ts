// Stage: grammar + semantics/check. Source text → typed program, or the diagnostics of the first stage
// that failed (the checker does not run after syntax errors).

import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { parse } from '../grammar/index.ts';
import { checkProgram, type EntityTable } from './check/index.ts';
import type { TypedProgram } from './typed.ts';

export interface CompileResult {
  readonly program: TypedProgram | undefined;
  readonly table: EntityTable | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export function compile(text: string, file: string): CompileResult {
  const parsed = parse(text, file);
  if (parsed.program === undefined) return { program: undefined, table: undefined, diagnostics: parsed.diagnostics };
  const checked = checkProgram(parsed.program);
  return { program: checked.program, table: checked.table, diagnostics: checked.diagnostics };
}
