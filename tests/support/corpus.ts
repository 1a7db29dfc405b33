// Test support: the corpus of `.ent` programs with their expectations inline, as comments:
//   `// expect: <line>`                 the next line of standard output
//   `// expect abort: <message>`        the next line of output is `abort: <message>`
//   `// expect error E0401`             a static error with this code on this line (nothing runs)
//   `// expect runtime error R0101`     the client stops with this error on this line (exit 1)
//   `// step limit: 20000`              every transaction runs with this step budget (`--step-limit`)
// A program with static errors must report exactly the expected (code, line) pairs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusProgram {
  readonly name: string;
  readonly path: string;
  readonly text: string;
  readonly output: readonly string[];
  readonly errors: readonly { readonly code: string; readonly line: number }[];
  readonly runtimeError: { readonly code: string; readonly line: number } | undefined;
  /** The step budget of each transaction, when the program sets one (the default is `ent run`'s). */
  readonly stepLimit: number | undefined;
  /** Whether the program declares a stream (the REPL refuses such programs with U0110). */
  readonly streams: boolean;
  /** Whether the run block updates code live (the Restate engine refuses such programs with U0140). */
  readonly updates: boolean;
}

export const corpusDirectory = 'corpus';

export function parseExpectations(name: string, path: string, text: string): CorpusProgram {
  const output: string[] = [];
  const errors: { code: string; line: number }[] = [];
  let runtimeError: { code: string; line: number } | undefined;
  let stepLimit: number | undefined;
  text.split('\n').forEach((line, index) => {
    const lineNumber = index + 1;
    const budget = /\/\/ step limit: (\d+)\s*$/.exec(line);
    if (budget !== null) stepLimit = Number(budget[1]);
    const expectation = /\/\/ expect(?: (abort|error|runtime error))?:? (.*)$/.exec(line);
    if (expectation === null) return;
    const [, kind, rest] = expectation;
    if (kind === undefined) output.push(rest.trimEnd());
    else if (kind === 'abort') output.push(`abort: ${rest.trimEnd()}`);
    else if (kind === 'error') errors.push({ code: rest.trim(), line: lineNumber });
    else runtimeError = { code: rest.trim(), line: lineNumber };
  });
  return { name, path, text, output, errors, runtimeError, stepLimit, streams: /^stream\s/m.test(text), updates: /^\s*update\s+\w+\s*\{/m.test(text) };
}

export function loadCorpus(directory = corpusDirectory): CorpusProgram[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ent'))
    .sort()
    .map((file) => {
      const path = join(directory, file);
      return parseExpectations(file, path, readFileSync(path, 'utf8'));
    });
}

/** Programs whose split run differs from their expectations on purpose, by name, with the reason (none today). */
export const intendedDifferences: ReadonlyMap<string, string> = new Map();
