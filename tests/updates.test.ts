// Live updates (docs/language.md §15; proofs/semantics.md §8): examples/erasure.ent prints what its
// comments expect under the reference model, the split machine, and the distributed runtime under
// faults for many seeds with 2PL and Aria, and every checker holds on those runs (the updates checker
// included); `ent cps` shows the versions, dispatchers and `$Code(0)`; the run block is typed against
// the code of its place (a method added by an update is unknown before it); `update` stays a name
// outside its form; a migration is the same whenever it runs (lazily at an entity's first use, which
// the model and the runtime share, equals running it on every entity at the update); `ent explore`,
// `ent graph` and the Restate engine refuse updates with U0140. Negative controls: the updates
// checker reports mixed versions in a history that shows them, and the zoo's update-mid-atom is
// caught (tests/zoo.test.ts, property-tests/updates-distributed.test.ts).

import test from 'ava';
import { readFileSync } from 'node:fs';
import { checkRun } from '../checkers/case.ts';
import { checkUpdates } from '../checkers/updates.ts';
import { main } from '../cli/main.ts';
import { parseReplInput } from '../grammar/index.ts';
import { checkClientStatements, checkEntities } from '../semantics/check/index.ts';
import { memoryIo } from '../cli/io.ts';
import { ReplSession } from '../cli/repl-session.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { defaultTimeouts, type ConcurrencyMode, type RuntimeSettings } from '../runtime/configuration.ts';
import { historyEvents, type HistoryEvent } from '../runtime/history.ts';
import { DistributedHost } from '../runtime/host.ts';
import { SingleNodeHost } from '../runtime/single-node.ts';
import { generateWorkload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { Client } from '../semantics/reference/client.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TransactionHost } from '../semantics/transactions.ts';
import { parseExpectations } from './support/corpus.ts';

const seeds = 8 * Number(process.env.ENT_RUNS ?? 1);
const path = 'examples/erasure.ent';
const example = parseExpectations('erasure.ent', path, readFileSync(path, 'utf8'));
const program = compile(example.text, path).program!;
const split = compileToSplit(program).split;

async function ent(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

function settings(concurrency: ConcurrencyMode, bug = 'none'): RuntimeSettings {
  return {
    nodes: 3, delivery: 'exactly-once', concurrency, faults: { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.01 },
    stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug,
  };
}

function runOn(host: TransactionHost): string[] {
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  client.run(program.run!.body);
  client.finish();
  return output;
}

test('examples/erasure.ent prints what its comments expect on the reference model and the split machine', (t) => {
  t.true(example.output.length >= 8);
  t.deepEqual(runOn(new ReferenceHost(new ReferenceModel(program))), example.output);
  t.deepEqual(runOn(new SingleNodeHost(split)), example.output);
});

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`examples/erasure.ent under faults (${concurrency}, ${seeds} seeds) prints what the reference model prints, and every checker holds`, (t) => {
    for (let seed = 1; seed <= seeds; seed++) {
      const host = new DistributedHost(split, { seed: String(seed), settings: settings(concurrency) });
      const output = runOn(host);
      host.heal();
      host.settle();
      t.deepEqual(output, example.output, `seed ${seed}`);
      const events = historyEvents(host.config.history);
      const violations = checkRun(program, settings(concurrency), { events, entities: host.entities(), stuck: [], stuckBecause: undefined });
      t.deepEqual(violations.map((violation) => `${violation.checker}:${violation.kind} ${violation.message}`), [], `seed ${seed}`);
      // The updates are requests of the history, in their places; every atom after them read $Code(0).
      const installs = events.filter((event) => event.type === 'request' && event.request.kind === 'call' && event.request.method === '$install');
      t.is(installs.length, 2, `seed ${seed}`);
      const codeReads = events.filter((event) => event.type === 'commit' && event.reads.has('$Code(0)'));
      t.true(codeReads.length >= 5, `seed ${seed}`);
    }
  });
}

test('`ent run` prints the same under every semantics and `ent check` holds on examples/erasure.ent', async (t) => {
  const files = { 'p.ent': example.text };
  const reference = await ent(['run', '--semantics', 'reference', 'p.ent'], files);
  t.is(reference.stdout, example.output.join('\n'));
  for (const args of [['run', 'p.ent'], ['run', '--semantics', 'split', 'p.ent'], ['run', '--protocol', 'aria', '--seed', '7', 'p.ent']]) {
    const result = await ent(args, files);
    t.is(result.stdout, reference.stdout, args.join(' '));
  }
  const checked = await ent(['check', '--runs', '10', 'p.ent'], files);
  t.is(checked.status, 0, checked.stdout);
});

test('`ent cps` shows every version, the dispatchers that read $Code(0), the migrations and the getters', async (t) => {
  const cps = await ent(['cps', 'p.ent'], { 'p.ent': example.text });
  t.is(cps.status, 0);
  for (const header of ['Customer.register@0', 'Customer.register@1', 'Customer.$migrate@1', 'Customer.$upgrade', 'Customer.$get$email', 'Shop.on orders@1', '$Code.$install', '$Code.$version']) {
    t.true(cps.stdout.includes(`== core of ${header} ==`), header);
  }
  t.regex(cps.stdout, /\$Code\(0\)|\$Code/);
});

