// Differential check of two builds' front ends (grammar/): the parse of every program and REPL input of
// corpus/, examples/ and the bad-input suite, three mutations of each at 39 places, and programs that
// nest just below, at and above every limit of E0106, must give the same result in both builds: the same
// AST with every span (compared strictly, key order and `undefined` members included) or the same
// diagnostics. A change that should not change what the parser gives (a faster lexer, parser or depth
// check) is measured against the build before it: `cp -r build /tmp/before` first, then
// `node build/scripts/front-end-diff.js /tmp/before build`. Before comparing, it checks itself on a
// deliberately broken front end (the first build's, with one span or one diagnostic moved by a character)
// and fails unless every broken result is caught; it compares the grammars Chevrotain recorded from the
// two parsers; and where the second parser bounds the height of the trees it builds (`treeHeightBound`,
// which spares the depth check a walk of the tree), it checks the bound against every tree's height.
// Exits 1 on any difference.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { pathToFileURL } from 'node:url';

interface FrontEnd {
  parse(text: string, file: string): { program: unknown; diagnostics: readonly unknown[] };
  parseReplInput(text: string, file: string): { input: unknown; diagnostics: readonly unknown[] };
}

const [directoryA, directoryB] = process.argv.slice(2);
if (directoryA === undefined || directoryB === undefined) {
  throw new Error('usage: node build/scripts/front-end-diff.js BUILD_BEFORE BUILD_AFTER');
}

async function load(directory: string, path: string): Promise<any> {
  return import(pathToFileURL(resolve(directory, path)).href);
}

const before = (await load(directoryA, 'grammar/index.js')) as FrontEnd;
const after = (await load(directoryB, 'grammar/index.js')) as FrontEnd;
/** The second build's parser, if it bounds the height of the tree it builds (grammar/parser.ts). */
const boundingParser = (await load(directoryB, 'grammar/parser.js')).parser as { treeHeightBound?: number };
const badInput = await load(directoryB, 'tests/bad-input/cases.js');

// ------------------------------------------------------------------------------------------ inputs

function entFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ent'))
    .sort()
    .map((file) => readFileSync(join(folder, file), 'utf8'));
}

const seeds: string[] = [...entFiles('corpus'), ...entFiles('examples')];
for (const content of Object.values(badInput.files as Record<string, string | Uint8Array>)) {
  if (typeof content === 'string') seeds.push(content);
}
for (const entry of badInput.cases as { stdin?: string }[]) if (entry.stdin !== undefined) seeds.push(entry.stdin);

/** What the mutations insert: brackets, keywords, operators, quotes and line breaks. */
const insertions = ['{', '}', '(', ')', '[', ']', '<', '>', '\n', ';', ',', '.', '"', '+', '-', '!', '=', 'if ', 'else ',
  'let ', 'fn ', 'return ', 'list<', 'map<', ' entity ', 'run ', '/*', '//', '\\', '\'', '@', 'x', '1', ' stream s: int\n',
  'emit ', 'on ', ' by ', 'update ', 'migrate {'];

/** Three mutations at each of 39 places spread over the text: delete, insert, and cut up to the next line. */
function mutations(text: string, seedIndex: number): string[] {
  const result: string[] = [];
  if (text.length === 0) return result;
  for (let place = 0; place < 39; place++) {
    const at = Math.floor(((place + 0.5) * text.length) / 39);
    const insertion = insertions[(seedIndex * 7 + place) % insertions.length];
    result.push(text.slice(0, at) + text.slice(at + 1));
    result.push(text.slice(0, at) + insertion + text.slice(at));
    const lineEnd = text.indexOf('\n', at + 1);
    result.push(text.slice(0, at) + (lineEnd === -1 ? '' : text.slice(lineEnd)));
  }
  return result;
}

