// Stage: grammar, its entry point. Source text → surface AST and diagnostics. Never throws on any input:
// lexical and syntax errors come back as diagnostics, and no AST is built from a tree with errors.

import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.ts';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type { EntityDeclaration, Program, Statement } from './ast.ts';
import { AstBuilder } from './ast-builder.ts';
import {
  AndAnd, Dot, Entity, EqualEqual, Equals, Greater, GreaterEqual, Identifier, keywordTokens,
  LBracket, LCurly, Less, LessEqual, lex, LParen, Minus, Newline, NotEqual, OrOr, Percent, Plus, RBracket, RCurly, RParen, Run,
  Slash, Star, contextualStream, startsLine,
} from './lexer.ts';
import { parser } from './parser.ts';
import { span, type Span } from './span.ts';

export interface ParseResult {
  /** Absent when the text has syntax errors. */
  readonly program: Program | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const syntaxErrorsMax = 25;

export function parse(text: string, file: string): ParseResult {
  const parsed = parseWith(text, file, () => parser.program());
  return { program: parsed.result, diagnostics: parsed.diagnostics };
}

export interface ReplInput {
  readonly entities: readonly EntityDeclaration[];
  readonly statements: readonly Statement[];
}

/** Parses one REPL input: entity declarations and run-block statements in any mix. */
export function parseReplInput(text: string, file: string): { readonly input: ReplInput | undefined; readonly diagnostics: readonly Diagnostic[] } {
  const parsed = parseWith(text, file, () => parser.replInput());
  return { input: parsed.result, diagnostics: parsed.diagnostics };
}

function parseWith<Result>(
  text: string,
  file: string,
  rule: () => Result,
): { result: Result | undefined; diagnostics: readonly Diagnostic[] } {
  const lexed = lex(text, file);
  if (lexed.tooDeep !== undefined) return { result: undefined, diagnostics: sortDiagnostics([...lexed.diagnostics, lexed.tooDeep]) };
  parser.input = lexed.tokens;
  const builder = new AstBuilder(file);
  parser.builder = builder;
  parser.resetState();
  const result = rule();
  const errors = parser.errors;
  if (errors.length > 0 || lexed.diagnostics.length > 0) {
    const syntax = syntaxDiagnostics(errors, { lexical: lexed.diagnostics, tokens: lexed.tokens, text, file });
    const diagnostics = [...lexed.diagnostics, ...syntax];
    if (diagnostics.length > 0) return { result: undefined, diagnostics: sortDiagnostics(diagnostics) };
  }
  // The parser's actions built the AST and reported what the grammar accepts but Ent does not.
  if (builder.diagnostics.length > 0) return { result: undefined, diagnostics: sortDiagnostics(builder.diagnostics) };
  // The parser bounds the tree's height as it builds it: only a tree that may be too deep is walked.
  const deepest = parser.treeHeightBound > treeDepthMax ? treeTooDeep(result) : undefined;
  if (deepest !== undefined) return { result: undefined, diagnostics: [deepest] };
  return { result, diagnostics: [] };
}

/** The deepest expression or statement tree the later stages (recursive, like the parser) accept. */
const treeDepthMax = 256;

/** The first node deeper than `treeDepthMax` in the AST, measured without recursion. */
function treeTooDeep(root: unknown): Diagnostic | undefined {
  // Two parallel stacks (node, depth) and `for … in`, which visits keys in the order `Object.entries`
  // gives, without allocating an array per node.
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const record = node as { kind?: unknown; span?: Span };
    const counts = typeof record.kind === 'string';
    if (counts && depth > treeDepthMax && record.span !== undefined) {
      return diagnostic('E0106', `this expression nests more than ${treeDepthMax} levels deep`, record.span,
        'name intermediate results with `let`, or split a long chain of operators into several statements');
    }
    const below = depth + (counts ? 1 : 0);
    for (const key in node) {
      if (key === 'span' || key === 'operatorSpan' || !Object.hasOwn(node, key)) continue;
      const value = (node as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const item of value) {
          nodes.push(item);
          depths.push(below);
        }
      } else if (typeof value === 'object' && value !== null) {
        nodes.push(value);
        depths.push(below);
      }
    }
  }
  return undefined;
}

/**
 * The parser's errors as diagnostics, without the cascades of its error recovery: the first error of each
 * top-level declaration (after one, recovery mostly reports its own confusion), none on a line where the
 * lexer already reported a bad character or string (the parser only saw what was left of it), and no
 * "input after the end of the program" once something earlier went wrong.
 */
