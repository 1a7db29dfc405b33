// Stage: diagnostics (shared by every stage). A diagnostic is a value: a code from the catalog, a
// message, the span it points at and an optional hint. Stages return them; only the CLI and the REPL
// render them, through `render.ts`.

import type { Span } from '../grammar/span.ts';
import { catalogEntry, type DiagnosticCode } from './catalog.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly hint: string | undefined;
}

export function diagnostic(code: DiagnosticCode, message: string, span: Span, hint?: string): Diagnostic {
  return { code, severity: catalogEntry(code).severity, message, span, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((entry) => entry.severity === 'error');
}

/** Orders diagnostics by file, then position, so that output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.span.file.localeCompare(b.span.file) || a.span.start - b.span.start || a.code.localeCompare(b.code),
  );
}
