// Stage: diagnostics. The one renderer: `error[E0401]: message`, then `--> file:line:col`, the source
// line, a caret under the span, and the hint. Input: diagnostics and the sources they point into. Output
// stays readable on any input: a long line is cut around the caret, control characters are shown as
// symbols, and a flood of diagnostics is cut after the first few with a count of the rest.

import { lineColumn, lineText, type SourceText } from '../grammar/span.ts';
import type { Diagnostic } from './diagnostic.ts';

export type SourceLookup = (file: string) => SourceText | undefined;

/** Diagnostics shown in full before the rest are only counted. */
export const renderedDiagnosticsMax = 20;
/** Columns of source shown around the caret; a longer line is cut, with `…` where it was. */
const lineWidthMax = 160;
const contextBefore = 70;

/**
 * A character as a terminal can show it without harm: C0 controls and DEL become their Unicode
 * symbols (one column each, so that the caret stays aligned); tabs stay tabs.
 */
function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (character) => {
    const code = character.charCodeAt(0);
    return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
  });
}

/** Characters of a message or hint shown; a longer one (a name of a million letters) is cut in the middle. */
const messageLengthMax = 300;

function clip(text: string): string {
  if (text.length <= messageLengthMax) return visible(text);
  const half = messageLengthMax / 2;
  return visible(`${text.slice(0, half)}…${text.slice(-half)}`);
}

/** The part of a long line around columns [start, end), and where the caret goes within it. */
function window(text: string, start: number, end: number): { shown: string; caret: number; width: number } {
  const width = Math.max(1, end - start);
  if (text.length <= lineWidthMax) return { shown: text, caret: start, width };
  // A caret near the start keeps the start: the line is cut only at its end.
  const from = start < lineWidthMax - contextBefore ? 0 : Math.max(0, Math.min(start - contextBefore, text.length - lineWidthMax));
  const to = Math.min(text.length, from + lineWidthMax);
  const head = from > 0 ? '…' : '';
  const tail = to < text.length ? '…' : '';
  const visibleWidth = Math.max(1, Math.min(width, to - start));
  return { shown: `${head}${text.slice(from, to)}${tail}`, caret: start - from + head.length, width: visibleWidth };
}

export function renderDiagnostic(entry: Diagnostic, lookup: SourceLookup): string {
  const lines = [`${entry.severity}[${entry.code}]: ${clip(entry.message)}`];
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
    const spanEnd = Math.min(entry.span.end, lineEnd);
    const cut = window(text, start.column - 1, start.column - 1 + Math.max(1, spanEnd - entry.span.start));
    // Tabs in the prefix stay tabs, so the caret lines up in a terminal.
    const prefix = cut.shown.slice(0, cut.caret).replace(/[^\t]/g, ' ');
    lines.push(`${pad}--> ${source.name}:${start.line}:${start.column}`);
    lines.push(`${pad} |`);
    lines.push(`${start.line} | ${visible(cut.shown)}`);
    lines.push(`${pad} | ${prefix}${'^'.repeat(cut.width)}`);
    hintIndent = `${pad} `;
  }
  if (entry.hint !== undefined) lines.push(`${hintIndent}= hint: ${clip(entry.hint)}`);
  return lines.join('\n');
}

/** The first `renderedDiagnosticsMax` diagnostics in full, and a count of the rest. */
export function renderDiagnostics(entries: readonly Diagnostic[], lookup: SourceLookup): string {
  const shown = entries.slice(0, renderedDiagnosticsMax).map((entry) => renderDiagnostic(entry, lookup));
  const rest = entries.length - shown.length;
  if (rest > 0) shown.push(`… and ${rest} more error${rest === 1 ? '' : 's'} (fix the first ones; many later ones often follow from them)`);
  return shown.join('\n\n');
}

/** `file:line:col` of a diagnostic, for one-line listings. */
export function locationOf(entry: Diagnostic, lookup: SourceLookup): string {
  const source = lookup(entry.span.file);
  if (source === undefined) return entry.span.file;
  const { line, column } = lineColumn(source, entry.span.start);
  return `${source.name}:${line}:${column}`;
}