function syntaxDiagnostics(
  errors: readonly IRecognitionException[],
  context: { readonly lexical: readonly Diagnostic[]; readonly tokens: readonly IToken[]; readonly text: string; readonly file: string },
): Diagnostic[] {
  const { lexical, text, file } = context;
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const lexicalLines = new Set(lexical.map((entry) => lineOf(entry.span.start)));
  const starts = declarationStarts(context.tokens, text);
  const reportedDeclarations = new Set<number>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const afterEnd = error.name === 'NotAllInputParsedException' || error.message.startsWith('expected EOF');
    if (afterEnd && (diagnostics.length > 0 || lexical.length > 0)) continue;
    const converted = syntaxDiagnostic(error, context.tokens, text, file);
    const declaration = starts.filter((start) => start <= converted.span.start).length;
    if (lexicalLines.has(lineOf(converted.span.start)) || reportedDeclarations.has(declaration)) continue;
    reportedDeclarations.add(declaration);
    diagnostics.push(converted);
    if (diagnostics.length >= syntaxErrorsMax) break;
  }
  return diagnostics;
}

/**
 * Where top-level declarations start: `entity` and `run` outside every brace, or at the start of a line
 * (so that one unclosed brace does not merge every later declaration into its own).
 */
function declarationStarts(tokens: readonly IToken[], text: string): number[] {
  const starts: number[] = [];
  let depth = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.tokenType === LCurly) depth++;
    else if (token.tokenType === RCurly) depth = Math.max(0, depth - 1);
    else if ((token.tokenType === Entity || token.tokenType === Run || startsStream(token, tokens[index + 1])) && (depth === 0 || startsLine(text, token.startOffset))) {
      starts.push(token.startOffset);
    }
  }
  return starts;
}

/** A top-level `stream NAME` (the word is contextual: a name elsewhere). */
function startsStream(token: IToken, next: IToken | undefined): boolean {
  return token.tokenType === Identifier && token.image === contextualStream && next?.tokenType === Identifier;
}

function tokenLocation(token: IToken, text: string): { start: number; end: number } {
  if (token.tokenType === EOF || Number.isNaN(token.startOffset)) {
    const end = text.trimEnd().length;
    return { start: end, end };
  }
  if (token.tokenType === Newline) return { start: token.startOffset, end: token.startOffset };
  return { start: token.startOffset, end: (token.endOffset ?? token.startOffset) + 1 };
}

function syntaxDiagnostic(error: IRecognitionException, tokens: readonly IToken[], text: string, file: string): Diagnostic {
  const token = error.token;
  const location = tokenLocation(token, text);
  const at = span(file, location.start, location.end);
  const rules = error.context?.ruleStack ?? [];
  const rule = rules.at(-1);
  const habit = habitHint(token, tokens);
  if (rule === 'terminator') {
    return diagnostic('E0111', `expected \`;\` or a line break before \`${token.image}\``, at,
      habit ?? 'put each statement and member on its own line, or separate them with `;`');
  }
  return diagnostic('E0110', error.message, at, habit ?? syntaxHint(error, token, rules, text));
}

/** Words of other languages, and what Ent writes instead. */
const foreignWords: ReadonlyMap<string, string> = new Map([
  ...['function', 'def', 'func', 'fun', 'method', 'proc', 'sub'].map((word) => [word, 'Ent declares a method as `fn name(parameters): T { … }`, inside an entity'] as const),
  ...['class', 'struct', 'object', 'record', 'type'].map((word) => [word, 'Ent declares `entity Name { key id: T … }`'] as const),
  ...['var', 'const', 'val', 'auto', 'my'].map((word) => [word, 'Ent declares a variable with `let name = e` (or `let name: T = e`)'] as const),
  ['elif', 'write `else if`'], ['elsif', 'write `else if`'], ['elseif', 'write `else if`'],
  ['switch', 'Ent has no `switch`: write `if … { … } else if … { … }`'], ['match', 'Ent has no `match`: write `if … { … } else if … { … }`'],
  ['foreach', 'a loop over a list or map is written `for x in e { … }`'], ['until', 'write `while !(condition) { … }`'],
]);

const binaryOnly = new Set<TokenType>([Plus, Star, Slash, Percent, EqualEqual, NotEqual, LessEqual, GreaterEqual, Less, Greater, AndAnd, OrOr, Dot]);

/**
 * A hint for the mistakes habits from other languages make (`x++`, `function`, `var`), for an operator
 * that starts a line (the line break before it ended the statement), and for a closing bracket that
 * closes nothing; undefined when the error is none of these.
 */
