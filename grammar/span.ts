// Stage: grammar. Source positions: half-open spans of character offsets in a named source text, and the
// one place where Chevrotain tokens become spans (its `endOffset` is inclusive, and tokens that error
// recovery inserted carry NaN offsets).

import type { IToken } from 'chevrotain';

export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** A source text with its line starts, so that offsets turn into lines and columns. */
export interface SourceText {
  readonly name: string;
  readonly text: string;
  readonly lineStarts: readonly number[];
}

export function sourceText(name: string, text: string): SourceText {
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) === 10) lineStarts.push(index + 1);
  }
  return { name, text, lineStarts };
}

/** One-based line and column of an offset. */
export function lineColumn(source: SourceText, offset: number): { line: number; column: number } {
  let low = 0;
  let high = source.lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (source.lineStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - source.lineStarts[low] + 1 };
}

/** The text of the one-based line `line`, without its line break. */
export function lineText(source: SourceText, line: number): string {
  const start = source.lineStarts[line - 1] ?? source.text.length;
  const next = source.lineStarts[line];
  const end = next === undefined ? source.text.length : next - 1;
  return source.text.slice(start, end).replace(/\r$/, '');
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end };
}

export function tokenSpan(file: string, token: IToken, fallbackOffset = 0): Span {
  const start = Number.isNaN(token.startOffset) ? fallbackOffset : token.startOffset;
  const endInclusive = token.endOffset === undefined || Number.isNaN(token.endOffset)
    ? start - 1
    : token.endOffset;
  return { file, start, end: endInclusive + 1 };
}

/** The smallest span that covers both. */
export function joinSpans(first: Span, last: Span): Span {
  return { file: first.file, start: Math.min(first.start, last.start), end: Math.max(first.end, last.end) };
}