const counter = `entity Counter {
  key id: int
  n: int = 0
  fn add(k: int) {
    self.n = self.n + k
  }
}
`;

test('the run block is typed against the code at its place: a method an update adds is unknown before it', (t) => {
  const before = compile(`${counter}run {\n  let c = new Counter(1)\n  c.twice()\n  update Counter {\n    fn twice() {\n      self.n = self.n * 2\n    }\n  }\n}\n`, 'a.ent');
  t.deepEqual(before.diagnostics.map((entry) => entry.code), ['E0304']);
  const after = compile(`${counter}run {\n  let c = new Counter(1)\n  c.add(3)\n  update Counter {\n    fn twice() {\n      self.n = self.n * 2\n    }\n  }\n  c.twice()\n  print c.n\n}\n`, 'a.ent');
  t.deepEqual(after.diagnostics, []);
  const output: string[] = [];
  new Client(new ReferenceHost(new ReferenceModel(after.program!)), (line) => output.push(line)).run(after.program!.run!.body);
  t.deepEqual(output, ['6']);
});

test('`update` and `migrate` stay names outside their forms (programs written before updates run unchanged)', async (t) => {
  const text = 'entity Row {\n  key id: int\n  migrate: int = 0\n  fn update(migrate: int): int {\n    self.migrate = migrate\n    return migrate\n  }\n}\n'
    + 'run {\n  let update = new Row(1)\n  print update.update(4)\n  print update.migrate\n}\n';
  const compiled = compile(text, 'a.ent');
  t.deepEqual(compiled.diagnostics, []);
  const result = await ent(['run', 'p.ent'], { 'p.ent': text });
  t.is(result.stdout, '4\n4');
});

test('a migration reaches every entity that exists at the update, whichever is used first, and the entities used later too', (t) => {
  // Entities 1 and 2 exist at the update; 1 is used first, then 2: each is migrated once, at its first use.
  const text = `${counter}run {\n  new Counter(1).add(2)\n  new Counter(2).add(5)\n  update Counter {\n    doubled: bool = false\n    migrate {\n      self.n = self.n * 2\n      self.doubled = true\n    }\n  }\n  print Counter(1).n\n  print [Counter(2).n]\n}\n`;
  const compiled = compile(text, 'a.ent').program!;
  const model = new ReferenceModel(compiled);
  const output: string[] = [];
  new Client(new ReferenceHost(model), (line) => output.push(line)).run(compiled.run!.body);
  t.deepEqual(output, ['4', '[10]']);
  t.is(model.codeVersion('Counter'), 1);
});

test('`ent explore` with a random workload, `ent graph` and `ent run --engine restate` refuse a program with live updates with U0140 (ent explore --workload run explores it)', async (t) => {
  const text = `${counter}run {\n  new Counter(1)\n  update Counter {\n    fn add(k: int) {\n      self.n = self.n + 2 * k\n    }\n  }\n}\n`;
  for (const args of [['explore', 'p.ent'], ['graph', 'p.ent'], ['run', '--engine', 'restate', 'p.ent']]) {
    const result = await ent(args, { 'p.ent': text });
    t.is(result.status, 2, args.join(' '));
    t.regex(result.stderr, /error\[U0140\]: `ent (explore` with a random workload|graph`|run --engine restate`) does not run live updates yet, and this program's run block updates `Counter`/);
  }
});

test('negative control: the updates checker reports a transaction that read two copies of the code versions at different updates', (t) => {
  const reads = (entries: [string, number][]): ReadonlyMap<string, number> => new Map(entries);
  const events: HistoryEvent[] = [
    { type: 'commit', requestId: 'r1', order: 1, tick: 1, reads: reads([['$Code(0)', 1], ['Customer("bob")', 2]]), writes: [] },
    { type: 'commit', requestId: 'r2', order: 2, tick: 2, reads: reads([['$Code(0)', 2], ['$Code(1)', 1]]), writes: [] },
  ];
  t.deepEqual(checkUpdates(events).map((violation) => [violation.checker, violation.kind, violation.requests]), [['updates', 'mixed-versions', ['r2']]]);
  t.deepEqual(checkUpdates(events.slice(0, 1)), []);
});

/** A REPL session on `semantics`: each input submitted in turn; stdout and stderr kept. */
function replSession(semantics: string, files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const repl = new ReplSession(io, semantics, defaultRunSettings);
  return { submit: (...inputs: string[]) => inputs.map((input) => repl.submit(input)), io };
}