/** Programs at the limits of E0106: operator, postfix, prefix, bracket, block, type and else-if nesting. */
function deepInputs(): string[] {
  const inputs: string[] = [];
  const wrap = (expression: string): string => `entity A {\n  key id: int\n  n: int = 0\n  fn f(x: int): int {\n    let y = ${expression}\n    return y\n  }\n}\nrun {\n  print ${expression}\n}\n`;
  for (const count of [62, 63, 64, 65, 66, 120, 199, 200, 201, 250, 254, 255, 256, 257, 258, 300]) {
    inputs.push(wrap(Array.from({ length: count + 1 }, (_, index) => `${index}`).join(' + ')));
    inputs.push(wrap(Array.from({ length: count + 1 }, (_, index) => `${index}`).join(' * ')));
    inputs.push(wrap(Array.from({ length: count + 1 }, (_, index) => (index % 2 === 0 ? 'x' : '1')).join(index2op(count))));
    inputs.push(wrap(`self${'.n'.repeat(count)}`));
    inputs.push(wrap(`x${'[0]'.repeat(count)}`));
    inputs.push(wrap(`x${'.f(1)'.repeat(count)}`));
    inputs.push(wrap(`${'!'.repeat(count)}true`));
    inputs.push(wrap(`${'-'.repeat(count)}1`));
    inputs.push(wrap(`${'- '.repeat(count)}1`));
    inputs.push(wrap(`${'await '.repeat(count)}x`));
    inputs.push(wrap(`${'('.repeat(count)}1${')'.repeat(count)}`));
    inputs.push(wrap(`${'['.repeat(count)}1${']'.repeat(count)}`));
    inputs.push(wrap(`${'(1 + '.repeat(count)}1${')'.repeat(count)}`));
    inputs.push(wrap(`${'[1, '.repeat(count)}1${']'.repeat(count)}`));
    inputs.push(wrap(`${'{1: '.repeat(count)}1${'}'.repeat(count)}`));
    inputs.push(wrap(`${'f('.repeat(count)}1${')'.repeat(count)}`));
    inputs.push(wrap(`${'new A('.repeat(count)}1${')'.repeat(count)}`));
    inputs.push(wrap(`1 + ${'x.f(1 + '.repeat(count >> 2)}1${')'.repeat(count >> 2)} * 2`));
    inputs.push(`entity A {\n  key id: int\n  n: ${'list<'.repeat(count)}int${'>'.repeat(count)} = []\n}\n`);
    inputs.push(`run {\n${'  if true {\n'.repeat(count)}  print 1\n${'  }\n'.repeat(count)}}\n`);
    inputs.push(`run {\n${'  while true {\n'.repeat(count >> 1)}${'  for x in [1] {\n'.repeat(count >> 1)}  print 1\n${'  }\n'.repeat((count >> 1) * 2)}}\n`);
    inputs.push(`run {\n  let x = 1\n  if x == 0 { print 0 }${' else if x == 1 { print 1 }'.repeat(count)}\n}\n`);
    inputs.push(`run {\n  let x = 1\n  if x == 0 { print 0 }${' else if x == 1 { print 1 }'.repeat(count)} else { print 2 }\n}\n`);
    inputs.push(`run {\n  let x = 1\n  if x == 0 { print 0 }${' else if x == 1 {\n if x == 2 { print 1 }\n }'.repeat(count)}\n}\n`);
    inputs.push(`run {\n  let x = 1\n  if x == 0 { print 0 }${' else if x == 1 { print 1 }'.repeat(count >> 1)}\n  if x == 0 { print 0 }${' else if x == 1 { print 1 }'.repeat(count >> 1)}\n}\n`);
    inputs.push(`run {\n  x = ${'('.repeat(count >> 2)}${Array.from({ length: 250 }, (_, index) => `${index}`).join(' - ')}${')'.repeat(count >> 2)}\n}\n`);
    inputs.push(`run {\n  ${'x.'.repeat(count)}y = 1\n}\n`);
    inputs.push(`run {\n  print ${'!('.repeat(count >> 1)}true${')'.repeat(count >> 1)}\n}\n`);
  }
  return inputs;
}

/** The height of an AST in nodes with a `kind` (the nodes grammar/index.ts's depth check counts). */
function height(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let below = 0;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'span' || key === 'operatorSpan') continue;
    below = Math.max(below, height(child));
  }
  return below + (typeof (value as { kind?: unknown }).kind === 'string' ? 1 : 0);
}

function index2op(count: number): string {
  return [' + ', ' && ', ' < ', ' || ', ' == ', ' % '][count % 6];
}

// -------------------------------------------------------------------------------------- comparison

interface Outcome {
  readonly value: unknown;
  readonly diagnostics: readonly unknown[];
}

/** A front end that throws (which it never should) gives the exception's message as its outcome. */
function run(frontEnd: FrontEnd, text: string, repl: boolean): Outcome {
  try {
    return runUnguarded(frontEnd, text, repl);
  } catch (error) {
    return { value: `threw: ${(error as Error).message}`, diagnostics: [] };
  }
}

function runUnguarded(frontEnd: FrontEnd, text: string, repl: boolean): Outcome {
  if (repl) {
    const result = frontEnd.parseReplInput(text, 'diff.ent');
    return { value: result.input, diagnostics: result.diagnostics };
  }
  const result = frontEnd.parse(text, 'diff.ent');
  return { value: result.program, diagnostics: result.diagnostics };
}

function same(left: Outcome, right: Outcome): boolean {
  return isDeepStrictEqual(left, right) && JSON.stringify(left) === JSON.stringify(right);
}

