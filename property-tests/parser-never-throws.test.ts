// Property (grammar + semantics/check): "Parsing and checking are total: they return diagnostics and
// never throw". `compile(text, file)` is fed random strings (full Unicode, lone surrogates, ASCII-heavy),
// soups of Ent's own tokens, mutations of the real programs in examples/ and corpus/, and deep nesting
// (refused with E0106 before it can exhaust the stack). On every input it must return, and every
// diagnostic it returns must have a catalog code, a span inside the text, a non-empty message and hint, and must
// render. Negative controls show the property can fail. Runs scale with ENT_RUNS (a multiplier:
// ENT_RUNS=100 for a long hunt); a failure prints {seed, path}.

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCatalogCode } from '../diagnostics/catalog.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { renderDiagnostic } from '../diagnostics/render.ts';
import { sourceText } from '../grammar/span.ts';
import { compile, type CompileResult } from '../semantics/compile.ts';

const runs = (base: number): number => Math.max(1, Math.round(base * Number(process.env.ENT_RUNS ?? 1)));
const file = 'fuzz.ent';

// --- The property -------------------------------------------------------------------------------

function assertWellFormed(entry: Diagnostic, text: string): void {
  assert.ok(isCatalogCode(entry.code), `code ${entry.code} is not in diagnostics/catalog.ts`);
  assert.ok(entry.severity === 'error' || entry.severity === 'warning', `severity ${entry.severity}`);
  assert.equal(entry.span.file, file);
  const { start, end } = entry.span;
  assert.ok(Number.isInteger(start) && Number.isInteger(end), `span ${start}..${end} is not integral`);
  assert.ok(0 <= start && start <= end && end <= text.length, `span ${start}..${end} outside 0..${text.length}`);
  assert.ok(typeof entry.message === 'string' && entry.message.trim() !== '', `${entry.code}: empty message`);
  assert.ok(typeof entry.hint === 'string' && entry.hint.trim() !== '', `${entry.code}: empty hint`);
  const source = sourceText(file, text);
  assert.ok(renderDiagnostic(entry, () => source).includes(entry.code));
}

/** The theorem, for one compiler: it returns, and a result without a program carries an error. */
function totalOn(compiler: (text: string, file: string) => CompileResult) {
  return (text: string): void => {
    const result = compiler(text, file);
    for (const entry of result.diagnostics) assertWellFormed(entry, text);
    if (result.program === undefined) {
      assert.ok(result.diagnostics.some((entry) => entry.severity === 'error'), 'no program and no error');
    }
  };
}

// --- Inputs (a): random strings ------------------------------------------------------------------

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const entyCharacter = fc.constantFrom(...'{}()[]<>=!&|+-*/%.,:;"\\ \t\n\r_aZ09'.split(''));
const randomString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),           // any code point
  fc.string({ unit: codeUnit, maxLength: 200 }),           // lone surrogates included
  fc.string({ maxLength: 200 }),                           // printable ASCII
  fc.string({ unit: entyCharacter, maxLength: 200 }),      // ASCII of Ent's own punctuation
);

// --- Inputs (b): token soups ---------------------------------------------------------------------

const keywords = ['entity', 'key', 'fn', 'init', 'run', 'let', 'if', 'else', 'while', 'for', 'in', 'break',
  'continue', 'return', 'abort', 'print', 'new', 'self', 'true', 'false', 'async', 'await'];
const builtinNames = ['int', 'bool', 'string', 'list', 'map', 'future', 'void', 'str', 'min', 'max', 'abs',
  'len', 'push', 'contains', 'has', 'keys', 'remove'];
const operators = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '!', '=', '{', '}',
  '(', ')', '[', ']', ',', ':', ';', '.', '//', '/*', '*/'];
