// Stage: diagnostics. The one renderer: `error[E0401]: message`, then `--> file:line:col`, the source
// line, a caret under the span, and the hint. Input: diagnostics and the sources they point into.

import { lineColumn, lineText, type SourceText } from '../grammar/span.ts';
import type { Diagnostic } from './diagnostic.ts';

export type SourceLookup = (file: string) => SourceText | undefined;

export function renderDiagnostic(entry: Diagnostic, lookup: SourceLookup): string {
  const lines = [`${entry.severity}[${entry.code}]: ${entry.message}`];
  const source = lookup(entry.span.file);
  let hintIndent = '  ';
  if (source === undefined) {
    lines.push(`  --> ${entry.span.file}`);
  } else {
    const start = lineColumn(source, entry.span.start);
    const text = lineText(source, start.line);
    const gutter = String(start.line).length;
    const pad = ' '.repeat(gutter);
    const lineEnd = source.lineStarts[start.line - 1] + text.length;
    const width = Math.max(1, Math.min(entry.span.end, lineEnd) - entry.span.start);
    // Tabs in the prefix stay tabs, so the caret lines up in a terminal.
    const prefix = text.slice(0, start.column - 1).replace(/[^\t]/g, ' ');
    lines.push(`${pad}--> ${source.name}:${start.line}:${start.column}`);
    lines.push(`${pad} |`);
    lines.push(`${start.line} | ${text}`);
    lines.push(`${pad} | ${prefix}${'^'.repeat(width)}`);
    hintIndent = `${pad} `;
  }
  if (entry.hint !== undefined) lines.push(`${hintIndent}= hint: ${entry.hint}`);
  return lines.join('\n');
}

export function renderDiagnostics(entries: readonly Diagnostic[], lookup: SourceLookup): string {
  return entries.map((entry) => renderDiagnostic(entry, lookup)).join('\n\n');
}

/** `file:line:col` of a diagnostic, for one-line listings. */
export function locationOf(entry: Diagnostic, lookup: SourceLookup): string {
  const source = lookup(entry.span.file);
  if (source === undefined) return entry.span.file;
  const { line, column } = lineColumn(source, entry.span.start);
  return `${source.name}:${line}:${column}`;
}