/** The first build's front end with one span of every AST moved by a character, or one diagnostic's. */
function broken(frontEnd: FrontEnd): FrontEnd {
  const moveSpan = (value: unknown): unknown => {
    const copy = structuredClone(value) as { span?: { end: number } } | undefined;
    if (copy !== undefined && copy !== null && copy.span !== undefined) copy.span.end += 1;
    return copy;
  };
  const moveDiagnostic = (diagnostics: readonly unknown[]): unknown[] => {
    const copy = structuredClone(diagnostics) as { span: { start: number } }[];
    if (copy.length > 0) copy[copy.length - 1].span.start += 1;
    return copy;
  };
  return {
    parse(text, file) {
      const result = frontEnd.parse(text, file);
      return { program: moveSpan(result.program), diagnostics: moveDiagnostic(result.diagnostics) };
    },
    parseReplInput(text, file) {
      const result = frontEnd.parseReplInput(text, file);
      const input = result.input as { statements: unknown[]; entities: unknown[] } | undefined;
      const statements = input === undefined ? undefined : structuredClone(input);
      if (statements !== undefined && statements.statements.length > 0) statements.statements[0] = moveSpan(statements.statements[0]);
      else if (statements !== undefined && statements.entities.length > 0) statements.entities[0] = moveSpan(statements.entities[0]);
      return { input: statements, diagnostics: moveDiagnostic(result.diagnostics) };
    },
  };
}

// The grammar itself: the rules, alternatives, occurrences and terminals Chevrotain recorded from each
// build's parser (its lookahead, and so its errors and recovery, follow from them). A terminal's lexer
// pattern is left out: the parser matches token types, and the lexer may find a token another way.
const withoutPatterns = (key: string, value: unknown): unknown => (key === 'pattern' ? undefined : value);
const grammarBefore = JSON.stringify((await load(directoryA, 'grammar/parser.js')).parser.getSerializedGastProductions(), withoutPatterns);
const grammarAfter = JSON.stringify((await load(directoryB, 'grammar/parser.js')).parser.getSerializedGastProductions(), withoutPatterns);
if (grammarBefore !== grammarAfter) {
  console.log('the recorded grammars differ');
  process.exit(1);
}
console.log(`the recorded grammars are the same (${grammarBefore.length.toLocaleString('en')} characters serialized)`);

const inputs: string[] = [];
seeds.forEach((seed, index) => inputs.push(seed, ...mutations(seed, index)));
inputs.push(...deepInputs());

// The negative control: every seed's result differs from the broken front end's (each has either an
// AST, whose outermost span moves, or a diagnostic, which moves), and the check must see that. (The
// empty text is left out: its program's span ends at NaN, which stays NaN when moved.)
const controlInputs = [...seeds, ...deepInputs()].filter((text) => text !== '');
const brokenFrontEnd = broken(before);
let missed = 0;
for (const text of controlInputs) {
  for (const repl of [false, true]) {
    const outcome = run(before, text, repl);
    const hasSomething = outcome.diagnostics.length > 0 || (repl
      ? ((outcome.value as { statements: unknown[]; entities: unknown[] }).statements.length + (outcome.value as { entities: unknown[] }).entities.length > 0)
      : outcome.value !== undefined);
    if (hasSomething && same(outcome, run(brokenFrontEnd, text, repl))) missed++;
  }
}
if (missed > 0) {
  console.log(`negative control: the check missed ${missed} broken results`);
  process.exit(1);
}
console.log(`negative control: a span or diagnostic moved by one character was caught on all ${controlInputs.length * 2} inputs that give one`);

let differences = 0;
let boundsExceeded = 0;
let programs = 0;
let diagnosed = 0;
for (const text of inputs) {
  for (const repl of [false, true]) {
    const start = performance.now();
    const left = run(before, text, repl);
    const right = run(after, text, repl);
    if (boundingParser.treeHeightBound !== undefined && right.value !== undefined && right.diagnostics.length === 0) {
      const actual = height(right.value);
      if (actual > boundingParser.treeHeightBound) {
        boundsExceeded++;
        if (boundsExceeded <= 5) console.log(`the parser's bound ${boundingParser.treeHeightBound} is below the tree's height ${actual}:\n${text.slice(0, 400)}`);
      }
    }
    if (process.env.ENT_DIFF_VERBOSE !== undefined && (performance.now() - start > 500 || String(left.value).startsWith('threw'))) {
      console.log(`${(performance.now() - start).toFixed(0)} ms ${repl ? 'REPL' : 'program'} ${String(left.value).slice(0, 60)}: ${JSON.stringify(text.slice(0, 150))}`);
    }
    if (left.value !== undefined && left.diagnostics.length === 0) programs++;
    else diagnosed++;
    if (!same(left, right)) {
      differences++;
      if (differences <= 5) {
        console.log(`difference (${repl ? 'REPL input' : 'program'}):\n${text.slice(0, 400)}\n--- before: ${JSON.stringify(left).slice(0, 600)}\n--- after:  ${JSON.stringify(right).slice(0, 600)}`);
      }
    }
  }
}
console.log(`${inputs.length * 2} inputs (${inputs.length} texts, as programs and as REPL inputs; ${seeds.length} seeds): ${programs} parsed, ${diagnosed} with diagnostics; ${differences} differences`);
if (boundingParser.treeHeightBound !== undefined) console.log(`the second parser's tree height bound was below the height of ${boundsExceeded} trees`);
process.exit(differences === 0 && boundsExceeded === 0 ? 0 : 1);
