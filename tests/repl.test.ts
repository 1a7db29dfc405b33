// The REPL: declarations, statements, continuation lines, every command, redeclaration with and without
// the state fitting, bad lines and client errors that leave the state intact, and completion. Most cases
// drive a ReplSession in process; a few pipe input into the real `ent repl`.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../cli/io.ts';
import { complete as completeWith } from "../cli/repl-complete.ts";
import { isCommandLine, isIncomplete } from "../cli/repl-input.ts";
import { replCommands } from "../cli/repl-session.ts";
const complete = (session: ReplSession, line: string) => completeWith(session, line, replCommands.map((command) => command.name));
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
  // A redeclaration is the REPL's other live update: a new version of the type's code.
  t.deepEqual(stderr, ['# Counter updated to version 1: 1 entity migrated']);
});

test('a redeclaration whose fields do not fit is refused, naming what would break, and nothing changes', (t) => {
  const { submit, stdout, stderr } = session();
  submit(counter, 'let c = new Counter(1)', 'c.add(5)');
  submit('entity Counter {\n  key id: int\n  n: string = ""\n}');
  submit('entity Counter {\n  key id: int\n  n: int = 0\n  label: string\n  init() {\n    self.label = "x"\n  }\n}');
  submit('c.add(1)');
  const errors = stderr.join('\n');
  t.regex(errors, /error\[E0214\]: cannot declare Counter again: field n changes from int to string, but Counter\(1\) holds int values in it/);
  t.regex(errors, /error\[E0214\]: cannot declare Counter again: the new field label has no default, and Counter\(1\) exists without a value for it/);
  t.deepEqual(stdout, ['5', '6']);
});

test('a redeclaration that changes the key type is refused while references to the old keys exist', (t) => {
  const { submit, stdout, stderr } = session('reference');
  submit('entity Q {\n  key id: int\n}', 'let q = new Q(1)', 'let qs = [q]');
  submit('entity Q {\n  key id: string\n}');
  t.regex(stderr.join('\n'), /E0214\]: cannot declare Q again: the key of Q changes from int to string, but Q\(1\) exists with int keys/);
  t.regex(stderr.join('\n'), /but `q`, `qs` hold Q references with int keys/);
  submit('print q.id + 1');
  t.deepEqual(stdout, ['2']);
  // Without entities or references of the type, the new key type is taken.
  const fresh = session('reference');
  fresh.submit('entity Q {\n  key id: int\n}', 'entity Q {\n  key id: string\n}', 'let q = new Q("a")', 'print q.id + "x"');
  t.deepEqual(fresh.stdout, ['"ax"']);
  t.deepEqual(fresh.stderr, []);
});

test('a redeclaration that drops a field keeps the entity and says what was lost', (t) => {
  const { submit, stdout, stderr } = session();
  submit('entity Counter {\n  key id: int\n  n: int = 0\n  label: string = "x"\n}', 'let c = new Counter(1)');
  submit('entity Counter {\n  key id: int\n  n: int = 0\n}', 'print c.n');
  t.deepEqual(stdout, ['0']);
  t.regex(stderr.join('\n'), /note: field Counter\.label is gone: Counter\(1\) loses its value/);
});

test('setting commands alone show the value; bad values are refused as the options refuse them', (t) => {
  const { submit, stdout, stderr } = session();
  submit(':seed', ':nodes', ':faults', ':protocol', ':delivery', ':step-limit', ':semantics', ':trace');
  t.deepEqual(stdout, ['seed 1', 'nodes 3', 'faults drop=0.02,dup=0.02,delay=0.05,crash=0.002', 'protocol 2pl', 'delivery exactly-once',
    'step-limit 1000000', 'semantics distributed', 'trace off']);
  submit(':trace calls', ':trace');
  t.is(stdout.at(-1), 'trace calls');
  for (const bad of [':seed abc', ':seed -1', ':seed 1e400', ':step-limit 0', ':faults drop=0.1,drop=0.2', ':nodes 65']) {
    const before = stderr.length;
    submit(bad);
    t.regex(stderr.slice(before).join('\n'), /^error\[U0103\]: :[a-z-]+ .+\n {2}= hint: /, bad);
  }
  submit(':seed 7', ':seed');
  t.is(stdout.at(-1), 'seed 7');
});

