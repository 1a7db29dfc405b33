// The bad-input suite: every case of cases.ts through `main` (or, for piped REPL input, the REPL with its
// input stream), asserting the exit status, an error headline of one line with the expected code, no
// stack trace, and nothing on standard output for usage errors. A few cases go through bin/ent.js end to
// end, so that what reaches a terminal is checked too.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { defaultCheckSettings } from '../../cli/check.ts';
import { parseArguments, UsageError } from '../../cli/arguments.ts';
import { memoryIo } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';
import { repl, replCommand } from '../../cli/repl.ts';
import { encodeToken, programHash } from '../../checkers/token.ts';
import { lex } from '../../grammar/lexer.ts';
import { cases, files, type BadInputCase } from './cases.ts';

const folder = mkdtempSync(join(tmpdir(), 'ent-bad-input-'));
for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
mkdirSync(join(folder, 'sub'));

function token(file: string): string {
  return encodeToken(defaultCheckSettings(), { workload: [1, 2, 3], schedule: [4, 5] }, programHash(String(files[file])));
}

function expand(argument: string): string {
  return argument
    .replace(/\$TOKEN-CUT\(([^)]+)\)/, (_, file: string) => token(file).slice(0, -3))
    .replace(/\$TOKEN\(([^)]+)\)/, (_, file: string) => token(file))
    .replace(/\$\//g, `${folder}/`);
}

async function run(entry: BadInputCase): Promise<{ status: number; stdout: string[]; stderr: string[] }> {
  const io = memoryIo();
  const args = entry.args.map(expand);
  if (entry.stdin === undefined) return { status: await main(args, io), stdout: io.stdout, stderr: io.stderr };
  const parsed = parseArguments(replCommand, args);
  if (parsed instanceof UsageError) throw new Error(parsed.message);
  const output = new Writable({ write: (_chunk, _encoding, done) => done() });
  const status = await repl(io, parsed, { input: Readable.from([expand(entry.stdin)]), output, terminal: false });
  return { status, stdout: io.stdout, stderr: io.stderr };
}

const stackLine = /\n\s+at .+:\d+:\d+/;

test('the suite has at least 60 cases, over every command and the REPL', (t) => {
  t.true(cases.length >= 60, `${cases.length} cases`);
  for (const command of ['run', 'cps', 'check', 'check-history', 'repl']) t.true(cases.some((entry) => entry.args[0] === command), command);
  t.true(cases.some((entry) => entry.stdin !== undefined));
});

for (const entry of cases) {
  test(`${entry.code} (exit ${entry.status}): ${entry.name}`, async (t) => {
    const { status, stdout, stderr } = await run(entry);
    const written = stderr.join('\n');
    t.is(status, entry.status, written);
    const headline = written.split('\n')[0];
    t.regex(headline, new RegExp(`^error\\[${entry.code}\\]: \\S.*$`), written);
    t.notRegex(written, stackLine);
    if (entry.message !== undefined) t.regex(headline, entry.message);
    if (entry.hint !== undefined) t.regex(written.split('\n').find((line) => line.includes('= hint:')) ?? '', entry.hint);
    if (entry.code.startsWith('U') && entry.stdin === undefined) t.deepEqual(stdout, []);
  });
}

test('what a flood of errors writes is bounded: 20 in full, then a count; a long line is cut around the caret', async (t) => {
  const flood = (await run({ name: '', args: ['run', '$/flood.ent'], status: 2, code: 'E0101' })).stderr.join('\n');
  t.is(flood.match(/^error\[/gm)?.length, 20);
  t.regex(flood, /… and \d+ more errors/);
  const long = (await run({ name: '', args: ['run', '$/long-line.ent'], status: 2, code: 'E0301' })).stderr.join('\n');
  for (const line of long.split('\n')) t.true(line.length < 200, `a line of ${line.length} characters`);
  t.regex(long, /…/);
  const control = (await run({ name: '', args: ['run', '$/control.ent'], status: 2, code: 'E0101' })).stderr.join('\n');
  t.false(control.includes('\u0001'));
  t.true(control.includes('\u2401'));
});

test('end to end through bin/ent.js: one line with a code, no stack trace, the documented status', (t) => {
  const endToEnd: readonly [string[], number, string][] = [
    [['run', join(folder, 'sub')], 2, 'U0102'],
    [['run', '--history', join(folder, 'no', 'such', 'h.json'), join(folder, 'ok.ent')], 2, 'U0104'],
    [['check', join(folder, 'empty.ent')], 2, 'U0107'],
    [['run', join(folder, 'nul.ent')], 2, 'U0106'],
  ];
  for (const [args, status, code] of endToEnd) {
    const result = spawnSync(process.execPath, ['bin/ent.js', ...args], { encoding: 'utf8' });
    t.is(result.status, status, args.join(' '));
    t.regex(result.stderr, new RegExp(`^error\\[${code}\\]: [^\\n]+\\n(  = hint: [^\\n]+\\n)?$`), args.join(' '));
    t.is(result.stdout, '');
  }
});

test('the lexer takes a string literal of ten million characters without overflowing its stack', (t) => {
  // A regular expression with an alternation under `*` overflowed the engine's stack near this length.
  const long = 'a'.repeat(10_000_000);
  const closed = lex(`run {\n  print "${long}"\n}\n`, 'long.ent');
  t.deepEqual(closed.diagnostics, []);
  t.is(closed.tokens.find((token) => token.image.length > 1000)?.image.length, long.length + 2);
  const open = lex(`run {\n  print "${long}\n}\n`, 'long.ent');
  t.is(open.diagnostics[0]?.code, 'E0102');
});
