// The REPL on a terminal, driven through its input stream as a person types: Ctrl-C stops an infinite
// loop in a statement and a transaction that never ends, and the session goes on with its state; Tab
// completes the members of a variable's entity; a line ending in an operator continues with `... `; the
// history is kept across two sessions; Ctrl-C clears a line, and twice on an empty line leaves.

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { memoryIo } from '../cli/io.ts';
import { repl } from '../cli/repl.ts';

const counter = 'entity Counter {\n  key id: int\n  n: int = 0\n  fn add(k: int): int {\n    self.n = self.n + k\n    return self.n\n  }\n'
  + '  fn spin(): int {\n    self.n = 99\n    while true {\n      self.n = self.n + 1\n    }\n    return 0\n  }\n}\n';

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** A REPL on a terminal made of two streams, with a way to wait until something shows. */
function terminal(options: { historyFile?: string; args?: [string, string][] } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
  });
  const io = memoryIo();
  const exit = repl(io, { options: new Map(options.args ?? []), positionals: [] }, {
    input, output, terminal: true, historyFile: options.historyFile ?? '',
  });
  const until = async (condition: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`waited a minute for ${what}; stdout ${JSON.stringify(io.stdout)}, stderr ${JSON.stringify(io.stderr)}`);
      await sleep(20);
    }
  };
  return { type: (text: string) => input.write(text), io, screen: () => screen, until, exit, end: () => input.end() };
}

test('Ctrl-C stops an infinite loop in a statement and a transaction that never ends; the session keeps its state', async (t) => {
  const repl = terminal({ args: [['step-limit', '1000000000000']] });
  repl.type(counter);
  repl.type('let c = new Counter(1)\nc.add(5)\nlet i = 0\n');
  await repl.until(() => repl.io.stdout.includes('5'), 'c.add(5)');
  repl.type('while true { i = i + 1 }\n');
  await sleep(300);
  repl.type('\x03');
  await repl.until(() => repl.io.stderr.some((line) => /error\[R0104\]: interrupted/.test(line)), 'the loop to stop');
  repl.type('c.spin()\n');
  await sleep(300);
  repl.type('\x03');
  await repl.until(() => repl.io.stdout.includes('abort: interrupted'), 'the transaction to abort');
  repl.type('print c.n\nprint i >= 0\n:quit\n');
  t.is(await repl.exit, 0);
  // The aborted transaction rolled back its writes (n was set to 99 and counted up): n is still 5.
  t.deepEqual(repl.io.stdout, ['5', 'abort: interrupted', '5', 'true']);
});

test('Tab completes the members of a variable\'s entity; a line ending in an operator continues', async (t) => {
  const repl = terminal();
  repl.type(counter);
  repl.type('let counter = new Counter(1)\n');
  // Tab turns `counter.a` into `counter.add` (readline writes the `dd` it adds): then `(2)` calls it.
  repl.type('counter.a\t');
  await repl.until(() => /counter\.a(\x1b\[\d+G)?dd/.test(repl.screen()), 'the completion');
  repl.type('(2)\nlet y = 40 +\n');
  await repl.until(() => repl.screen().includes('... '), 'the continuation prompt');
  repl.type('2\nprint y\n:q\n');
  t.is(await repl.exit, 0);
  t.deepEqual(repl.io.stdout, ['2', '42']);
});

test('the history is kept across two sessions; Ctrl-C clears a line, twice on an empty line leaves', async (t) => {
  const historyFile = join(mkdtempSync(join(tmpdir(), 'ent-history-')), 'history');
  const first = terminal({ historyFile });
  first.type('print 40 + 2\n');
  await first.until(() => first.io.stdout.includes('42'), 'the first session');
  // The statement has printed but may still be running, and a Ctrl-C then stops the statement instead
  // of clearing the line: type on only once the prompt is back.
  await first.until(() => first.screen().slice(first.screen().lastIndexOf('print 40 + 2')).includes('ent> '), 'the prompt after the first statement');
  first.type('print "never run"\x03');
  first.type('\x03');
  await first.until(() => first.screen().includes('press Ctrl-C again'), 'the hint to leave');
  first.type('\x03');
  t.is(await first.exit, 0);
  t.deepEqual(first.io.stdout, ['42']);
  t.is(readFileSync(historyFile, 'utf8'), 'print 40 + 2\n');
  const second = terminal({ historyFile });
  // Up arrow, then Enter: the line from the first session runs again.
  second.type('\x1b[A');
  await sleep(100);
  second.type('\n');
  await second.until(() => second.io.stdout.includes('42'), 'the line from history');
  second.end();
  t.is(await second.exit, 0);
});