const identifier = fc.oneof(
  fc.constantFrom('x', 'y', 'Item', 'User', 'a', 'b', 'self_', 'amount', 'price', 'id', 'n', '_'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/),
);
const literal = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.constantFrom('9007199254740991', '9007199254740992', '99999999999999999999999', '00'),
  fc.constantFrom('""', '"a"', '"\\n\\t\\"\\\\"', '"\\q"', '"open', '"é☃"'),
);
const soupToken = fc.oneof(
  { arbitrary: fc.constantFrom(...keywords), weight: 4 },
  { arbitrary: fc.constantFrom(...builtinNames), weight: 2 },
  { arbitrary: fc.constantFrom(...operators), weight: 5 },
  { arbitrary: identifier, weight: 4 },
  { arbitrary: literal, weight: 2 },
  { arbitrary: fc.constantFrom('\n', '\n\n', '\r\n'), weight: 2 },
);
const separator = fc.constantFrom(' ', ' ', '', '\n', '\t');
const tokenSoup = fc.array(fc.tuple(soupToken, separator), { maxLength: 80 })
  .map((pairs) => pairs.map(([token, space]) => token + space).join(''));

// --- Inputs (c): mutations of real programs ------------------------------------------------------

const root = fileURLToPath(new URL('../../', import.meta.url));

function entFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return entFiles(path);
    return name.endsWith('.ent') ? [readFileSync(path, 'utf8')] : [];
  });
}

const seedPrograms = [...entFiles(join(root, 'examples')), ...entFiles(join(root, 'corpus'))];
// Whitespace runs, comments, strings, names, numbers, two-character operators, any other character.
const tokenPattern = /\s+|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\|\||&&|[=!<>]=|[^]/gu;

type Mutation =
  | { readonly kind: 'delete' | 'duplicate'; readonly at: number }
  | { readonly kind: 'swap' | 'replace'; readonly at: number; readonly other: number }
  | { readonly kind: 'insert'; readonly at: number; readonly token: string }
  | { readonly kind: 'character'; readonly at: number; readonly replacement: string }
  | { readonly kind: 'truncate'; readonly at: number };

