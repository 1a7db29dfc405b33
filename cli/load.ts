// Stage: cli. Reading and compiling a program file, with diagnostics rendered to standard error.

import { renderDiagnostics } from '../diagnostics/render.ts';
import { sourceText, type SourceText } from '../grammar/span.ts';
import { compile, type CompileResult } from '../semantics/compile.ts';
import { UsageError } from './arguments.ts';
import type { Io } from './io.ts';

export interface LoadedProgram extends CompileResult {
  readonly source: SourceText;
}

export function readSource(io: Io, path: string): SourceText | UsageError {
  try {
    return sourceText(path, io.readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String((error as Error).message);
    return new UsageError('U0102', `cannot read ${path}: ${reason}`, 'check the path; it is relative to the current directory');
  }
}

/** Compiles the file and writes its diagnostics (if any) to standard error. */
export function loadProgram(io: Io, path: string): LoadedProgram | UsageError {
  const source = readSource(io, path);
  if (source instanceof UsageError) return source;
  const result = compile(source.text, path);
  if (result.diagnostics.length > 0) io.err(renderDiagnostics(result.diagnostics, (file) => (file === path ? source : undefined)));
  return { ...result, source };
}

export function reportUsageError(io: Io, error: UsageError): void {
  io.err(`error[${error.code}]: ${error.message}${error.hint === undefined ? '' : `\n  = hint: ${error.hint}`}`);
}
