// The scanner of grammar/lexer.ts against the definition it follows: Chevrotain's lexer built from the
// token patterns of `allTokens` (the lexer Ent used before the scanner was written by hand), which must give
// the same tokens (type, image, offsets) and the same errors (offset, length) on every input: the corpus,
// the examples, the bad-input files, mutations of them, and random strings of the characters and pieces
// where the two could part (quotes, escapes, comments, lone `|` and `&`, line breaks, characters outside
// ASCII).

import test from 'ava';
import type { IToken, TokenType } from 'chevrotain';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { Lexer } from '../grammar/chevrotain.ts';
import { allTokens, Identifier, keywordTokens, lex, scan } from '../grammar/lexer.ts';
import { files } from './bad-input/cases.ts';

/** Chevrotain's lexer over the same patterns; a word that is a keyword becomes that keyword's token. */
const reference = new Lexer(allTokens as TokenType[], { positionTracking: 'onlyOffset', ensureOptimizations: true });
const keywords = new Map(keywordTokens.map((type) => [String(type.LABEL).slice(1, -1), type]));

interface Scanned {
  readonly tokens: string[];
  readonly errors: string[];
}

function describe(token: IToken, type: TokenType, endOffset: number): string {
  return `${type.name} ${JSON.stringify(token.image)} ${token.startOffset}-${endOffset}`;
}

function byReference(text: string): Scanned {
  const result = reference.tokenize(text);
  return {
    tokens: result.tokens.map((token) => {
      const type = token.tokenType === Identifier ? keywords.get(token.image) ?? Identifier : token.tokenType;
      return describe(token, type, token.startOffset + token.image.length - 1);
    }),
    errors: result.errors.map((error) => `${error.offset}+${error.length}`),
  };
}

function byScanner(text: string): Scanned {
  const tokens: string[] = [];
  const errors: string[] = [];
  scan(text, {
    token: (token) => tokens.push(describe(token, token.tokenType, token.endOffset!)),
    error: (offset, length) => errors.push(`${offset}+${length}`),
  });
  return { tokens, errors };
}

function entFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ent'))
    .sort()
    .map((file) => readFileSync(join(folder, file), 'utf8'));
}

const seeds = [...entFiles('corpus'), ...entFiles('examples')];
for (const content of Object.values(files)) if (typeof content === 'string') seeds.push(content);

/** Pieces of text where a hand-written scanner could part from the patterns. */
const pieces = ['a', 'Z_9', '_', 'entity', 'if', 'elsewhere', 'fn', 'true', '0', '42', ' ', '  ', '\n', '\r', '\r\n', '\t',
  '\f', '\v', '"', '\\', '\\"', '\'', '/', '*', '//', '/*', '*/', '|', '||', '&', '&&', '=', '==', '!', '!=', '<', '<=', '>',
  '>=', '+', '-', '%', '{', '}', '(', ')', '[', ']', ',', ':', ';', '.', '#', '$', '@', '`', '~', '?', '^', '\0', 'é', '😀',
  '\u00a0', '\u2028', '\ud800'];

function randomTexts(count: number): string[] {
  const random = seedrandom('ent-scanner');
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const length = Math.floor(random() * 24);
    let text = '';
    for (let piece = 0; piece < length; piece++) text += pieces[Math.floor(random() * pieces.length)];
    texts.push(text);
  }
  return texts;
}

function mutated(texts: readonly string[], perText: number): string[] {
  const random = seedrandom('ent-scanner-mutations');
  const result: string[] = [];
  for (const text of texts) {
    for (let index = 0; index < perText; index++) {
      const at = Math.floor(random() * (text.length + 1));
      const piece = pieces[Math.floor(random() * pieces.length)];
      result.push(random() < 0.5 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8)));
    }
  }
  return result;
}

function compare(t: import('ava').ExecutionContext, texts: readonly string[]): void {
  let differences = 0;
  for (const text of texts) {
    const expected = byReference(text);
    const actual = byScanner(text);
    if (JSON.stringify(expected) === JSON.stringify(actual)) continue;
    differences++;
    if (differences <= 3) t.deepEqual(actual, expected, JSON.stringify(text));
  }
  t.is(differences, 0);
}

test('the scanner gives the tokens and errors of the token patterns on the corpus, examples and bad-input files', (t) => {
  compare(t, seeds);
});

test('the scanner gives the tokens and errors of the token patterns on mutated programs', (t) => {
  compare(t, mutated(seeds, 40));
});

test('the scanner gives the tokens and errors of the token patterns on random strings', (t) => {
  compare(t, randomTexts(30_000));
});

test('a word that is a keyword gets the keyword\'s token, any other word is a name', (t) => {
  const types = lex('entity entitys self _self', 'a.ent').tokens.map((token) => token.tokenType.name);
  t.deepEqual(types, ['Entity', 'Identifier', 'Self', 'Identifier', 'Newline']);
});
