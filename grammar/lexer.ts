// Stage: grammar. Source text → tokens. One ordered token list (keywords before identifiers, with
// `longer_alt`), then one pass that inserts virtual `Newline` terminators where a line break ends a
// statement: after a token that can end one (a name, a literal, `)`, `]`, `}`, `break`, `continue`,
// `return`, the `>` closing a type), outside parentheses and brackets, as Go and Swift do. A virtual
// terminator also goes before every `}` so that the last statement of a block needs no `;`.

import type { IToken, TokenType } from 'chevrotain';
import { createToken, createTokenInstance, Lexer } from './chevrotain.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { span } from './span.ts';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

/**
 * Every keyword: the parser accepts one where a declaration names something (`fn run`, `let new`, `r.key`),
 * so that the AST builder reports one precise error instead of a cascade of recovery errors.
 */
export const ReservedWord = createToken({ name: 'ReservedWord', pattern: Lexer.NA, label: 'a name' });

function keyword(name: string, word: string): TokenType {
  return createToken({
    name, pattern: new RegExp(`${word}\\b`), longer_alt: Identifier, label: `\`${word}\``, categories: [ReservedWord],
  });
}

export const Entity = keyword('Entity', 'entity');
export const Key = keyword('Key', 'key');
export const Fn = keyword('Fn', 'fn');
export const Init = keyword('Init', 'init');
export const Run = keyword('Run', 'run');
export const Let = keyword('Let', 'let');
export const If = keyword('If', 'if');
export const Else = keyword('Else', 'else');
export const While = keyword('While', 'while');
export const For = keyword('For', 'for');
export const In = keyword('In', 'in');
export const Break = keyword('Break', 'break');
export const Continue = keyword('Continue', 'continue');
export const Return = keyword('Return', 'return');
export const Abort = keyword('Abort', 'abort');
export const Print = keyword('Print', 'print');
export const New = keyword('New', 'new');
export const Self = keyword('Self', 'self');
export const True = keyword('True', 'true');
export const False = keyword('False', 'false');
export const Async = keyword('Async', 'async');
export const Await = keyword('Await', 'await');

/**
 * `on` and `by` are contextual: they are names (`on: bool`, `fn grow(by: int)`) everywhere except where a
 * consumer is declared, `on NAME(event: T) by KEY { … }`, which the parser recognizes by its shape.
 */
export const contextualOn = 'on';
export const contextualBy = 'by';

/**
 * `stream`, `emit` and `seal` are contextual too: programs written before streams may use them as names
 * (`let stream = …`, `fn emit()`), and must run unchanged. The parser recognizes the forms
 * `stream NAME: T`, `emit NAME e` and `seal NAME` by their shape: the word, then a name.
 */
export const contextualStream = 'stream';
export const contextualEmit = 'emit';
export const contextualSeal = 'seal';

/**
 * `update` and `migrate` are contextual as well (`a.update(…)` is a method of programs written before
 * live updates): `update NAME { … }` is a run-block statement, and `migrate { … }` a member of its body
 * only, recognized by the word followed by `{`.
 */
export const contextualUpdate = 'update';
export const contextualMigrate = 'migrate';

export const keywordTokens: readonly TokenType[] = [
  Entity, Key, Fn, Init, Run, Let, If, Else, While, For, In, Break, Continue, Return, Abort, Print, New,
  Self, True, False, Async, Await,
];

export const IntLiteral = createToken({ name: 'IntLiteral', pattern: /[0-9]+/, label: 'an integer' });

/**
 * A string literal scanned by a loop, not a regular expression: a pattern with an alternation under `*`
 * backtracks through the regular-expression engine's stack, which a string of millions of characters
 * overflows. `closed` asks for a closing quote; without one the literal runs to the end of its line.
 */
function stringMatcher(closed: boolean): (text: string, offset: number) => RegExpExecArray | null {
  return (text, offset) => {
    if (text.charCodeAt(offset) !== 34) return null;
    let index = offset + 1;
    for (; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === 34) break;
      if (code === 10 || code === 13) return closed ? null : matched(text.slice(offset, index));
      // A backslash takes the next character with it, whatever it is (the AST builder checks escapes).
      if (code === 92 && index + 1 < text.length && text.charCodeAt(index + 1) !== 10 && text.charCodeAt(index + 1) !== 13) index++;
    }
    if (index >= text.length) return closed ? null : matched(text.slice(offset));
    return closed ? matched(text.slice(offset, index + 1)) : null;
  };
}

function matched(image: string): RegExpExecArray {
  const result = [image] as unknown as RegExpExecArray;
  return result;
}

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: { exec: stringMatcher(true) },
  line_breaks: false,
  start_chars_hint: ['"'],
  label: 'a string',
});
const UnterminatedString = createToken({
  name: 'UnterminatedString', pattern: { exec: stringMatcher(false) }, line_breaks: false, start_chars_hint: ['"'],
});
/** `'…'`: a string in another language's quotes, reported once and then read as a string. */
const SingleQuotedString = createToken({ name: 'SingleQuotedString', pattern: /'[^'\n\r]*'/, line_breaks: false });
const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/ });
const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });

function punctuation(name: string, text: string, categories?: TokenType[]): TokenType {
  const escaped = text.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&');
  const config = { name, pattern: new RegExp(escaped), label: `\`${text}\`` };
  return createToken(categories === undefined ? config : { ...config, categories });
}

/**
 * Every binary operator: the parser reads an expression as operands separated by them, and the AST
 * builder groups them by precedence (grammar/ast-builder.ts), so that an operand costs the parser one rule
 * and not one per precedence level.
 */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });

export const OrOr = punctuation('OrOr', '||', [BinaryOperator]);
export const AndAnd = punctuation('AndAnd', '&&', [BinaryOperator]);
export const EqualEqual = punctuation('EqualEqual', '==', [BinaryOperator]);
export const NotEqual = punctuation('NotEqual', '!=', [BinaryOperator]);
export const LessEqual = punctuation('LessEqual', '<=', [BinaryOperator]);
export const GreaterEqual = punctuation('GreaterEqual', '>=', [BinaryOperator]);
export const Less = punctuation('Less', '<', [BinaryOperator]);
export const Greater = punctuation('Greater', '>', [BinaryOperator]);
export const Plus = punctuation('Plus', '+', [BinaryOperator]);
export const Minus = punctuation('Minus', '-', [BinaryOperator]);
export const Star = punctuation('Star', '*', [BinaryOperator]);
export const Slash = punctuation('Slash', '/', [BinaryOperator]);
export const Percent = punctuation('Percent', '%', [BinaryOperator]);
export const Bang = punctuation('Bang', '!');
export const Equals = punctuation('Equals', '=');
export const LCurly = punctuation('LCurly', '{');
export const RCurly = punctuation('RCurly', '}');
export const LParen = punctuation('LParen', '(');
export const RParen = punctuation('RParen', ')');
export const LBracket = punctuation('LBracket', '[');
export const RBracket = punctuation('RBracket', ']');
export const Comma = punctuation('Comma', ',');
export const Colon = punctuation('Colon', ':');
export const Semicolon = punctuation('Semicolon', ';');
export const Dot = punctuation('Dot', '.');
/** A line break that ends a statement; never matched by the lexer, only inserted by `insertNewlines`. */
export const Newline = createToken({ name: 'Newline', pattern: Lexer.NA, label: 'a line break' });

/** The one ordered token list: comments before `/`, keywords before identifiers, longer operators first. */
export const allTokens: readonly TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedComment,
  StringLiteral, UnterminatedString, SingleQuotedString, IntLiteral,
  ...keywordTokens, Identifier,
  OrOr, AndAnd, EqualEqual, NotEqual, LessEqual, GreaterEqual, Less, Greater,
  Plus, Minus, Star, Slash, Percent, Bang, Equals,
  LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, Semicolon, Dot,
  Newline, BinaryOperator, ReservedWord,
];

// Tokens carry offsets only: spans are offsets, and line breaks are found in the text (`insertNewlines`).
// Tracking lines and columns for every token took the lexer three times as long.
const lexer = new Lexer(allTokens as TokenType[], { positionTracking: 'onlyOffset', ensureOptimizations: false });

export interface LexResult {
  readonly tokens: IToken[];
  readonly diagnostics: Diagnostic[];
}

/** Lexes `text` into tokens with virtual newline terminators, reporting bad characters as diagnostics. */
export function lex(text: string, file: string): LexResult {
  const result = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    const character = String.fromCodePoint(text.codePointAt(error.offset) ?? 0);
    diagnostics.push(
      diagnostic('E0101', `unexpected character ${JSON.stringify(character)}`,
        span(file, error.offset, error.offset + Math.max(1, error.length)), unexpectedCharacterHint(character)),
    );
  }
  const tokens: IToken[] = [];
  for (const token of result.tokens) {
    // The lexer gives the start offset only; a token's text is its image, so its end follows.
    token.endOffset = token.startOffset + token.image.length - 1;
    if (token.tokenType === UnterminatedString) {
      diagnostics.push(diagnostic('E0102', 'unterminated string literal',
        span(file, token.startOffset, token.endOffset! + 1), 'close the string with `"` on the same line'));
      // Parse on as if the string were closed, so that one mistake does not hide the next.
      tokens.push(createTokenInstance(StringLiteral, `${token.image}"`, token.startOffset, token.endOffset!, NaN, NaN, NaN, NaN));
    } else if (token.tokenType === SingleQuotedString) {
      diagnostics.push(diagnostic('E0101', 'unexpected character "\'"', span(file, token.startOffset, token.endOffset! + 1),
        `Ent writes strings in double quotes: "${token.image.slice(1, -1).replace(/"/g, '\\"')}"`));
      tokens.push(createTokenInstance(StringLiteral, `"${token.image.slice(1, -1)}"`, token.startOffset, token.endOffset!, NaN, NaN, NaN, NaN));
    } else if (token.tokenType === UnterminatedComment) {
      diagnostics.push(diagnostic('E0104', 'unterminated block comment',
        span(file, token.startOffset, token.startOffset + 2), 'close the comment with `*/`'));
    } else {
      tokens.push(token);
    }
  }
  return { tokens: insertNewlines(tokens, text), diagnostics };
}