for (const semantics of ['reference', 'split', 'distributed']) {
  test(`the REPL runs an \`update\` typed at it (${semantics}): every entity migrated at once, the new code from the next input on`, (t) => {
    const { submit, io } = replSession(semantics);
    const results = submit(counter, 'let a = new Counter(1)', 'new Counter(2).add(5)', 'a.add(2)',
      'update Counter {\n  doubled: bool = false\n  fn add(k: int) {\n    self.n = self.n + 10 * k\n  }\n  migrate {\n    self.n = self.n * 2\n    self.doubled = true\n  }\n}',
      'print [a.n, Counter(2).n]', 'print Counter(2).doubled', 'a.add(1)', 'print a.n', 'let b = new Counter(3)', 'print b.n', 'print b.doubled');
    t.deepEqual(results, results.map(() => 'ok'), io.stderr.join('\n'));
    t.deepEqual(io.stdout.slice(-5), ['[4, 10]', 'true', '14', '0', 'false']);
    t.regex(io.stderr.join('\n'), /# Counter updated to version 1: 2 entities migrated/);
  });
}

test('the REPL refuses an update whose migration fails on an entity (R0106), and nothing changes; an update among other statements is E0524', (t) => {
  const { submit, io } = replSession('reference');
  submit(counter, 'let a = new Counter(1)', 'new Counter(2).add(5)');
  const refused = submit('update Counter {\n  fn add(k: int) {\n    self.n = 0\n  }\n  migrate {\n    self.n = 10 / (self.n - 5)\n  }\n}');
  t.deepEqual(refused, ['failed']);
  t.regex(io.stderr.join('\n'), /error\[R0106\]: the update of Counter is refused: its migration failed on Counter\(2\): division by zero/);
  // Nothing changed: the old code and the old states (the first entity's migration, which succeeded, is gone too).
  submit('a.add(1)', 'print [a.n, Counter(2).n]');
  t.is(io.stdout.at(-1), '[1, 5]');
  t.deepEqual(submit('if true {\n  update Counter {\n    m: int = 0\n  }\n}'), ['failed']);
  t.regex(io.stderr.join('\n'), /error\[E0524\]: at the REPL, an update is an input of its own/);
  // Negative control: the same update with a total migration goes through.
  t.deepEqual(submit('update Counter {\n  migrate {\n    self.n = self.n + 100\n  }\n}', 'print [a.n, Counter(2).n]'), ['ok', 'ok']);
  t.is(io.stdout.at(-1), '[101, 105]');
});

test('`:load` of a file whose run block updates runs the updates in their places, as `ent run` does', async (t) => {
  const file = `${counter}run {\n  let c = new Counter(1)\n  c.add(3)\n  update Counter {\n    fn add(k: int) {\n      self.n = self.n - k\n    }\n    migrate {\n      self.n = self.n * 100\n    }\n  }\n  c.add(1)\n  print c.n\n}\n`;
  const { submit, io } = replSession('distributed', { 'p.ent': file });
  t.deepEqual(submit(':load p.ent'), ['ok'], io.stderr.join('\n'));
  t.is(io.stdout.at(-1), '299');
  const run = await ent(['run', 'p.ent'], { 'p.ent': file });
  t.is(run.stdout.trim(), '299');
});

/**
 * A random workload of a program with live updates installs them among the first client's requests
 * (runtime/workload.ts `withInstalls`), while the other clients' transactions run: U-Version under real
 * concurrency, which the run block (one client, waiting before each update) never shows. These runs
 * found that the reference model migrated an entity when its *key* was read, where the split semantics
 * reads the key with no getter: the final states then differed. The zoo's `update-mid-atom` is the
 * negative control on the same workloads.
 */
const liveUpdate = readFileSync('corpus/updates/live-update.ent', 'utf8');

test('a random workload installs the updates among the first client\'s requests, in their order', (t) => {
  const program = compile(liveUpdate, 'live-update.ent').program!;
  const workload = generateWorkload(program, { clients: 3, requestsPerClient: 4, keysPerEntity: 2 }, (count) => Math.floor(count / 2));
  const installs = workload.clients[0].filter((request) => request.kind === 'call' && request.method === '$install');
  t.deepEqual(installs.map((request) => (request as { args: readonly unknown[] }).args), [['Account', 1], ['Account', 2]]);
  t.true(workload.clients.slice(1).every((requests) => requests.every((request) => request.kind !== 'call' || request.method !== '$install')));
});

for (const protocol of ['2pl', 'aria']) {
  test(`ent check holds on live updates under a random workload, with other clients running (${protocol}); update-mid-atom is caught there`, async (t) => {
    const held = await ent(['check', 'p.ent', '--protocol', protocol, '--runs', '200', '--clients', '3', '--requests', '4'], { 'p.ent': liveUpdate });
    t.is(held.status, 0, held.stdout);
    t.regex(held.stdout, /200 runs held/);
    const caught = await ent(['check', 'p.ent', '--protocol', protocol, '--runs', '200', '--bug', 'update-mid-atom', '--shrink-seconds', '5'], { 'p.ent': liveUpdate });
    t.is(caught.status, 1);
    t.regex(caught.stdout, /violated a guarantee/);
  });
}
