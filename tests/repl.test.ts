// The REPL: declarations, statements, continuation lines, every command, redeclaration with and without
// the state fitting, bad lines and client errors that leave the state intact, and completion. Most cases
// drive a ReplSession in process; a few pipe input into the real `ent repl`.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../cli/io.ts';
import { complete } from '../cli/repl.ts';
import { ReplSession } from '../cli/repl-session.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';

const counter = 'entity Counter {\n  key id: int\n  n: int = 0\n  fn add(k: int): int {\n    self.n = self.n + k\n    return self.n\n  }\n}';

/** Runs inputs through a session (each a complete input, as the terminal loop would hand them over). */
function session(semantics = 'distributed'): { submit: (...inputs: string[]) => void; stdout: string[]; stderr: string[]; repl: ReplSession } {
  const io = memoryIo();
  const repl = new ReplSession(io, semantics, defaultRunSettings);
  return { submit: (...inputs) => inputs.forEach((input) => repl.submit(input)), stdout: io.stdout, stderr: io.stderr, repl };
}

function pipe(input: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/ent.js', 'repl', ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('piped input: statements run at once, no prompt is written, exit 0 at the end of input', (t) => {
  const result = pipe('let x = 1\nprint x + 1\n');
  t.is(result.status, 0);
  t.is(result.stdout, '2\n');
});

test('piped input: an unclosed brace continues on the next line', (t) => {
  const result = pipe(`${counter}\nlet c = new Counter(1)\nc.add(\n  2\n)\nprint c.n\n`);
  t.is(result.stdout, '2\n2\n');
});

test('a lone expression prints its value; a void call prints nothing', (t) => {
  const { submit, stdout } = session();
  submit(counter, 'let c = new Counter(7)', 'c.add(5)', 'c', 'c.n', '1 + 2');
  t.deepEqual(stdout, ['5', 'Counter(7)', '5', '3']);
});

test('a bad line prints its diagnostic and changes nothing', (t) => {
  const { submit, stdout, stderr } = session();
  submit(counter, 'let c = new Counter(1)', 'c.add(1)', 'let d = c.add("x")', 'print c.n', 'print d');
  t.deepEqual(stdout, ['1', '1']);
  t.regex(stderr.join('\n'), /error\[E0401\][\s\S]*<repl:4>:1:15/);
  t.regex(stderr.join('\n'), /error\[E0301\]: unknown variable `d`/);
});

test('a client error prints its diagnostic; the REPL goes on with its variables', (t) => {
  const { submit, stdout, stderr } = session();
  submit('let x = 4', 'let y = x / 0', 'print x', 'print y');
  t.deepEqual(stdout, ['4']);
  t.regex(stderr.join('\n'), /error\[R0101\]: division by zero/);
  t.regex(stderr.join('\n'), /error\[R0102\]/);
});

test('an abort prints `abort: …` and the transaction leaves nothing behind', (t) => {
  const { submit, stdout } = session();
  submit(counter, 'let c = new Counter(1)', 'let again = new Counter(1)', 'print c.n');
  t.deepEqual(stdout, ['abort: Counter(1) already exists', '0']);
});

test('redeclaring an entity replaces its code and keeps the state that still fits', (t) => {
  const { submit, stdout, stderr } = session();
  submit(counter, 'let c = new Counter(1)', 'c.add(5)');
  submit('entity Counter {\n  key id: int\n  n: int = 0\n  label: string = "new"\n  fn add(k: int): int {\n    self.n = self.n + 10 * k\n    return self.n\n  }\n}');
  submit('c.add(1)', 'print c.label');
  t.deepEqual(stdout, ['5', '15', '"new"']);
  t.deepEqual(stderr, []);
});

