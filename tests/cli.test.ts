// The command line: every command's help, exit statuses, where output goes (program output on standard
// output, everything else on standard error), and every usage error code. Most cases run `main` in
// process with captured I/O; a few run bin/ent.js end to end.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';

const shop = 'examples/shop.ent';
const bank = 'examples/bank.ent';

async function ent(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

const program = (body: string): string => `entity A {\n  key id: int\n  n: int = 0\n  fn get(): int { return self.n }\n  fn fail() { abort "no" }\n}\nrun {\n${body}\n}\n`;

test('ent --help lists every command; ent COMMAND --help lists its options', async (t) => {
  const overview = await ent(['--help']);
  t.is(overview.status, 0);
  for (const command of ['run', 'cps', 'check', 'check-history', 'repl']) t.regex(overview.stdout, new RegExp(`\\b${command}\\b`));
  const runHelp = await ent(['run', '--help']);
  for (const option of ['--semantics', '--nodes', '--seed', '--faults', '--protocol', '--delivery', '--trace', '--history']) t.true(runHelp.stdout.includes(option), option);
  t.regex((await ent(['help', 'check'])).stdout, /--replay/);
  t.regex((await ent(['--version'])).stdout, /^ent \d+\.\d+\.\d+$/);
});

test('-h is --help for every command, never a file name', async (t) => {
  for (const command of ['run', 'cps', 'check', 'check-history', 'repl']) {
    const result = await ent([command, '-h']);
    t.is(result.status, 0, command);
    t.regex(result.stdout, new RegExp(`^[^\\n]+\\n\\nUsage: ent ${command}`), command);
  }
});

test('ent check --trace prints the whole trace of the counterexample; the header gives the user\'s seed', async (t) => {
  const result = await ent(['check', bank, '--delivery', 'at-least-once', '--runs', '200', '--shrink-seconds', '1', '--seed', '5', '--trace=all']);
  t.is(result.status, 1);
  t.regex(result.stdout, /^ent check: run \d+ of 200 violated a guarantee \(seed 5; /);
  t.notRegex(result.stdout, /fast-check/);
  t.regex(result.stdout, /the trace:\n/);
  t.regex(result.stdout, /L-LetCont|L-Let/);
  t.regex(result.stdout, /G-Submit {7,}\S* +r\d+ (new )?\w+\(/);
  t.regex(result.stdout, /response #\d+ for r\d+: /);
  t.regex(result.stdout, /setup:\n(    .+  → .+\n)+/);
});

/** Every usage error code, with a command line that triggers it. */
export const usageCases: readonly { readonly code: string; readonly args: readonly string[]; readonly why: string }[] = [
  { code: 'U0101', args: ['rnu', shop], why: 'an unknown command' },
  { code: 'U0101', args: ['run', '--nodez', '3', shop], why: 'an unknown option' },
  { code: 'U0101', args: ['run'], why: 'a missing FILE' },
  { code: 'U0102', args: ['run', 'no/such/file.ent'], why: 'a file that cannot be read' },
  { code: 'U0103', args: ['run', '--protocol', 'paxos', shop], why: 'a value not among the choices' },
  { code: 'U0103', args: ['run', '--faults', 'drop=2', shop], why: 'a probability above 1' },
  { code: 'U0103', args: ['run', '--nodes', 'three', shop], why: 'a number that is not one' },
  { code: 'U0103', args: ['run', '--semantics', 'reference', '--trace', shop], why: '--trace on a big-step semantics' },
  { code: 'U0103', args: ['check', bank, '--replay', 'ent3.garbage.00000000'], why: 'a damaged replay token' },
  { code: 'U0103', args: ['check', bank, '--replay', 'ent2.garbage.00000000'], why: 'a token of an older version (before the submission order was a choice)' },
  { code: 'U0103', args: ['check', bank, '--clients', '0'], why: 'a workload without clients, which would hold vacuously' },
  { code: 'U0103', args: ['check', bank, '--requests', '0'], why: 'a workload without requests' },
  { code: 'U0103', args: ['cps', shop, 'Nobody.nothing'], why: 'an unknown entity' },
];

for (const { code, args, why } of usageCases) {
  test(`usage error ${code}: ${why}`, async (t) => {
    const result = await ent([...args]);
    t.is(result.status, 2);
    t.is(result.stdout, '');
    t.regex(result.stderr, new RegExp(`error\\[${code}\\]`));
    t.regex(result.stderr, /hint|usage|one of|expected/);
  });
}

test('static errors: every diagnostic on standard error, nothing runs, exit 2', async (t) => {
  const result = await ent(['run', 'bad.ent'], { 'bad.ent': 'run {\n  print 1 +\n  print y\n}\n' });
  t.is(result.status, 2);
  t.is(result.stdout, '');
  t.regex(result.stderr, /error\[E\d{4}\]/);
  t.regex(result.stderr, /--> bad\.ent:\d+:\d+/);
  t.regex(result.stderr, /\^/);
});

test('an aborted transaction is a result: exit 0, `abort: …` on standard output', async (t) => {
  for (const semantics of ['reference', 'split', 'distributed']) {
    const result = await ent(['run', '--semantics', semantics, 'a.ent'], { 'a.ent': program('  let a = new A(1)\n  a.fail()\n  print a.get()') });
    t.is(result.status, 0, semantics);
    t.is(result.stdout, 'abort: no\n0', semantics);
  }
});

test('a client error stops the run with exit 1 and a located diagnostic', async (t) => {
  const result = await ent(['run', 'a.ent'], { 'a.ent': program('  print 1\n  print 1 / 0\n  print 2') });
  t.is(result.status, 1);
  t.is(result.stdout, '1');
  t.regex(result.stderr, /error\[R0101\]: division by zero/);
  t.regex(result.stderr, /a\.ent:9/);
});

test('a program without a run block runs nothing and says so', async (t) => {
  const result = await ent(['run', 'a.ent'], { 'a.ent': 'entity A {\n  key id: int\n}\n' });
  t.is(result.status, 0);
  t.is(result.stdout, '');
  t.regex(result.stderr, /no run block/);
});

test('the examples give the same output under every semantics and protocol', async (t) => {
  const expected = (await ent(['run', '--semantics', 'reference', shop])).stdout;
  for (const args of [['--semantics', 'split'], [], ['--protocol', 'aria', '--seed', '7'], ['--faults', 'drop=0.1,dup=0.1,delay=0.2,crash=0.01', '--seed', '3']]) {
    t.is((await ent(['run', ...args, shop])).stdout, expected, args.join(' '));
  }
});

test('--trace prints the seed and every option first, then one line per step, on standard error', async (t) => {
  const result = await ent(['run', '--trace', '--seed', '42', shop]);
  const lines = result.stderr.split('\n');
  t.regex(lines[0], /^# semantics=distributed seed=42 nodes=3 faults=.* protocol=2pl delivery=exactly-once/);
  t.true(lines.some((line) => /L-Read-Remote/.test(line)));
  t.true(lines.some((line) => /G-Deliver/.test(line)));
  t.is(result.stdout, (await ent(['run', shop])).stdout);
  const split = await ent(['run', '--semantics', 'split', '--trace', shop]);
  t.true(split.stderr.split('\n').some((line) => /L-Call\s+examples\/shop\.ent:\d+/.test(line)));
});

test('the same seed gives the same trace, byte for byte', async (t) => {
  const first = await ent(['run', '--trace', '--seed', '11', '--faults', 'drop=0.2,dup=0.2,delay=0.2,crash=0.02', bank]);
  const second = await ent(['run', '--trace', '--seed', '11', '--faults', 'drop=0.2,dup=0.2,delay=0.2,crash=0.02', bank]);
  t.is(first.status, 0);
  t.is(first.stderr, second.stderr);
  t.not(first.stderr, (await ent(['run', '--trace', '--seed', '12', '--faults', 'drop=0.2,dup=0.2,delay=0.2,crash=0.02', bank])).stderr);
});

test('--history writes the documented JSON, and check-history reads it', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'ent-'));
  const path = join(directory, 'history.json');
  t.is((await ent(['run', '--history', path, bank])).status, 0);
  const history = JSON.parse(readFileSync(path, 'utf8'));
  t.is(history.format, 'ent-history');
  t.true(history.events.some((event: { type: string }) => event.type === 'commit'));
  const checked = await ent(['check-history', path]);
  t.is(checked.status, 0);
  t.regex(checked.stdout, /no anomaly/);
  const lostUpdate = [
    { index: 0, type: 'invoke', f: 'txn', value: [['r', 'x', null], ['w', 'x', 1]], process: 0 },
    { index: 1, type: 'invoke', f: 'txn', value: [['r', 'x', null], ['w', 'x', 2]], process: 1 },
    { index: 2, type: 'ok', f: 'txn', value: [['r', 'x', null], ['w', 'x', 1]], process: 0 },
    { index: 3, type: 'ok', f: 'txn', value: [['r', 'x', null], ['w', 'x', 2]], process: 1 },
  ];
  writeFileSync(join(directory, 'elle.json'), JSON.stringify(lostUpdate));
  const elle = await ent(['check-history', join(directory, 'elle.json')]);
  t.is(elle.status, 1);
  t.regex(elle.stdout, /G-single|G2|lost-update/);
});

test('ent cps prints the core and the blocks of one method', async (t) => {
  const result = await ent(['cps', shop, 'User.buy_item']);
  t.is(result.status, 0);
  t.regex(result.stdout, /== core of User\.buy_item ==/);
  t.regex(result.stdout, /block buy_item_1\(/);
  t.regex(result.stdout, /live \{/);
  t.notRegex((await ent(['cps', '--core', shop])).stdout, /== split of/);
});

test('ent check: held runs exit 0; a violation exits 1 with a replay command that reproduces it', async (t) => {
  const held = await ent(['check', bank, '--runs', '20']);
  t.is(held.status, 0);
  t.regex(held.stdout, /20 runs held/);
  t.regex(held.stdout, /their requests: \d+ committed, \d+ aborted by their program, 0 aborted by the system/);
  const broken = await ent(['check', bank, '--delivery', 'at-least-once', '--runs', '200', '--shrink-seconds', '3']);
  t.is(broken.status, 1);
  t.regex(broken.stdout, /what it shows:\n {2}(not serializable|the serial order the protocol claims|not exactly once)/);
  t.regex(broken.stdout, /the violations, checker by checker:/);
  const token = /--replay (\S+)/.exec(broken.stdout)![1];
  const replayed = await ent(['check', bank, '--replay', token]);
  t.is(replayed.status, 1);
  const violation = (text: string): string => text.slice(text.indexOf('what it shows:'), text.indexOf('replay it exactly'));
  t.is(violation(replayed.stdout), violation(broken.stdout));
});

test('bin/ent.js end to end: npx ent run prints the example and exits 0', (t) => {
  const result = spawnSync(process.execPath, ['bin/ent.js', 'run', shop], { encoding: 'utf8' });
  t.is(result.status, 0);
  t.is(result.stdout.trim(), readFileSync('examples/README.md', 'utf8').split('`shop.ent`:')[1].split('```')[1].trim());
});

test('bin/ent.js end to end: a static error exits 2 with nothing on standard output', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'ent-'));
  writeFileSync(join(directory, 'bad.ent'), 'run { print }\n');
  const result = spawnSync(process.execPath, ['bin/ent.js', 'run', join(directory, 'bad.ent')], { encoding: 'utf8' });
  t.is(result.status, 2);
  t.is(result.stdout, '');
  t.regex(result.stderr, /error\[E0110\]/);
});
