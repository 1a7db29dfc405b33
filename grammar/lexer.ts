// Stage: grammar. Source text → tokens. One ordered token list, whose patterns a hand-written scanner
// follows (a keyword is read as a name and looked up in a table), then one pass that inserts virtual
// `Newline` terminators where a line break ends a statement: after a token that can end one (a name, a
// literal, `)`, `]`, `}`, `break`, `continue`, `return`, the `>` closing a type), outside parentheses and
// brackets, as Go and Swift do. A virtual terminator also goes before every `}` so that the last statement
// of a block needs no `;`.

import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { span, tokenSpan } from './span.ts';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

/**
 * Every keyword: the parser accepts one where a declaration names something (`fn run`, `let new`, `r.key`),
 * so that the AST builder reports one precise error instead of a cascade of recovery errors.
 */
export const ReservedWord = createToken({ name: 'ReservedWord', pattern: Lexer.NA, label: 'a name' });

/** Each keyword by its word: the scanner reads every word as an `Identifier` and looks it up here. */
const keywordByWord = new Map<string, TokenType>();

/** A keyword: no pattern of its own, since the scanner finds it by `keywordByWord` (see `scan`). */
function keyword(name: string, word: string): TokenType {
  const type = createToken({ name, pattern: Lexer.NA, label: `\`${word}\``, categories: [ReservedWord] });
  keywordByWord.set(word, type);
  return type;
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
/** A line break that ends a statement; never matched by the lexer, only inserted by `lex` (`Terminators`). */
export const Newline = createToken({ name: 'Newline', pattern: Lexer.NA, label: 'a line break' });

/**
 * The one ordered token list: comments before `/`, longer operators first. The keywords are the parser's
 * (tokens without a pattern match nothing; the scanner finds keywords by `keywordByWord`). The scanner
 * (`scan`) reads these patterns by hand, and tests/lexer.test.ts holds it to them.
 */
export const allTokens: readonly TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedComment,
  StringLiteral, UnterminatedString, SingleQuotedString, IntLiteral,
  ...keywordTokens, Identifier,
  OrOr, AndAnd, EqualEqual, NotEqual, LessEqual, GreaterEqual, Less, Greater,
  Plus, Minus, Star, Slash, Percent, Bang, Equals,
  LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, Semicolon, Dot,
  Newline, BinaryOperator, ReservedWord,
];

// Tokens carry offsets only: spans are offsets, and line breaks are found in the text (`lex`). Tracking
// lines and columns for every token took the lexer three times as long.

/**
 * A token of the one shape every token of Ent's has (the scanner's, the virtual terminators, replacements).
 * An object literal, not a class: V8 sees that the tokens of a long text outlive its young generation and
 * allocates them in the old one from then on, which it does for objects made by a literal only (a class's
 * tokens lexed as fast alone, but the whole parse was about 15 % slower for the copying of live tokens).
 */