test('a redeclaration whose fields do not fit drops the entity and says why', (t) => {
  const { submit, stdout, stderr } = session();
  submit(counter, 'let c = new Counter(1)', 'c.add(5)');
  submit('entity Counter {\n  key id: int\n  n: string = ""\n}');
  submit(':state');
  t.regex(stderr.join('\n'), /note: Counter\(1\) was dropped: field n changed from int to string/);
  t.regex(stdout.join('\n'), /\(no entities\)/);
});

test(':state lists every entity and variable; :reset forgets them', (t) => {
  const { submit, stdout } = session();
  submit(counter, 'let c = new Counter(3)', 'c.add(2)', ':state');
  t.regex(stdout.join('\n'), /Counter\(3\) \{ id: 3, n: 2 \}/);
  t.regex(stdout.join('\n'), /let c = Counter\(3\)/);
  submit(':reset', ':state');
  t.is(stdout.at(-1), '(no entities)');
});

test(':help lists every command; :cps prints the blocks of a method', (t) => {
  const { submit, stdout } = session();
  submit(':help');
  for (const command of ['load', 'state', 'cps', 'trace', 'nodes', 'seed', 'faults', 'protocol', 'delivery', 'history', 'reset', 'quit']) {
    t.regex(stdout.join('\n'), new RegExp(`:${command}\\b`), command);
  }
  submit(counter, ':cps Counter.add');
  t.regex(stdout.at(-1)!, /== split of Counter\.add: 1 block ==/);
});

test('runtime commands carry the entities over to the new runtime', (t) => {
  const { submit, stdout, stderr } = session();
  submit(counter, 'let c = new Counter(1)', 'c.add(4)');
  submit(':nodes 5', ':seed 9', ':faults drop=0.1,dup=0.1', ':protocol aria', ':delivery exactly-once', ':semantics split', 'c.add(1)');
  t.is(stdout.at(-1), '5');
  t.regex(stderr.join('\n'), /seed=9 nodes=5/);
  submit(':nodes zero', ':protocol paxos', ':faults drop=7');
  t.is(stderr.filter((line) => /error\[U0103\]/.test(line)).length, 3);
});

test(':trace on prints steps on standard error; :history writes the distributed history', (t) => {
  const { submit, stderr } = session();
  submit(counter, ':trace on', 'let c = new Counter(1)');
  t.true(stderr.some((line) => /G-Deliver/.test(line)));
  const path = join(mkdtempSync(join(tmpdir(), 'ent-')), 'history.json');
  submit(`:history ${path}`);
  t.is(JSON.parse(readFileSync(path, 'utf8')).format, 'ent-history');
});

test(':load FILE and `ent repl FILE` declare its entities and run its run block', (t) => {
  const { submit, stdout } = session('reference');
  submit(':load examples/shop.ent');
  const expected = pipe('', ['examples/shop.ent']).stdout.trim().split('\n');
  t.deepEqual(stdout, expected);
  t.true(expected.length > 0);
});

test(':quit ends the REPL; what follows is not run', (t) => {
  t.is(pipe('print 1\n:quit\nprint 2\n').stdout, '1\n');
});

test('completion offers commands, variables, entities and the members of a variable\'s entity', (t) => {
  const { submit, repl } = session();
  submit(counter, 'let counter = new Counter(1)', 'let xs: list<int> = [1]');
  t.deepEqual(complete(repl, ':st'), [[':state'], ':st']);
  t.deepEqual(complete(repl, 'counter.a'), [['add'], 'a']);
  t.deepEqual(complete(repl, 'xs.p'), [['push'], 'p']);
  t.true(complete(repl, 'print cou')[0].includes('counter'));
  t.true(complete(repl, 'new Cou')[0].includes('Counter'));
});

test('an incomplete input is recognized outside strings and comments', (t) => {
  t.true(ReplSession.isIncomplete('entity A {'));
  t.false(ReplSession.isIncomplete('print "{"'));
  t.false(ReplSession.isIncomplete('print 1 // {'));
  t.true(ReplSession.isIncomplete('/* unclosed'));
});
