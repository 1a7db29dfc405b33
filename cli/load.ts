// Stage: cli. Reading and compiling a program file, with diagnostics rendered to standard error.

import { renderDiagnostics } from '../diagnostics/render.ts';
import type { SourceText } from '../grammar/span.ts';
import { compile, type CompileResult } from '../semantics/compile.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { integerOption, UsageError, type ParsedArguments } from './arguments.ts';
import { defaultSourceBytesMax, readTextFile } from './files.ts';
import type { Io } from './io.ts';

export interface LoadedProgram extends CompileResult {
  readonly source: SourceText;
}

/** A file's text (named as it is shown), or why it cannot be read. */
export function readSource(io: Io, path: string, bytesMax = defaultSourceBytesMax): SourceText | UsageError {
  return readTextFile(io, path, bytesMax);
}

/** The source size limit that `--max-source` sets. */
export function sourceBytesMax(parsed: ParsedArguments): number {
  const value = integerOption(parsed, 'max-source', defaultSourceBytesMax);
  return value instanceof UsageError ? defaultSourceBytesMax : value;
}

/** Compiles the file and writes its diagnostics (if any) to standard error. */
export function loadProgram(io: Io, path: string, bytesMax = defaultSourceBytesMax): LoadedProgram | UsageError {
  const source = readSource(io, path, bytesMax);
  if (source instanceof UsageError) return source;
  const result = compile(source.text, source.name);
  if (result.diagnostics.length > 0) io.err(renderDiagnostics(result.diagnostics, (file) => (file === source.name ? source : undefined)));
  return { ...result, source };
}

/**
 * Atomic streams run under every semantics of `ent run`, `ent check` and `ent cps` (docs/language.md,
 * "Atomic streams") on the simulated engine; `ent explore`, `ent graph`, the REPL and `--engine restate`
 * do not run them yet and refuse a program that declares a stream, with this error.
 */
export function streamsRefusal(program: TypedProgram, what: string): UsageError | undefined {
  const first = program.streams.values().next().value;
  if (first === undefined) return undefined;
  return new UsageError('U0110', `${what} does not support streams yet, and this program declares stream \`${first.name}\``,
    'streams run under `ent run` and `ent check` for now');
}

/**
 * Live updates run under every semantics of `ent run` and under `ent check` on the simulated engine
 * (docs/language.md §15); `ent explore`, `ent graph` and `--engine restate` do not run them yet and
 * refuse a program whose run block updates code, with this error.
 */
export function updatesRefusal(program: TypedProgram, what: string): UsageError | undefined {
  const first = program.updates?.[0];
  if (first === undefined) return undefined;
  return new UsageError('U0140', `${what} does not run live updates yet, and this program's run block updates \`${first.entity}\``,
    'live updates run under `ent run` and `ent check` on the simulated engine for now');
}

export function formatUsageError(error: UsageError): string {
  return `error[${error.code}]: ${error.message}${error.hint === undefined ? '' : `\n  = hint: ${error.hint}`}`;
}

export function reportUsageError(io: Io, error: UsageError): void {
  io.err(formatUsageError(error));
}