function makeToken(image: string, startOffset: number, endOffset: number, type: TokenType): IToken {
  return { image, startOffset, endOffset, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
}

/** What the scanner hands on: every token in order, and every run of characters that starts no token. */
export interface TokenSink {
  token(token: IToken): void;
  error(offset: number, length: number): void;
}

// The scanner reads the patterns of `allTokens` by hand, choosing by the first character. The patterns stay
// on the token types, as the definition the scanner follows: tests/lexer.test.ts runs Chevrotain's lexer
// over them beside the scanner and asks for the same tokens and errors. Chevrotain's lexer tried each
// candidate pattern as a regular expression and put the tokens in an array that the terminator pass then
// copied; the scanner hands each token straight on.
const other = 0;
const space = 1;
const nameStart = 2;
const digit = 3;
/** A character that is a token by itself, whatever follows it. */
const single = 4;
/** A character whose token depends on the characters after it (`/`, `"`, `'`, `|`, `&`, `=`, `!`, `<`, `>`). */
const special = 5;

/** The kind of each ASCII character; every other character starts no token. */
const characterKinds = new Uint8Array(128);
/** Whether an ASCII character may continue a name. */
const nameCharacters = new Uint8Array(128);
/** The token type and image of each character of kind `single`. */
const singleTypes: TokenType[] = [];
const singleImages: string[] = [];
for (const character of ' \t\r\n\f\v') characterKinds[character.charCodeAt(0)] = space;
for (let code = 0; code < 128; code++) {
  const character = String.fromCharCode(code);
  if (/[A-Za-z_]/.test(character)) characterKinds[code] = nameStart;
  if (/[0-9]/.test(character)) characterKinds[code] = digit;
  if (/[A-Za-z0-9_]/.test(character)) nameCharacters[code] = 1;
}
for (const type of [Plus, Minus, Star, Percent, LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, Semicolon, Dot]) {
  const image = type.LABEL!.slice(1, -1);
  characterKinds[image.charCodeAt(0)] = single;
  singleTypes[image.charCodeAt(0)] = type;
  singleImages[image.charCodeAt(0)] = image;
}
for (const character of '/"\'|&=!<>') characterKinds[character.charCodeAt(0)] = special;

const slashCode = 47;
const starCode = 42;
const quoteCode = 34;
const apostropheCode = 39;
const backslashCode = 92;
const barCode = 124;
const ampersandCode = 38;
const equalsCode = 61;
const lineFeed = 10;
const carriageReturn = 13;

/**
 * Scans `text` into tokens, in order, as Chevrotain's lexer did over `allTokens`: at each offset the
 * first pattern in that list that matches there makes the token (so `//` before `/*` before `/`, and a
 * longer operator before its prefix); a keyword is a word found in `keywordByWord`. Where no pattern
 * matches, the characters up to the next offset where one does (or the end) are one error.
 */
export function scan(text: string, sink: TokenSink): void {
  const length = text.length;
  let offset = 0;
  while (offset < length) {
    const code = text.charCodeAt(offset);
    const kind = code < 128 ? characterKinds[code] : other;
    if (kind === space) {
      offset++;
      while (offset < length) {
        const next = text.charCodeAt(offset);
        if (next >= 128 || characterKinds[next] !== space) break;
        offset++;
      }
    } else if (kind === nameStart) {
      let end = offset + 1;
      while (end < length) {
        const next = text.charCodeAt(end);
        if (next >= 128 || nameCharacters[next] === 0) break;
        end++;
      }
      const image = text.slice(offset, end);
      const keyword = keywordByWord.get(image);
      sink.token(makeToken(image, offset, end - 1, keyword === undefined ? Identifier : keyword));
      offset = end;
    } else if (kind === single) {
      sink.token(makeToken(singleImages[code], offset, offset, singleTypes[code]));
      offset++;
    } else if (kind === digit) {
      let end = offset + 1;
      while (end < length) {
        const next = text.charCodeAt(end);
        if (next >= 128 || characterKinds[next] !== digit) break;
        end++;
      }
      sink.token(makeToken(text.slice(offset, end), offset, end - 1, IntLiteral));
      offset = end;
    } else {
      const end = kind === special ? scanSpecial(text, offset, code, sink) : -1;
      if (end !== -1) {
        offset = end;
      } else {
        let resume = offset + 1;
        while (resume < length && !startsToken(text, resume)) resume++;
        sink.error(offset, resume - offset);
        offset = resume;
      }
    }
  }
}

/**
 * The token (if any) at `offset`, which holds a character of kind `special`: hands it on (comments are
 * skipped) and returns the offset after it, or -1 where no pattern matches.
 */
function scanSpecial(text: string, offset: number, code: number, sink: TokenSink): number {
  const next = text.charCodeAt(offset + 1);
  switch (code) {
    case slashCode: {
      if (next === slashCode) {
        let end = offset + 2;
        while (end < text.length) {
          const character = text.charCodeAt(end);
          if (character === lineFeed || character === carriageReturn) break;
          end++;
        }
        return end;
      }
      if (next === starCode) {
        const close = text.indexOf('*/', offset + 2);
        if (close !== -1) return close + 2;
        sink.token(makeToken(text.slice(offset), offset, text.length - 1, UnterminatedComment));
        return text.length;
      }
      sink.token(makeToken('/', offset, offset, Slash));
      return offset + 1;
    }
    case quoteCode: {
      // As `stringMatcher`: to the closing quote, or else up to the end of the line or text.
      let index = offset + 1;
      for (; index < text.length; index++) {
        const character = text.charCodeAt(index);
        if (character === quoteCode) {
          sink.token(makeToken(text.slice(offset, index + 1), offset, index, StringLiteral));
          return index + 1;
        }
        if (character === lineFeed || character === carriageReturn) break;
        if (character === backslashCode && index + 1 < text.length) {
          const escaped = text.charCodeAt(index + 1);
          if (escaped !== lineFeed && escaped !== carriageReturn) index++;
        }
      }
      sink.token(makeToken(text.slice(offset, index), offset, index - 1, UnterminatedString));
      return index;
    }
    case apostropheCode: {
      const close = closingApostrophe(text, offset);
      if (close === -1) return -1;
      sink.token(makeToken(text.slice(offset, close + 1), offset, close, SingleQuotedString));
      return close + 1;
    }
    case barCode:
      if (next !== barCode) return -1;
      sink.token(makeToken('||', offset, offset + 1, OrOr));
      return offset + 2;
    case ampersandCode:
      if (next !== ampersandCode) return -1;
      sink.token(makeToken('&&', offset, offset + 1, AndAnd));
      return offset + 2;
    default: {
      // `=`, `!`, `<` or `>`, each alone or before `=`.
      const type = next === equalsCode ? withEquals[code] : alone[code];
      const image = next === equalsCode ? withEqualsImages[code] : aloneImages[code];
      const end = next === equalsCode ? offset + 2 : offset + 1;
      sink.token(makeToken(image, offset, end - 1, type));
      return end;
    }
  }
}

const alone: TokenType[] = [];
const aloneImages: string[] = [];
const withEquals: TokenType[] = [];
const withEqualsImages: string[] = [];
for (const [type, typeWithEquals] of [[Equals, EqualEqual], [Bang, NotEqual], [Less, LessEqual], [Greater, GreaterEqual]]) {
  const image = type.LABEL!.slice(1, -1);
  alone[image.charCodeAt(0)] = type;
  aloneImages[image.charCodeAt(0)] = image;
  withEquals[image.charCodeAt(0)] = typeWithEquals;
  withEqualsImages[image.charCodeAt(0)] = typeWithEquals.LABEL!.slice(1, -1);
}

/** The offset of the `'` closing the one at `offset` on its line (`SingleQuotedString`), or -1. */
function closingApostrophe(text: string, offset: number): number {
  for (let index = offset + 1; index < text.length; index++) {
    const character = text.charCodeAt(index);
    if (character === apostropheCode) return index;
    if (character === lineFeed || character === carriageReturn) return -1;
  }
  return -1;
}

/** Whether some pattern matches at `offset` (where the scanner resumes after characters that start none). */
function startsToken(text: string, offset: number): boolean {
  const code = text.charCodeAt(offset);
  const kind = code < 128 ? characterKinds[code] : other;
  if (kind !== special) return kind !== other;
  if (code === barCode || code === ampersandCode) return text.charCodeAt(offset + 1) === code;
  if (code === apostropheCode) return closingApostrophe(text, offset) !== -1;
  return true;
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly diagnostics: Diagnostic[];
  /** E0106 at the first token nested deeper than the parser may recurse (`NestingCheck`), if any. */
  readonly tooDeep: Diagnostic | undefined;
}

/**
 * Lexes `text` into tokens with virtual newline terminators, reporting bad characters as diagnostics and
 * checking the nesting of the tokens, all in one pass as the scanner hands the tokens on.
 */
export function lex(text: string, file: string): LexResult {
  const lexing = new Lexing(text, file);
  scan(text, lexing);
  const terminators = lexing.terminators;
  terminators.end();
  const diagnostics = lexing.tokenDiagnostics.length === 0 ? lexing.errors : [...lexing.errors, ...lexing.tokenDiagnostics];
  return { tokens: terminators.output, diagnostics, tooDeep: terminators.nesting.tooDeep };
}

/**
 * The scanner's tokens into the terminator pass, with the diagnostics of the lexer: first every bad
 * character (E0101), then the tokens that stand for a mistake, in order.
 */
class Lexing implements TokenSink {
  readonly terminators: Terminators;
  readonly errors: Diagnostic[] = [];
  readonly tokenDiagnostics: Diagnostic[] = [];

  constructor(private readonly text: string, private readonly file: string) {
    this.terminators = new Terminators(text, file);
  }

  error(offset: number, length: number): void {
    const character = String.fromCodePoint(this.text.codePointAt(offset) ?? 0);
    this.errors.push(
      diagnostic('E0101', `unexpected character ${JSON.stringify(character)}`,
        span(this.file, offset, offset + Math.max(1, length)), unexpectedCharacterHint(character)),
    );
  }

  token(token: IToken): void {
    const type = token.tokenType;
    const { file } = this;
    if (type === UnterminatedString) {
      this.tokenDiagnostics.push(diagnostic('E0102', 'unterminated string literal',
        span(file, token.startOffset, token.endOffset! + 1), 'close the string with `"` on the same line'));
      // Parse on as if the string were closed, so that one mistake does not hide the next.
      this.terminators.add(makeToken(`${token.image}"`, token.startOffset, token.endOffset!, StringLiteral));
    } else if (type === SingleQuotedString) {
      this.tokenDiagnostics.push(diagnostic('E0101', 'unexpected character "\'"', span(file, token.startOffset, token.endOffset! + 1),
        `Ent writes strings in double quotes: "${token.image.slice(1, -1).replace(/"/g, '\\"')}"`));
      this.terminators.add(makeToken(`"${token.image.slice(1, -1)}"`, token.startOffset, token.endOffset!, StringLiteral));
    } else if (type === UnterminatedComment) {
      this.tokenDiagnostics.push(diagnostic('E0104', 'unterminated block comment',
        span(file, token.startOffset, token.startOffset + 2), 'close the comment with `*/`'));
    } else {
      this.terminators.add(token);
    }
  }
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
  return makeToken('\n', at, at, Newline);
}

/** Whether a token at `offset` starts its line (the lexer counts `\n`, `\r\n` and `\r` as line breaks). */
export function startsLine(text: string, offset: number): boolean {
  if (offset === 0) return true;
  const before = text.charCodeAt(offset - 1);
  return before === 10 || before === 13;
}

/**
 * Inserts virtual `Newline` tokens (see the module comment) into the tokens it is given one by one, and
 * hands every token it outputs to the nesting check. Nesting is tracked so that line breaks inside
 * `( … )`, `[ … ]` and type arguments `list< … >` do not end anything. A `<` is taken for the start of
 * type arguments only after `list`, `map` or `future`, and given up as soon as a token appears that type
 * arguments cannot hold.
 */
class Terminators {
  readonly output: IToken[] = [];
  readonly nesting: NestingCheck;
  private readonly brackets: ('(' | '[' | '{' | '<')[] = [];
  private previous: IToken | undefined;
  private previousEnds = false;
  /**
   * The first `\n` at or after the end of the previous token: tokens come in order, so the text is
   * searched once from start to end.
   */
  private newlineAt: number;

  constructor(private readonly text: string, file: string) {
    this.newlineAt = text.indexOf('\n');
    this.nesting = new NestingCheck(file);
  }

  add(token: IToken): void {
    const type = token.tokenType;
    // Indexes are read from the token: tokens share one shape, token types have many.
    const index = token.tokenTypeIdx;
    const { brackets, output, previous } = this;
    let breaksLine = false;
    if (previous !== undefined) {
      const after = previous.endOffset! + 1;
      let newlineAt = this.newlineAt;
      while (newlineAt !== -1 && newlineAt < after) newlineAt = this.text.indexOf('\n', newlineAt + 1);
      this.newlineAt = newlineAt;
      breaksLine = newlineAt !== -1 && newlineAt < token.startOffset;
    }
    // Type arguments sit on one line: a line break (or a token they cannot hold) shows that a `<` after
    // a name such as `map` was a comparison after all.
    while (brackets[brackets.length - 1] === '<' && (breaksLine || !tokensInsideTypeArguments[index])) brackets.pop();
    const top = brackets[brackets.length - 1];
    const newlinesCount = top === '(' || top === '[' || top === '<' ? false : breaksLine && this.previousEnds;
    const lastOutput = output[output.length - 1];
    const needsCloser = type === RCurly && lastOutput !== undefined
      && lastOutput.tokenType !== LCurly && lastOutput.tokenType !== Semicolon && lastOutput.tokenType !== Newline;
    if (newlinesCount || needsCloser) {
      const newline = virtualNewline(newlinesCount ? previous!.endOffset! + 1 : token.startOffset);
      output.push(newline);
      this.nesting.add(newline);
    }
    output.push(token);
    this.nesting.add(token);
    // A keyword after `.` is a (wrongly) reserved member name, which ends a statement as a name does.
    const memberName = previous !== undefined && previous.tokenType === Dot && keywordTable[index];
    this.previousEnds = statementEnders[index] || memberName;
    if (type === LParen) brackets.push('(');
    else if (type === LBracket) brackets.push('[');
    else if (type === LCurly) brackets.push('{');
    else if (type === Less && previous !== undefined && previous.tokenType === Identifier && typeConstructors.has(previous.image)) {
      brackets.push('<');
      this.previousEnds = false;
    } else if (type === Greater && top === '<') {
      brackets.pop();
      this.previousEnds = true;
    } else if (type === RParen || type === RBracket || type === RCurly) {
      popMatching(brackets, type === RParen ? '(' : type === RBracket ? '[' : '{');
    }
    this.previous = token;
  }

  /** After the last token: a statement it ends gets its terminator. */
  end(): void {
    if (this.previous !== undefined && this.previousEnds) {
      // At the end of the text it has no character to stand on: it is empty, so that a span that ends
      // with it (the last statement's, the program's) ends within the text.
      const at = this.previous.endOffset! + 1;
      const newline = at < this.text.length ? virtualNewline(at) : makeToken('\n', at, at - 1, Newline);
      this.output.push(newline);
      this.nesting.add(newline);
    }
  }
}

function popMatching(nesting: ('(' | '[' | '{' | '<')[], opener: '(' | '[' | '{'): void {
  const index = nesting.lastIndexOf(opener);
  if (index >= 0) nesting.length = index;
}

/** The deepest nesting of brackets, blocks and type arguments, and the longest run of prefix operators. */
const bracketDepthMax = 64;
const prefixRunMax = 64;
/**
 * The most levels of brackets and prefix operators together: prefix operators before each of many nested
 * brackets (`!!!!(!!!!(…))`) nest the parser's rules as deeply as their product, which exhausted the
 * host's stack with each count within its own bound above. As deep as the later stages accept a tree.
 */
const nestingWeightMax = 256;
const elseIfChainMax = 200;

const openers = tokenTable([LParen, LBracket, LCurly]);
const closers = tokenTable([RParen, RBracket, RCurly, Greater]);
const prefixes = tokenTable([Bang, Minus, Await, Async]);
const operandEnders = tokenTable([Identifier, IntLiteral, StringLiteral, True, False, Self, RParen, RBracket, RCurly]);

/**
 * A recursive-descent parser (and every stage after it) recurses once per level of nesting, so a deeply
 * nested program would exhaust the host's stack: such programs are refused before parsing, with a
 * location, instead. Given the tokens the parser will read (virtual terminators included) one by one, it
 * keeps the first violation in `tooDeep`. (`-` counts as a prefix only where an operand is expected.)
 */
class NestingCheck {
  tooDeep: Diagnostic | undefined;
  private depth = 0;
  private prefixRun = 0;
  /** Per open bracket, the levels it adds: itself and the prefix operators right before it. */
  private readonly openWeights: number[] = [];
  /** The sum of `openWeights`. */
  private openWeight = 0;
  /** Per open bracket, whether it is the `<` of type arguments. */
  private readonly openTypeArguments: boolean[] = [];
  /** An `else if` nests the next `if` inside the last one: a chain of them is as deep as it is long. */
  private readonly elseIfRuns: number[] = new Array<number>(bracketDepthMax + 2).fill(0);
  private previous: IToken | undefined;

  constructor(private readonly file: string) {}

  /** Closes the innermost open bracket, if any (a closer without an opener is the parser's to report). */
  private close(): void {
    if (this.openWeights.length === 0) return;
    this.openWeight -= this.openWeights.pop()!;
    this.openTypeArguments.pop();
  }

  add(token: IToken): void {
    if (this.tooDeep !== undefined) return;
    const type = token.tokenType;
    const index = token.tokenTypeIdx;
    const previous = this.previous;
    const { elseIfRuns } = this;
    let depth = this.depth;
    if (type === If && previous !== undefined && previous.tokenType === Else) {
      elseIfRuns[depth]++;
      if (elseIfRuns[depth] > elseIfChainMax) {
        this.tooDeep = diagnostic('E0106', `this \`if\` chain has more than ${elseIfChainMax} \`else if\` branches`, tokenSpan(this.file, token),
          'look the case up in a map, or split the chain into methods');
        return;
      }
    } else if (type === Newline || type === Semicolon) {
      elseIfRuns[depth] = 0;
    }
    // Type arguments sit on one line and hold names, commas and angle brackets only: any other token shows
    // that a `<` after `map` or `list` was a comparison after all (as `insertNewlines` decides).
    while (this.openTypeArguments.at(-1) === true && !tokensInsideTypeArguments[index]) this.close();
    const typeArguments = type === Less && previous !== undefined && previous.tokenType === Identifier && typeConstructors.has(previous.image);
    if (openers[index] || typeArguments) {
      const weight = 1 + this.prefixRun;
      this.openWeights.push(weight);
      this.openTypeArguments.push(typeArguments);
      this.openWeight += weight;
    } else if (type === Greater) {
      // A `>` closes type arguments only; elsewhere it compares, and closes nothing.
      if (this.openTypeArguments.at(-1) === true) this.close();
    } else if (closers[index]) {
      this.close();
    }
    depth = this.openWeights.length;
    this.depth = depth;
    const operandExpected = previous === undefined || !operandEnders[previous.tokenTypeIdx];
    this.prefixRun = prefixes[index] && (type !== Minus || operandExpected) ? this.prefixRun + 1 : 0;
    const weight = this.openWeight + this.prefixRun;
    if (depth > bracketDepthMax || this.prefixRun > prefixRunMax || weight > nestingWeightMax) {
      const what = depth > bracketDepthMax ? `${bracketDepthMax} brackets or blocks`
        : this.prefixRun > prefixRunMax ? `${prefixRunMax} prefix operators` : `${nestingWeightMax} brackets and prefix operators`;
      this.tooDeep = diagnostic('E0106', `the program nests more than ${what} deep here`,
        tokenSpan(this.file, token), 'name an inner part with `let`, or split the code into methods');
      return;
    }
    this.previous = token;
  }
}
