// Fuzzing Ent's front end and `ent run`: inputs made by mutating the corpus programs, by stringing random
// tokens together, and from random bytes, fed to the parser (whole programs and REPL inputs), the checker
// and `ent run` (through `main`, with a small step budget and a budget of client steps, under a rotating
// semantics). A crash is an exception that escapes, an internal error (exit 3), or a stack trace in what
// `ent` writes: bad input must always get a clear error. Deterministic from its seed; used by
// `npm run fuzz` (scripts/fuzz.ts) and by tests/fuzz.test.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { main } from '../cli/main.ts';
import type { Io } from '../cli/io.ts';
import { parse, parseReplInput } from '../grammar/index.ts';
import { checkProgram } from '../semantics/check/index.ts';

export type InputKind = 'mutated' | 'tokens' | 'bytes';

export interface FuzzInput {
  readonly kind: InputKind;
  readonly bytes: Uint8Array;
}

export interface FuzzCrash {
  readonly input: FuzzInput;
  /** The stage that crashed: `parser`, `checker` or `ent run`. */
  readonly stage: string;
  readonly message: string;
}

export interface FuzzReport {
  readonly inputs: number;
  readonly byKind: Readonly<Record<InputKind, number>>;
  /** How far inputs got: parsed, checked, ran (exit 0 or 1), refused by `ent run` (exit 2). */
  readonly reached: Readonly<Record<string, number>>;
  readonly crashes: readonly FuzzCrash[];
  readonly milliseconds: number;
}

/** The stages under test; a test swaps one for a broken variant to see the fuzzer catch it. */
export interface FuzzTargets {
  readonly parse: typeof parse;
  readonly main: typeof main;
}

export interface FuzzOptions {
  readonly inputs: number;
  readonly seed: string;
  /** Small steps a transaction may take in `ent run`. */
  readonly stepLimit?: number;
  /** Polls of the client and the hosts before a run is stopped (a run block that loops forever). */
  readonly pollBudget?: number;
  readonly targets?: FuzzTargets;
  /** Told every 1,000 inputs. */
  readonly progress?: (done: number) => void;
}

/** Every `.ent` file under the folders: what mutations start from. */
export function loadSeeds(folders: readonly string[] = ['corpus', 'examples']): string[] {
  return folders.flatMap((folder) => readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ent'))
    .sort()
    .map((file) => readFileSync(join(folder, file), 'utf8')));
}

const vocabulary = [
  'entity', 'key', 'fn', 'init', 'run', 'let', 'if', 'else', 'while', 'for', 'in', 'break', 'continue', 'return', 'abort',
  'print', 'new', 'self', 'true', 'false', 'async', 'await', 'stream', 'emit', 'seal', 'on', 'by', 'int', 'bool', 'string', 'list', 'map', 'future', 'str', 'min',
  'max', 'abs', 'len', 'push', 'has', 'keys', 'remove', 'contains', 'A', 'B', 'x', 'y', 'id', 'n', 'f', 'g',
  '0', '1', '2', '9007199254740991', '9007199254740992', '99999999999999999999', '-1', '""', '"a"', '"\\n"', '"\\q"', '"unterminated',
  '{', '}', '(', ')', '[', ']', '<', '>', '<=', '>=', '==', '!=', '=', '+', '-', '*', '/', '%', '!', '&&', '||', ',', ':', ';', '.',
  '\n', '\n', '\n', ' ', '// c\n', '/* c */', '/*', '\'', '#', '@', '\t', '\r\n', '\u00e9', '\u{1F600}', '\u0000', '\u0007',
];

type Random = () => number;

function below(random: Random, count: number): number {
  return Math.floor(random() * count);
}

function pickOne<Item>(random: Random, items: readonly Item[]): Item {
  return items[below(random, items.length)];
}

function mutate(random: Random, seeds: readonly string[]): string {
  let text = pickOne(random, seeds);
  const mutations = 1 + below(random, 4);
  for (let round = 0; round < mutations; round++) {
    const at = below(random, text.length + 1);
    const length = 1 + below(random, 20);
    switch (below(random, 7)) {
      case 0: text = text.slice(0, at) + text.slice(at + length); break;
      case 1: text = text.slice(0, at) + text.slice(at, at + length) + text.slice(at); break;
      case 2: text = text.slice(0, at) + pickOne(random, vocabulary) + text.slice(at); break;
      case 3: text = text.slice(0, at) + String.fromCharCode(below(random, 128)) + text.slice(at + 1); break;
      case 4: {
        const other = below(random, text.length + 1);
        const [first, second] = at < other ? [at, other] : [other, at];
        text = text.slice(0, first) + text.slice(second, second + length) + text.slice(first + length, second) + text.slice(first, first + length) + text.slice(second + length);
        break;
      }
      case 5: {
        const lines = pickOne(random, seeds).split('\n');
        text = text.slice(0, at) + pickOne(random, lines) + '\n' + text.slice(at);
        break;
      }
      default: text = text.slice(0, at); break;
    }
  }
  return text;
}