test(':q, :quit and :exit leave; an unknown command suggests the command it may mean', (t) => {
  for (const quit of [':q', ':quit', ':exit']) t.is(session().repl.submit(quit), 'quit');
  const { submit, stderr } = session();
  submit(':hel');
  t.regex(stderr.join('\n'), /error\[U0101\]: unknown REPL command :hel\n {2}= hint: did you mean :help\?/);
});

test('piped input exits 1 when any input failed; `ent repl FILE` with a missing file exits 2 before starting', (t) => {
  t.is(pipe('print 1\nprint y\nprint 2\n').status, 1);
  t.is(pipe('print 1\n:seed abc\n').status, 1);
  t.is(pipe('print 1\nlet a = [1]\nprint a[5]\n').status, 1);
  const missing = pipe('print 1\n', ['no/such/file.ent']);
  t.is(missing.status, 2);
  t.is(missing.stdout, '');
  t.regex(missing.stderr, /^error\[U0102\]: cannot read no\/such\/file\.ent: no such file/);
});

test('a line that ends in an operator, a comma or an open bracket continues; x++ does not', (t) => {
  t.true(isIncomplete('let x = 1 +'));
  t.true(isIncomplete('let xs = [1,'));
  t.true(isIncomplete('print max(1,\n'));
  t.true(isIncomplete('let y = a &&   // a comment'));
  t.false(isIncomplete('x++'));
  t.false(isIncomplete('print "1 +"'));
  t.false(isIncomplete(':faults drop=0.1,'));
  t.is(pipe('let x = 1 +\n  2\nprint x *\n  3\n').stdout, '9\n');
});

test('a :command typed while an input is unfinished ends it: the input gets its diagnostic, then the command runs', (t) => {
  t.true(isCommandLine(':explore --clients 1'));
  t.true(isCommandLine('  :quit'));
  t.false(isCommandLine(': 1 }'));
  t.false(isCommandLine('print 1'));
  const result = pipe('let x = 1 +\n:help\nprint x\n');
  t.is(result.status, 1);
  t.regex(result.stderr, /error\[E\d{4}\]/);
  // The command ran (its output is :help's list), and the unfinished `let` defined nothing.
  t.regex(result.stdout, /:load/);
  t.regex(result.stderr, /unknown variable `x`|`x`/);
});

test('regression: a blank or comment-only line is complete, and does not swallow the line after it', (t) => {
  t.false(isIncomplete(''));
  t.false(isIncomplete('   '));
  t.false(isIncomplete('// just a note'));
  t.false(isIncomplete('/* a note */'));
  t.is(pipe('// a note\nprint 1\n\nprint 2\n').stdout, '1\n2\n');
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
  t.deepEqual(complete(repl, ':sta'), [[':state'], ':sta']);
  t.deepEqual(complete(repl, ':st'), [[':state', ':step-limit', ':step'], ':st']);
  t.deepEqual(complete(repl, ':protocol a'), [['aria'], 'a']);
  t.deepEqual(complete(repl, ':load examples/ba'), [['examples/bank.ent'], 'examples/ba']);
  t.deepEqual(complete(repl, 'nobody.'), [[], '']);
  t.deepEqual(complete(repl, 'counter.a'), [['add'], 'a']);
  t.deepEqual(complete(repl, 'xs.p'), [['push'], 'p']);
  t.true(complete(repl, 'print cou')[0].includes('counter'));
  t.true(complete(repl, 'new Cou')[0].includes('Counter'));
  submit('entity Box {\n  key id: int\n  owner: Counter\n  init(o: Counter) {\n    self.owner = o\n  }\n}', 'let box = new Box(1, counter)');
  t.deepEqual(complete(repl, 'box.owner.a'), [['add'], 'a']);
  t.deepEqual(complete(repl, 'box.'), [['id', 'owner'], '']);
});

test('an incomplete input is recognized outside strings and comments', (t) => {
  t.true(isIncomplete('entity A {'));
  t.false(isIncomplete('print "{"'));
  t.false(isIncomplete('print 1 // {'));
  t.true(isIncomplete('/* unclosed'));
});
