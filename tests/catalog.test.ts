// The catalog of codes against its uses: every code in diagnostics/catalog.ts is triggered by some corpus
// program (static and client errors by an `expect error` or `expect runtime error`, aborts by an
// expected abort message), and every code the sources name is in the catalog.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog, isCatalogCode, type DiagnosticKind } from '../diagnostics/catalog.ts';
import { loadCorpus } from './support/corpus.ts';

/** Codes that no corpus program can trigger, each with the reason and where it is tested instead. */
const exempt: ReadonlyMap<string, string> = new Map([
  // Usage errors belong to the command line, not to programs.
  ['U0101', 'a usage error of the command line: tested by tests/cli.test.ts'],
  ['U0102', 'a usage error of the command line: tested by tests/cli.test.ts'],
  ['U0103', 'a usage error of the command line: tested by tests/cli.test.ts'],
  ['U0104', 'a file the command line names cannot be written: tested by tests/bad-input/'],
  ['U0105', 'a source file over the size limit: tested by tests/bad-input/'],
  ['U0106', 'a source file that is not text: tested by tests/bad-input/'],
  ['U0107', '`ent check` on a program without entities: tested by tests/bad-input/'],
  ['U0109', 'the REPL\'s `:explore --workload run`: tested by tests/explore.test.ts'],
  ['U0120', '`ent graph` on a scope above --max-states: tested by tests/graph.test.ts'],
  ['U0121', 'bad input in the REPL\'s stepper (`:step`): tested by tests/stepper.test.ts'],
  ['U0130', '`--engine restate` without the engine\'s packages: tested by tests/restate.test.ts'],
  ['U0131', '`--engine restate` with a server that does not answer: tested by tests/restate.test.ts'],
  ['E0214', 'only the REPL redeclares an entity: tested by tests/repl.test.ts'],
  // Ctrl-C belongs to the REPL's terminal, not to programs.
  ['R0104', 'Ctrl-C at the REPL: tested by tests/repl-terminal.test.ts'],
  ['A0111', 'Ctrl-C at the REPL, inside a transaction: tested by tests/repl-terminal.test.ts'],
  ['U0108', 'a usage error of the command line (a history ent check-history cannot read): tested by tests/check-history.test.ts'],
  // The corpus runs under the reference model, where every request is answered at once; R0103 comes only
  // from `ent run` on the distributed runtime when a request is lost for good.
  ['R0103', 'raised only by `ent run` on the distributed runtime: belongs in tests/cli.test.ts'],
  ['U0110', 'a stream program under ent explore, ent graph or the REPL: tested by tests/streams.test.ts'],
  ['U0140', 'a program with live updates under ent explore, ent graph or the Restate engine: tested by tests/updates.test.ts'],
  ['R0106', 'a migration that fails in an update typed at the REPL: tested by tests/updates.test.ts'],
  ['E0524', 'an update within a REPL input: tested by tests/updates.test.ts'],
]);

/**
 * How an abort message shows its code: the built-in aborts have fixed messages (some name the entity),
 * and any other message is a user's `abort e` (A0101).
 */
const abortMessages: readonly { readonly code: string; readonly matches: (message: string) => boolean }[] = [
  { code: 'A0102', matches: (message) => message === 'integer overflow' },
  { code: 'A0103', matches: (message) => message === 'division by zero' },
  { code: 'A0104', matches: (message) => message === 'index out of range' },
  { code: 'A0105', matches: (message) => message === 'missing key' },
  { code: 'A0106', matches: (message) => /^no such entity \w+\(.+\)$/.test(message) },
  { code: 'A0107', matches: (message) => /^\w+\(.+\) already exists$/.test(message) },
  { code: 'A0108', matches: (message) => message === 'step limit exceeded' },
  { code: 'A0109', matches: (message) => /^uninitialized field \w+\(.+\)\.\w+$/.test(message) },
  { code: 'A0111', matches: (message) => message.startsWith('interrupted') },
  { code: 'A0112', matches: (message) => message === 'value too large' },
  { code: 'A0113', matches: (message) => /^stream \w+ is sealed$/.test(message) },
];

function abortCode(message: string): string {
  return abortMessages.find((candidate) => candidate.matches(message))?.code ?? 'A0101';
}

/** Every code the corpus triggers: static errors, client errors, and the codes of expected abort messages. */
function triggeredCodes(): Set<string> {
  const triggered = new Set<string>();
  for (const program of loadCorpus()) {
    for (const error of program.errors) triggered.add(error.code);
    if (program.runtimeError !== undefined) triggered.add(program.runtimeError.code);
    for (const line of program.output) {
      if (line.startsWith('abort: ')) triggered.add(abortCode(line.slice('abort: '.length)));
    }
  }
  return triggered;
}

test('every code in the catalog is triggered by the corpus, or exempt with a reason', (t) => {
  const triggered = triggeredCodes();
  const missing = catalog
    .filter((entry) => !exempt.has(entry.code) && !triggered.has(entry.code))
    .map((entry) => `${entry.code} (${entry.kind}: ${entry.title})`);
  t.deepEqual(missing, [], 'codes that no corpus program triggers');
});

test('exempt codes and abort messages name codes of the right kind', (t) => {
  const kinds = new Map<string, DiagnosticKind>(catalog.map((entry) => [entry.code, entry.kind]));
  for (const code of exempt.keys()) t.true(kinds.has(code), `exempt code ${code} is not in the catalog`);
  for (const { code } of abortMessages) t.is(kinds.get(code), 'abort', `${code} is not an abort code`);
});

test('the corpus expects only codes of the catalog, each where its kind shows', (t) => {
  const kinds = new Map<string, DiagnosticKind>(catalog.map((entry) => [entry.code, entry.kind]));
  for (const program of loadCorpus()) {
    for (const error of program.errors) {
      t.true(['syntax', 'static'].includes(kinds.get(error.code) ?? ''), `${program.name}: ${error.code} is not a static error`);
    }
    if (program.runtimeError !== undefined) {
      t.is(kinds.get(program.runtimeError.code), 'client', `${program.name}: ${program.runtimeError.code} is not a client error`);
    }
  }
});

const sourceFolders = ['grammar', 'semantics', 'diagnostics', 'cli'];

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

test('every code named in the sources is in the catalog', (t) => {
  const unknown: string[] = [];
  for (const file of sourceFolders.flatMap(typeScriptFiles)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/'([EARU]\d{4})'/g)) {
      if (!isCatalogCode(match[1])) unknown.push(`${file}: ${match[1]}`);
    }
  }
  t.deepEqual(unknown, []);
});
