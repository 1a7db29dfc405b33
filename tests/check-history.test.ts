// `ent check-history FILE`: the command line of the history checker.
//   - Bad input (not JSON, JSON in neither format, an Ent history of a version it does not read, a
//     malformed Elle operation, a directory, a missing file) gets one error line with its code (U0108,
//     or U0102 for a file that cannot be read) and exit status 2, never a stack trace.
//   - Many anomalies print a summary by class first, then the witnesses of the first --max-witnesses.
//   - An Ent history with a partial commit is reported (exit 1); the same history complete is not (exit 0).
//   - --help names every option.

import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';

const directory = mkdtempSync(join(tmpdir(), 'ent-check-history-'));

async function checkHistory(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(['check-history', ...args], io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

const badInputs: readonly { readonly why: string; readonly text: string | undefined; readonly code: string; readonly says: RegExp }[] = [
  { why: 'text that is not JSON', text: 'nope\n{', code: 'U0108', says: /not JSON/ },
  { why: 'a JSON number', text: '42', code: 'U0108', says: /neither an Ent history .* nor an Elle history/ },
  { why: 'an object of another format', text: '{"format": "other"}', code: 'U0108', says: /not an Ent history/ },
  { why: 'an Ent history of version 3', text: '{"format": "ent-history", "version": 3, "events": []}', code: 'U0108', says: /"version": 3 is not a version/ },
  { why: 'an Ent history without a version', text: '{"format": "ent-history", "events": []}', code: 'U0108', says: /"version": missing/ },
  { why: 'an Elle operation of an unknown type', text: '[{"type": "done"}]', code: 'U0108', says: /operation 0 has type "done"/ },
  { why: 'a directory', text: undefined, code: 'U0102', says: /it is a folder/ },
];

for (const { why, text, code, says } of badInputs) {
  test(`check-history refuses ${why}: one line with ${code}, exit 2`, async (t) => {
    const path = text === undefined ? directory : join(directory, `${why.replace(/\W+/g, '-')}.json`);
    if (text !== undefined) writeFileSync(path, text);
    const result = await checkHistory([path]);
    t.is(result.status, 2);
    t.is(result.stdout, '');
    const [first, ...rest] = result.stderr.split('\n');
    t.regex(first, new RegExp(`^error\\[${code}\\]: `));
    t.regex(first, says);
    t.deepEqual(rest.filter((line) => !line.startsWith('  = hint: ')), []);
    t.notRegex(result.stderr, /\n\s+at /);
  });
}

test('check-history refuses a missing file (U0102) and a bad --max-witnesses (U0103)', async (t) => {
  const missing = await checkHistory([join(directory, 'no-such-file.json')]);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /^error\[U0102\]: cannot read .*: no such file/);
  const badCount = await checkHistory(['--max-witnesses', 'many', join(directory, 'x.json')]);
  t.is(badCount.status, 2);
  t.regex(badCount.stderr, /^error\[U0103\]/);
});

/** n independent lost updates: on each key k_i, two transactions read nil and write. */
function lostUpdates(count: number): string {
  const operations = [];
  for (let index = 0; index < count; index++) {
    for (const [process, value] of [[0, 1], [1, 2]]) {
      operations.push({ type: 'ok', process, f: 'txn', value: [['r', `k${index}`, null], ['w', `k${index}`, value]] });
    }
  }
  operations.push({ type: 'ok', process: 2, f: 'txn', value: [['w', 'x', 1], ['r', 'y', 1]] });
  operations.push({ type: 'ok', process: 2, f: 'txn', value: [['w', 'y', 1], ['r', 'x', 1]] });
  return JSON.stringify(operations);
}

test('many anomalies: a summary by class, then the witnesses of the first --max-witnesses', async (t) => {
  const path = join(directory, 'lost-updates.json');
  writeFileSync(path, lostUpdates(1000));
  const result = await checkHistory([path]);
  t.is(result.status, 1);
  const lines = result.stdout.split('\n');
  t.is(lines[0], 'ent check-history: 1001 anomalies in 2002 transactions (Elle format)');
  t.deepEqual(lines.slice(1, 3), ['  lost-update  1000', '  G1c          1']);
  t.regex(result.stdout, /the witnesses of the first 20 \(--max-witnesses N shows more\)/);
  t.is(lines.filter((line) => /^(lost-update|G1c): /.test(line)).length, 20);
  const three = await checkHistory(['--max-witnesses', '3', path]);
  t.is(three.stdout.split('\n').filter((line) => /^(lost-update|G1c): /.test(line)).length, 3);
  const all = await checkHistory(['--max-witnesses=5000', path]);
  t.notRegex(all.stdout, /--max-witnesses N shows more/);
  t.is(all.stdout.split('\n').filter((line) => /^(lost-update|G1c): /.test(line)).length, 1001);
});

/** An Ent history in which r2's commit wrote A(1) and A(2) and only A(1) was installed. */
function entHistory(complete: boolean): string {
  const events = [
    { type: 'commit', id: 'r1', order: 1, tick: 1, reads: { 'A(1)': 0, 'A(2)': 0 }, writes: { 'A(1)': 1, 'A(2)': 1 } },
    { type: 'install', id: 'r1', entity: 'A(1)', version: 1, tick: 1 },
    { type: 'install', id: 'r1', entity: 'A(2)', version: 1, tick: 1 },
    { type: 'commit', id: 'r2', order: 2, tick: 2, reads: { 'A(1)': 1, 'A(2)': 1 }, writes: { 'A(1)': 2, 'A(2)': complete ? 2 : null } },
    { type: 'install', id: 'r2', entity: 'A(1)', version: 2, tick: 3 },
    ...(complete ? [{ type: 'install', id: 'r2', entity: 'A(2)', version: 2, tick: 3 }] : []),
  ];
  return JSON.stringify({ format: 'ent-history', version: 1, settings: {}, events });
}

test('an Ent history with a partial commit is reported with its entities; complete, it is not', async (t) => {
  const partial = join(directory, 'partial.json');
  writeFileSync(partial, entHistory(false));
  const reported = await checkHistory([partial]);
  t.is(reported.status, 1);
  t.regex(reported.stdout, /^ {2}partial-commit {2}1$/m);
  t.regex(reported.stdout, /r2 committed, writing A\(1\) and A\(2\), but A\(2\) was never installed/);
  const complete = join(directory, 'complete.json');
  writeFileSync(complete, entHistory(true));
  const held = await checkHistory([complete]);
  t.is(held.status, 0);
  t.regex(held.stdout, /no anomaly in 2 transactions \(Ent format\)/);
});

test('check-history --help names every option and the exit statuses', async (t) => {
  const help = await checkHistory(['--help']);
  t.is(help.status, 0);
  for (const option of ['--max-witnesses', '--realtime', '--process-order']) t.true(help.stdout.includes(option), option);
  t.regex(help.stdout, /Exit status: 0 when no anomaly is found, 1 when one is/);
});

test('--process-order and --realtime infer Elle register version orders; on Ent\'s history they are noted and ignored', async (t) => {
  const operations = [
    { type: 'invoke', process: 0, f: 'txn', value: [['w', 'x', 1]] }, { type: 'ok', process: 0, f: 'txn', value: [['w', 'x', 1]] },
    { type: 'invoke', process: 0, f: 'txn', value: [['w', 'x', 2]] }, { type: 'ok', process: 0, f: 'txn', value: [['w', 'x', 2]] },
    { type: 'invoke', process: 0, f: 'txn', value: [['r', 'x', null]] }, { type: 'ok', process: 0, f: 'txn', value: [['r', 'x', 1]] },
  ];
  const path = join(directory, 'cyclic.json');
  writeFileSync(path, JSON.stringify(operations));
  t.is((await checkHistory([path])).status, 0);
  for (const option of ['--process-order', '--realtime']) {
    const result = await checkHistory([option, path]);
    t.is(result.status, 1, option);
    t.regex(result.stdout, /^ {2}cyclic-versions {2}1$/m);
  }
  const ent = join(directory, 'complete-for-options.json');
  writeFileSync(ent, entHistory(true));
  const noted = await checkHistory(['--realtime', ent]);
  t.is(noted.status, 0);
  t.regex(noted.stderr, /^note: --process-order and --realtime apply to Elle's format/);
});

/**
 * An Ent history (version 2) with an abort that no serial order gives: r0 creates A(1) and A(2), r1 moves both halves (A(1) and
 * A(2) from version 1 to 2); r2, an audit, read A(1) at version 1, from before r1, and A(2) at version 2,
 * after it, and aborted on the skew. With `consistent`, r2 read both before r1: a possible abort.
 */
function auditHistory(consistent: boolean): string {
  const events = [
    { type: 'commit', id: 'r0', order: 0, tick: 0, reads: { 'A(1)': 0, 'A(2)': 0 }, writes: ['A(1)', 'A(2)'] },
    { type: 'install', id: 'r0', entity: 'A(1)', version: 1, tick: 0 },
    { type: 'install', id: 'r0', entity: 'A(2)', version: 1, tick: 0 },
    { type: 'commit', id: 'r1', order: 1, tick: 1, reads: { 'A(1)': 1, 'A(2)': 1 }, writes: ['A(1)', 'A(2)'] },
    { type: 'install', id: 'r1', entity: 'A(1)', version: 2, tick: 2 },
    { type: 'install', id: 'r1', entity: 'A(2)', version: 2, tick: 2 },
    {
      type: 'abort', id: 'r2', order: 2, tick: 3, reads: { 'A(1)': 1, 'A(2)': consistent ? 1 : 2 },
      code: 'A0101', message: 'skew 0 vs 1', cause: 'program',
    },
  ];
  return JSON.stringify({ format: 'ent-history', version: 2, settings: {}, events });
}

test('an abort that read one entity before a commit and another after it is a G-single cycle, with its witness', async (t) => {
  const skewed = join(directory, 'skewed-abort.json');
  writeFileSync(skewed, auditHistory(false));
  const reported = await checkHistory([skewed]);
  t.is(reported.status, 1);
  t.regex(reported.stdout, /^ {2}G-single {2}1$/m);
  t.regex(reported.stdout, /r2 read A\(2\) version 2, which r1 installed \(wr\)/);
  t.regex(reported.stdout, /r2 read A\(1\) version 1, and r1 installed the next version, A\(1\) version 2 \(rw\)/);
  // Negative control: the same abort, having read both halves before the move, is a possible outcome.
  const consistent = join(directory, 'consistent-abort.json');
  writeFileSync(consistent, auditHistory(true));
  t.is((await checkHistory([consistent])).status, 0);
});