/** What a character that Ent does not use most likely meant. */
function unexpectedCharacterHint(character: string): string {
  if (character === "'") return 'Ent writes strings in double quotes: "…"';
  if (character === '#') return 'comments start with `//`, or are written `/* … */`';
  if (character === '&' || character === '|') return `Ent's logical operators are \`&&\` and \`||\``;
  return 'Ent source uses ASCII names, operators and string literals; remove or quote this character';
}

/** A table of token types, by each type's index (faster than a set of types on a hot path). */
function tokenTable(types: readonly TokenType[]): boolean[] {
  const table: boolean[] = [];
  for (const type of allTokens) table[type.tokenTypeIdx!] = types.includes(type);
  return table;
}

const statementEnders = tokenTable([
  Identifier, IntLiteral, StringLiteral, True, False, Self, Break, Continue, Return, RParen, RBracket, RCurly,
]);
const keywordTable = tokenTable(keywordTokens);
const typeConstructors = new Set(['list', 'map', 'future']);
const tokensInsideTypeArguments = tokenTable([Identifier, Comma, Less, Greater]);

/** A virtual terminator at offset `at` (tokens carry offsets, not lines and columns). */
function virtualNewline(at: number): IToken {
  return createTokenInstance(Newline, '\n', at, at, NaN, NaN, NaN, NaN);
}

/** Whether a token at `offset` starts its line (the lexer counts `\n`, `\r\n` and `\r` as line breaks). */
export function startsLine(text: string, offset: number): boolean {
  if (offset === 0) return true;
  const before = text.charCodeAt(offset - 1);
  return before === 10 || before === 13;
}

/**
 * Inserts virtual `Newline` tokens (see the module comment). Nesting is tracked so that line breaks
 * inside `( … )`, `[ … ]` and type arguments `list< … >` do not end anything. A `<` is taken for the
 * start of type arguments only after `list`, `map` or `future`, and given up as soon as a token appears
 * that type arguments cannot hold.
 */
export function insertNewlines(tokens: readonly IToken[], text: string): IToken[] {
  const output: IToken[] = [];
  const nesting: ('(' | '[' | '{' | '<')[] = [];
  let previous: IToken | undefined;
  let previousEnds = false;
  // The first `\n` at or after the end of the previous token: tokens come in order, so the text is
  // searched once from start to end.
  let newlineAt = text.indexOf('\n');
  for (const token of tokens) {
    const type = token.tokenType;
    let breaksLine = false;
    if (previous !== undefined) {
      const after = previous.endOffset! + 1;
      while (newlineAt !== -1 && newlineAt < after) newlineAt = text.indexOf('\n', newlineAt + 1);
      breaksLine = newlineAt !== -1 && newlineAt < token.startOffset;
    }
    // Type arguments sit on one line: a line break (or a token they cannot hold) shows that a `<` after
    // a name such as `map` was a comparison after all.
    while (nesting[nesting.length - 1] === '<' && (breaksLine || !tokensInsideTypeArguments[type.tokenTypeIdx!])) nesting.pop();
    const top = nesting[nesting.length - 1];
    const newlinesCount = top === '(' || top === '[' || top === '<' ? false : breaksLine && previousEnds;
    const lastOutput = output[output.length - 1];
    const needsCloser = type === RCurly && lastOutput !== undefined
      && lastOutput.tokenType !== LCurly && lastOutput.tokenType !== Semicolon && lastOutput.tokenType !== Newline;
    if (newlinesCount || needsCloser) {
      output.push(virtualNewline(newlinesCount ? previous!.endOffset! + 1 : token.startOffset));
    }
    output.push(token);
    // A keyword after `.` is a (wrongly) reserved member name, which ends a statement as a name does.
    const memberName = previous?.tokenType === Dot && keywordTable[type.tokenTypeIdx!];
    previousEnds = statementEnders[type.tokenTypeIdx!] || memberName;
    if (type === LParen) nesting.push('(');
    else if (type === LBracket) nesting.push('[');
    else if (type === LCurly) nesting.push('{');
    else if (type === Less && previous?.tokenType === Identifier && typeConstructors.has(previous.image)) {
      nesting.push('<');
      previousEnds = false;
    } else if (type === Greater && top === '<') {
      nesting.pop();
      previousEnds = true;
    } else if (type === RParen || type === RBracket || type === RCurly) {
      popMatching(nesting, type === RParen ? '(' : type === RBracket ? '[' : '{');
    }
    previous = token;
  }
  if (previous !== undefined && previousEnds) {
    output.push(virtualNewline(previous.endOffset! + 1));
  }
  return output;
}

function popMatching(nesting: ('(' | '[' | '{' | '<')[], opener: '(' | '[' | '{'): void {
  const index = nesting.lastIndexOf(opener);
  if (index >= 0) nesting.length = index;
}
