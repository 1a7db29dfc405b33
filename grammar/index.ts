// Stage: grammar, its entry point. Source text → surface AST and diagnostics. Never throws on any input:
// lexical and syntax errors come back as diagnostics, and no AST is built from a tree with errors.

import { EOF, type CstNode, type IRecognitionException, type IToken } from 'chevrotain';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { EntityDeclaration, Program, Statement } from './ast.ts';
import { AstBuilder } from './cst-to-ast.ts';
import { keywordTokens, lex, Newline } from './lexer.ts';
import { parser } from './parser.ts';
import { span } from './span.ts';

export interface ParseResult {
  /** Absent when the text has syntax errors. */
  readonly program: Program | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const syntaxErrorsMax = 25;

export function parse(text: string, file: string): ParseResult {
  const parsed = parseWith(text, file, () => parser.program(), (builder, tree) => builder.program(tree));
  return { program: parsed.result, diagnostics: parsed.diagnostics };
}

export interface ReplInput {
  readonly entities: readonly EntityDeclaration[];
  readonly statements: readonly Statement[];
}

/** Parses one REPL input: entity declarations and run-block statements in any mix. */
export function parseReplInput(text: string, file: string): { readonly input: ReplInput | undefined; readonly diagnostics: readonly Diagnostic[] } {
  const parsed = parseWith(text, file, () => parser.replInput(), (builder, tree) => builder.replInput(tree));
  return { input: parsed.result, diagnostics: parsed.diagnostics };
}

function parseWith<Result>(
  text: string,
  file: string,
  rule: () => CstNode,
  build: (builder: AstBuilder, tree: CstNode) => Result,
): { result: Result | undefined; diagnostics: readonly Diagnostic[] } {
  const lexed = lex(text, file);
  parser.input = lexed.tokens;
  const tree = rule();
  const diagnostics = [...lexed.diagnostics];
  const seenOffsets = new Set<number>();
  for (const error of parser.errors) {
    const converted = syntaxDiagnostic(error, text, file);
    if (seenOffsets.has(converted.span.start)) continue;
    seenOffsets.add(converted.span.start);
    diagnostics.push(converted);
    if (seenOffsets.size >= syntaxErrorsMax) break;
  }
  if (diagnostics.length > 0) return { result: undefined, diagnostics: sortDiagnostics(diagnostics) };
  const builder = new AstBuilder(file);
  const result = build(builder, tree);
  if (builder.diagnostics.length > 0) return { result: undefined, diagnostics: sortDiagnostics(builder.diagnostics) };
  return { result, diagnostics: [] };
}

function tokenLocation(token: IToken, text: string): { start: number; end: number } {
  if (token.tokenType === EOF || Number.isNaN(token.startOffset)) {
    const end = text.trimEnd().length;
    return { start: end, end };
  }
  if (token.tokenType === Newline) return { start: token.startOffset, end: token.startOffset };
  return { start: token.startOffset, end: (token.endOffset ?? token.startOffset) + 1 };
}

function syntaxDiagnostic(error: IRecognitionException, text: string, file: string): Diagnostic {
  const token = error.token;
  const location = tokenLocation(token, text);
  const at = span(file, location.start, location.end);
  const rules = error.context?.ruleStack ?? [];
  const rule = rules.at(-1);
  if (rule === 'terminator') {
    return diagnostic('E0111', `expected \`;\` or a line break before \`${token.image}\``, at,
      'put each statement and member on its own line, or separate them with `;`');
  }
  return diagnostic('E0110', error.message, at, syntaxHint(error, token, rules));
}

function syntaxHint(error: IRecognitionException, token: IToken, rules: readonly string[]): string {
  if (keywordTokens.includes(token.tokenType) && error.message.startsWith('expected a name')) {
    return `\`${token.image}\` is a reserved word; choose another name`;
  }
  if (token.tokenType === EOF) return 'the file ended early: check that every `{`, `(` and `[` is closed';
  if (/expected `\)`|expected `]`/.test(error.message)) return 'check that every `(` and `[` is closed';
  if (rules.includes('typeExpression')) return 'types are `int`, `bool`, `string`, an entity name, `list<T>`, `map<K, V>` or `future<T>`';
  if (rules.includes('entityDeclaration') && !rules.includes('block')) {
    return 'an entity holds `key name: T`, fields `name: T` or `name: T = e`, `init(…) { … }` and `fn name(…): T { … }`';
  }
  if (token.tokenType === Newline) return 'the line ended before the statement or expression was complete';
  return 'see the language reference in docs/language.md';
}