function habitHint(token: IToken, tokens: readonly IToken[]): string | undefined {
  const index = Number.isNaN(token.startOffset) ? -1 : tokens.indexOf(token);
  const at = index < 0 ? tokens.length : index;
  const previous = tokens[at - 1];
  const beforePrevious = tokens[at - 2];
  const adjacent = (left: IToken | undefined, right: IToken | undefined): boolean =>
    left !== undefined && right !== undefined && left.endOffset! + 1 === right.startOffset;
  for (const [left, right] of [[previous, token], [beforePrevious, previous]] as const) {
    if (left !== undefined && right !== undefined && left.tokenType === right.tokenType && (left.tokenType === Plus || left.tokenType === Minus) && adjacent(left, right)) {
      const operator = left.image;
      return `Ent has no \`${operator}${operator}\`: write \`x = x ${operator} 1\``;
    }
  }
  const word = foreignWords.get(token.image) ?? (previous?.tokenType === Identifier ? foreignWords.get(previous.image) : undefined);
  if (word !== undefined && (token.tokenType === Identifier || previous?.tokenType === Identifier)) return word;
  if (binaryOnly.has(token.tokenType) && previous?.tokenType === Newline) {
    return `the line break before this \`${token.image}\` ended the statement: to go on with it, end the previous line with \`${token.image}\` instead`;
  }
  const opener = token.tokenType === RParen ? LParen : token.tokenType === RBracket ? LBracket : token.tokenType === RCurly ? LCurly : undefined;
  if (opener !== undefined && index >= 0) {
    let depth = 0;
    for (let before = 0; before < index; before++) {
      if (tokens[before].tokenType === opener) depth++;
      else if (tokens[before].tokenType === token.tokenType) depth = Math.max(0, depth - 1);
    }
    if (depth === 0) return `this \`${token.image}\` closes nothing: remove it, or add the \`${opener === LParen ? '(' : opener === LBracket ? '[' : '{'}\` it was meant to close`;
  }
  return undefined;
}

/** `=` where Ent has none: in a condition (meant `==`) or after an operator (`+=`, which Ent lacks). */
function misplacedEqualsHint(token: IToken, rules: readonly string[], text: string): string | undefined {
  if (token.tokenType !== Equals) return undefined;
  const before = text.slice(0, token.startOffset).trimEnd().at(-1) ?? '';
  if (before !== '' && '+-*/%'.includes(before)) {
    return `Ent has no \`${before}=\`: write \`x = x ${before} e\``;
  }
  if (rules.includes('ifStatement') || rules.includes('whileStatement')) return 'to compare, write `==`; `=` assigns';
  return undefined;
}

function syntaxHint(error: IRecognitionException, token: IToken, rules: readonly string[], text: string): string {
  if (keywordTokens.includes(token.tokenType) && error.message.startsWith('expected a name')) {
    return `\`${token.image}\` is a reserved word; choose another name`;
  }
  if (token.tokenType === EOF) return 'the file ended early: check that every `{`, `(` and `[` is closed';
  const assignmentHint = misplacedEqualsHint(token, rules, text);
  if (assignmentHint !== undefined) return assignmentHint;
  if (/expected `\)`|expected `]`/.test(error.message)) return 'check that every `(` and `[` is closed';
  if (rules.includes('typeExpression')) return 'types are `int`, `bool`, `string`, an entity name, `list<T>`, `map<K, V>` or `future<T>`';
  const narrow = ruleHint(rules, narrowForms);
  if (narrow !== undefined) return narrow;
  if (rules.includes('entityDeclaration') && !rules.includes('block')) {
    return 'an entity holds `key name: T`, fields `name: T` or `name: T = e`, `init(…) { … }` and `fn name(…): T { … }`';
  }
  if (token.tokenType === Newline) return 'the line ended before the statement or expression was complete';
  return ruleHint(rules, broadForms)
    ?? 'statements are `let`, assignments, `if`, `while`, `for`, `break`, `continue`, `return`, `abort`, `print`, `emit`, `seal` and calls';
}

/** The written form of small constructs: a mistake inside one is best explained by its form. */
const narrowForms: ReadonlyMap<string, string> = new Map([
  ['parameter', 'a parameter is written `name: T`'],
  ['mapEntry', 'a map entry is written `key: value`'],
  ['newExpression', '`new` is written `new Name(key, arguments…)`'],
]);

/** The written form of statements and declarations, for mistakes that no narrower form explains. */
const broadForms: ReadonlyMap<string, string> = new Map([
  ['letStatement', 'a `let` is written `let name = e` or `let name: T = e`'],
  ['forStatement', 'a loop over a list or map is written `for x in e { … }`'],
  ['whileStatement', 'a loop is written `while condition { … }`'],
  ['ifStatement', 'a condition is written `if condition { … } else { … }`'],
  ['methodDeclaration', 'a method is written `fn name(parameters): T { … }`'],
  ['initDeclaration', 'an initializer is written `init(parameters) { … }`'],
  ['handlerDeclaration', 'a consumer is written `on stream(event: T) by key { … }`'],
  ['streamDeclaration', 'a stream is declared `stream name: T`, at the top level'],
  ['emitStatement', 'an atom is emitted with `emit stream [e1, e2, …]`'],
  ['sealStatement', 'a stream is sealed with `seal stream`'],
  ['runBlock', 'the run block is written `run { … }`'],
]);

/** The form of the innermost rule on the stack that `forms` describes. */
function ruleHint(rules: readonly string[], forms: ReadonlyMap<string, string>): string | undefined {
  for (let index = rules.length - 1; index >= 0; index--) {
    const form = forms.get(rules[index]);
    if (form !== undefined) return form;
  }
  return undefined;
}