function tokens(random: Random): string {
  const count = 1 + below(random, 80);
  const parts: string[] = [];
  for (let index = 0; index < count; index++) parts.push(pickOne(random, vocabulary), random() < 0.7 ? ' ' : '');
  return parts.join('');
}

function bytes(random: Random): Uint8Array {
  const length = below(random, 300);
  // Half the time printable ASCII with some line breaks, so that the parser sees more than NUL bytes.
  const printable = random() < 0.5;
  return Uint8Array.from({ length }, () => (printable ? (random() < 0.1 ? 10 : 32 + below(random, 95)) : below(random, 256)));
}

export function makeInput(random: Random, seeds: readonly string[]): FuzzInput {
  const roll = random();
  if (roll < 0.6) return { kind: 'mutated', bytes: Buffer.from(mutate(random, seeds), 'utf8') };
  if (roll < 0.85) return { kind: 'tokens', bytes: Buffer.from(tokens(random), 'utf8') };
  return { kind: 'bytes', bytes: bytes(random) };
}

/** An Io for one input: the file is the input's bytes, output is counted and dropped, runs have a budget. */
function fuzzIo(input: FuzzInput, pollBudget: number): Io & { readonly stderr: string[] } {
  const stderr: string[] = [];
  let polls = 0;
  return {
    stderr,
    out: () => undefined,
    err: (text) => stderr.push(text),
    progress: () => undefined,
    fileInfo: () => ({ kind: 'file', size: input.bytes.length }),
    readBytes: () => input.bytes,
    readFile: () => Buffer.from(input.bytes).toString('utf8'),
    writeFile: () => undefined,
    createFile: () => ({ write: () => undefined, close: () => undefined }),
    interrupted: () => ++polls > pollBudget,
  };
}

const semanticsRotation = ['reference', 'reference', 'split', 'distributed'];
const stackLine = /\n\s+at .+:\d+:\d+/;

/** One input through every stage; the crash, if one happened. */
async function runInput(input: FuzzInput, index: number, options: FuzzOptions, reached: Record<string, number>): Promise<FuzzCrash | undefined> {
  const targets = options.targets ?? { parse, main };
  const text = Buffer.from(input.bytes).toString('utf8');
  const crash = (stage: string, error: unknown): FuzzCrash => ({ input, stage, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  let parsed;
  try {
    parsed = targets.parse(text, 'fuzz.ent');
    // Strings of tokens read like REPL lines: they go through the REPL's parser too.
    if (input.kind === 'tokens') parseReplInput(text, 'fuzz.ent');
  } catch (error) {
    return crash('parser', error);
  }
  if (parsed.program !== undefined) {
    reached.parsed++;
    try {
      if (checkProgram(parsed.program).program !== undefined) reached.checked++;
    } catch (error) {
      return crash('checker', error);
    }
  }
  // Every parsed input runs; of the rest, one in ten, to exercise `ent run`'s error paths.
  if (parsed.program === undefined && index % 10 !== 0) return undefined;
  const io = fuzzIo(input, options.pollBudget ?? 20_000);
  const semantics = semanticsRotation[index % semanticsRotation.length];
  const args = ['run', '--semantics', semantics, '--step-limit', String(options.stepLimit ?? 2_000), 'fuzz.ent'];
  try {
    const status = await targets.main(args, io);
    const written = io.stderr.join('\n');
    if (status === 3) return { input, stage: 'ent run', message: written.split('\n')[0] };
    if (stackLine.test(written)) return { input, stage: 'ent run', message: `a stack trace: ${written.slice(0, 200)}` };
    reached[status === 2 ? 'refused' : 'ran']++;
  } catch (error) {
    return crash('ent run', error);
  }
  return undefined;
}

export async function fuzz(options: FuzzOptions, seeds: readonly string[] = loadSeeds()): Promise<FuzzReport> {
  const random = seedrandom.alea(options.seed);
  const byKind: Record<InputKind, number> = { mutated: 0, tokens: 0, bytes: 0 };
  const reached: Record<string, number> = { parsed: 0, checked: 0, ran: 0, refused: 0 };
  const crashes: FuzzCrash[] = [];
  const started = performance.now();
  for (let index = 0; index < options.inputs; index++) {
    const input = makeInput(random, seeds);
    byKind[input.kind]++;
    const crash = await runInput(input, index, options, reached);
    if (crash !== undefined) crashes.push(crash);
    if ((index + 1) % 1000 === 0) options.progress?.(index + 1);
  }
  return { inputs: options.inputs, byKind, reached, crashes, milliseconds: performance.now() - started };
}