const position = fc.nat({ max: 100_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: position }),
  fc.record({ kind: fc.constant('swap' as const), at: position, other: position }),
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), at: position, other: position }), weight: 5 },
  fc.record({ kind: fc.constant('insert' as const), at: position, token: soupToken }),
  fc.record({ kind: fc.constant('character' as const), at: position,
    replacement: fc.oneof(fc.constant(''), entyCharacter, fc.string({ unit: 'binary', maxLength: 2 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let tokens: string[] = text.match(tokenPattern) ?? [];
  for (const change of mutations) {
    const at = tokens.length === 0 ? 0 : change.at % tokens.length;
    switch (change.kind) {
      case 'delete': tokens.splice(at, 1); break;
      case 'duplicate': tokens.splice(at, 0, tokens[at] ?? ''); break;
      case 'swap': {
        const other = tokens.length === 0 ? 0 : change.other % tokens.length;
        [tokens[at], tokens[other]] = [tokens[other] ?? '', tokens[at] ?? ''];
        break;
      }
      case 'replace': {
        // Another token of the same class from the program: most such mutants still parse, so the
        // checker (not only the parser) sees them.
        const alike = tokens.filter((token) => tokenClass(token) === tokenClass(tokens[at] ?? ''));
        if (alike.length > 0) tokens[at] = alike[change.other % alike.length];
        break;
      }
      case 'insert': tokens.splice(at, 0, change.token); break;
      case 'character': {
        const joined = tokens.join('');
        const offset = joined.length === 0 ? 0 : change.at % joined.length;
        tokens = (joined.slice(0, offset) + change.replacement + joined.slice(offset + 1)).match(tokenPattern) ?? [];
        break;
      }
      case 'truncate': tokens = tokens.slice(0, at); break;
      default: assertNever(change);
    }
  }
  return tokens.join('');
}

function tokenClass(token: string): string {
  if (/^\s/.test(token)) return 'space';
  if (keywords.includes(token)) return 'keyword';
  if (/^[A-Za-z_]/.test(token)) return 'name';
  if (/^[0-9"]/.test(token)) return 'literal';
  if (/^[-+*%<>=!|&]|^\/$/.test(token)) return 'operator';
  return token;
}

function assertNever(value: never): never {
  throw new Error(`assertion: unexpected mutation ${JSON.stringify(value)}`);
}

const mutatedProgram = fc.tuple(seedPrograms.length > 0 ? fc.constantFrom(...seedPrograms) : fc.constant(''), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([program, mutations]) => mutate(program, mutations));

// --- Inputs (d): deep nesting, which random text almost never reaches --------------------------

const nestings: readonly ((depth: number) => string)[] = [
  (depth) => `run {\n  print ${'('.repeat(depth)}1${')'.repeat(depth)}\n}\n`,
  (depth) => `run {\n  print ${'['.repeat(depth)}1${']'.repeat(depth)}\n}\n`,
  (depth) => `run {\n  print ${'!'.repeat(depth)}true\n}\n`,
  (depth) => `run {\n  print 1${' + 1'.repeat(depth)}\n}\n`,
  (depth) => `run {\n${'if true {\n'.repeat(depth)}print 1\n${'}\n'.repeat(depth)}}\n`,
  (depth) => `entity A {\n  key id: int\n  f: ${'list<'.repeat(depth)}int${'>'.repeat(depth)}\n}\n`,
  (depth) => `run {\n  print ${'('.repeat(depth)}\n}\n`,
];
const deeplyNested = fc.tuple(fc.nat({ max: nestings.length - 1 }), fc.integer({ min: 1, max: 5000 }))
  .map(([which, depth]) => nestings[which](depth));

// --- Tests ---------------------------------------------------------------------------------------

const theorem = 'Parsing and checking are total: they return diagnostics and never throw';

test(`${theorem} (random strings)`, (t) => {
  fc.assert(fc.property(randomString, totalOn(compile)), { numRuns: runs(1500) });
  t.pass();
});

test(`${theorem} (token soups)`, (t) => {
  fc.assert(fc.property(tokenSoup, totalOn(compile)), { numRuns: runs(1500) });
  t.pass();
});

test(`${theorem} (mutated programs)`, (t) => {
  t.true(seedPrograms.length > 0, 'no .ent files found under examples/ or corpus/');
  fc.assert(fc.property(mutatedProgram, totalOn(compile)), { numRuns: runs(1500) });
});

// Known failure (reported): the parser overflows the stack at 149 nested parentheses, the checker at a
// chain of about 1,900 `+`. When they return diagnostics instead, ava reports this test as passing
// unexpectedly: then make it a plain `test`.
test(`${theorem} (deep nesting)`, (t) => {
  fc.assert(fc.property(deeplyNested, totalOn(compile)), { numRuns: runs(100) });
  t.pass();
});

test('the real programs compile without diagnostics (the mutations start from valid code)', (t) => {
  // Corpus programs that expect a static error are seeds too, but not valid ones.
  for (const program of seedPrograms.filter((text) => !text.includes('// expect error'))) t.deepEqual(compile(program, file).diagnostics, []);
});

// Negative controls: the same property over compilers with a planted fault must fail, with a seed.
test('negative control: a compiler that throws is caught, with a seed and a path', (t) => {
  const throwing = (text: string, name: string): CompileResult => {
    if (text.includes('while')) throw new Error('planted fault');
    return compile(text, name);
  };
  const details = fc.check(fc.property(tokenSoup, totalOn(throwing)), { numRuns: 2000 });
  t.true(details.failed);
  t.is(typeof details.seed, 'number');
  t.is(typeof details.counterexamplePath, 'string');
  t.is(String(details.counterexample?.[0]).trim(), 'while');   // shrunk to the one token that trips it
});

test('negative control: a diagnostic with a span past the text is caught', (t) => {
  const overreaching = (text: string, name: string): CompileResult => {
    const result = compile(text, name);
    const widened = result.diagnostics.map((entry) => ({ ...entry, span: { ...entry.span, end: text.length + 1 } }));
    return { ...result, diagnostics: widened };
  };
  const details = fc.check(fc.property(mutatedProgram, totalOn(overreaching)), { numRuns: 200 });
  t.true(details.failed);
  t.is(typeof details.seed, 'number');
});
