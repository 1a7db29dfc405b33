// Ent on a real engine (engines/restate, docs/engines.md): the examples print the reference model's
// output on a Restate server; a bank of transfers with the server SIGKILLed three times (and the service
// process once) conserves its money, answers every request once and passes every checker; the negative
// control (`--protocol none`: no locks) is caught on the real engine; a run leaves no process, port or
// folder behind, on Ctrl-C too; a platform without the server binary gets U0130, a server that does not
// answer U0131. Needs the optional dependencies on linux-x64 (skipped with the reason otherwise). The
// corpus's distributed subset runs with ENT_RESTATE_LONG=1 (`npm run test:long`).

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';
import { checkOnRestate, type RestateRunReport } from '../engines/restate/check.ts';
import { engineUnavailable, EngineError, RestateEngine } from '../engines/restate/engine.ts';
import { sdkInstalled, freePort } from '../engines/restate/processes.ts';
import { runClientOn } from '../engines/restate/run.ts';
import { compile } from '../semantics/compile.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue, type Value } from '../semantics/values.ts';
import { runReference } from './support/run-reference.ts';
import { intendedDifferences, loadCorpus } from './support/corpus.ts';
import { openingBankSource as bank } from '../property-tests/arbitraries/bank.ts';

const unavailable = process.platform === 'linux' && process.arch === 'x64'
  ? engineUnavailable(true)?.message
  : `the Restate tests run on linux-x64, not ${process.platform}-${process.arch}`;
const restate = unavailable === undefined ? test.serial : test.skip;
const restateConcurrent = unavailable === undefined ? test : test.skip;
if (unavailable !== undefined) {
  test(`Restate engine tests skipped: ${unavailable} (npm ci installs the optional dependencies)`, (t) => t.pass());
}

async function ent(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** Asserts that everything the engine started is gone: its processes, its ports, its folder. */
async function assertNothingLeft(t: { true: (value: boolean, message?: string) => void }, engine: RestateEngine, pids: readonly number[]): Promise<void> {
  for (const pid of pids) t.true(!alive(pid), `process ${pid} still runs`);
  for (const [name, port] of Object.entries(engine.processes.ports)) t.true(await portFree(port), `the ${name} port ${port} is still taken`);
  t.true(!readdirSync(tmpdir()).includes(engine.processes.folder.split('/').pop()!), 'the run\'s folder is still there');
}

// Live updates do not run on Restate yet (`ent run --engine restate` refuses them with U0140, tested by
// tests/updates.test.ts): erasure.ent is left out here.
const examples = readdirSync('examples').filter((name) => name.endsWith('.ent'))
  .filter((name) => !/^\s*update\s+\w+\s*\{/m.test(readFileSync(`examples/${name}`, 'utf8'))).map((name) => `examples/${name}`);
const extraPrograms = ['corpus/calls/reentrant-cycle.ent', 'corpus/calls/recursion-self-calls.ent'];

/**
 * A local recursion 40 deep whose every level, once its self call returns, calls another entity: the
 * coordinator holds 40 of Deep's frames, more than it hands to one `exec` (engines/restate/service.ts
 * `framesHandedOver`), and each reply resumes one handed frame and calls out with the others left. An
 * `exec` that claims to have consumed all its handed frames (checked by hand) prints 4 and 2, not 41 and 4.
 */
const deepLocal = {
  path: 'deep-local.ent',
  text: `entity Deep {
  key id: int
  fn down(n: int, other: Other): int {
    if n == 0 {
      return other.one()
    }
    return self.down(n - 1, other) + other.one()
  }
}
entity Other {
  key id: int
  fn one(): int {
    return 1
  }
}
run {
  print new Deep(1).down(40, new Other(1))
  print new Deep(2).down(3, new Other(2))
}
`,
};

type Program = { readonly path: string; readonly text: string };

const fromFile = (path: string): Program => ({ path, text: readFileSync(path, 'utf8') });

/** Runs each program's run block on the engine and compares what it prints with the reference model. */
async function runPrograms(t: ExecutionContext, engine: RestateEngine, programs: readonly Program[]): Promise<void> {
  for (const [index, program] of programs.entries()) {
    const started = performance.now();
    await engine.serve(program.text, `p${index}`);
    const served = performance.now();
    const output: string[] = [];
    const status = await runClientOn(engine, { name: program.path, text: program.text }, { out: (line) => output.push(line), err: (text) => t.log(text) });
    const reference = runReference(program.text, program.path);
    t.deepEqual(output, reference.output, program.path);
    t.is(status === 0, reference.runtimeError === undefined, program.path);
    t.log(`${program.path}: served in ${Math.round(served - started)} ms, ran in ${Math.round(performance.now() - served)} ms`);
  }
}

/**
 * One server (and service process) for the tests that need no server of their own: starting one takes
 * seconds on a loaded machine. Each test begins its own run (namespace) on it; the last one stops it and
 * checks that nothing of it is left, with the pids of every process it ever ran (kills start new ones).
 */
let shared: RestateEngine | undefined;
let sharedText = '';
const sharedPids = new Set<number>();

async function sharedEngine(programText: string, namespace: string): Promise<RestateEngine> {
  if (shared === undefined) {
    shared = await RestateEngine.start({ programText, protocol: '2pl', stepLimit: 1_000_000 });
    sharedText = programText;
  }
  if (sharedText !== programText) {
    await shared.serve(programText, namespace);
    sharedText = programText;
  } else {
    shared.beginRun(namespace);
  }
  notePids();
  return shared;
}

function notePids(): void {
  for (const pid of shared?.processes.pids() ?? []) sharedPids.add(pid);
}

test.after.always(async () => {
  await shared?.stop();
});

/** The same request sent twice under its idempotency key takes effect once; under another id, again. */
async function sameRequestTwice(t: ExecutionContext): Promise<void> {
  const engine = await sharedEngine(bank, 'twice');
  await engine.request({ kind: 'new', entity: 'Account', key: 7, args: [10] });
  const deposit: Request = { kind: 'call', target: referenceValue('Account', 7), method: 'deposit', args: [5] };
  const ids = engine.nextRequest();
  const first = await engine.request(deposit, 0, ids);
  const again = await engine.request(deposit, 0, ids);
  t.deepEqual(again, first);
  t.deepEqual((await engine.snapshot('Account', 7)).fields, { id: 7, balance: 15 }, 'one deposit of 5, not two');
  // Control: under another id the same deposit is another request, and takes effect again.
  await engine.request(deposit);
  const snapshot = await engine.snapshot('Account', 7);
  t.is(snapshot.fields!.balance, 20);
  t.is(snapshot.version, 3);
  const { events } = await engine.history();
  t.is(events.filter((event) => event.type === 'commit' && event.requestId === ids.requestId).length, 1);
}

restate('the examples (and a re-entrant call cycle, recursions) print the reference model\'s output on Restate; a request sent twice under its idempotency key takes effect once', async (t) => {
  const engine = await sharedEngine(bank, 'examples');
  try {
    await runPrograms(t, engine, [...[...examples, ...extraPrograms].map(fromFile), deepLocal]);
  } finally {
    sharedText = '';
    notePids();
  }
  await sameRequestTwice(t);
});


const accounts = 4;
const opening = 100;

/** Four accounts of 100, then each of three clients makes five transfers between them (some overdraw). */
function transfers(run: number): { setup: Request[]; clients: Request[][] } {
  const account = (index: number): Value => referenceValue('Account', index);
  const setup: Request[] = Array.from({ length: accounts }, (_, index) => ({ kind: 'new', entity: 'Account', key: index, args: [opening] }));
  const clients = [0, 1, 2].map((client) => Array.from({ length: 5 }, (_, index): Request => {
    const from = (client + index + run) % accounts;
    const to = (from + 1 + (index % (accounts - 1))) % accounts;
    return { kind: 'call', target: referenceValue('Account', from), method: 'transfer', args: [account(to), 30 + 25 * ((client + index) % 4)] };
  }));
  return { setup, clients };
}

function assertConserved(t: ExecutionContext, report: RestateRunReport): void {
  const total = report.entities.reduce((sum, entity) => sum + (entity.fields.get('balance') as number), 0);
  t.is(report.entities.length, accounts);
  t.is(total, accounts * opening, 'the transfers conserve the money');
  const responses = new Map<string, number>();
  for (const event of report.events) if (event.type === 'response') responses.set(event.requestId, (responses.get(event.requestId) ?? 0) + 1);
  t.is(responses.size, report.requests, 'every request answered');
  t.true([...responses.values()].every((count) => count === 1), 'each request answered once');
  t.true(report.committed > 0 && report.aborted > 0, 'some transfers commit and some overdraw');
}

restate('a bank of transfers with the server killed three times and the service once conserves money and passes every checker', async (t) => {
  const program = compile(bank, 'bank.ent').program!;
  const on = await sharedEngine(bank, 'kills');
  const [report] = await checkOnRestate(program, {
    on, engine: { programText: bank, protocol: '2pl', stepLimit: 1_000_000 }, runs: 1, seed: '18', kills: 4, targets: ['server'],
    sequence: ['server', 'service', 'server', 'server'], shape: { clients: 3, requestsPerClient: 5, keysPerEntity: accounts }, workload: transfers,
  });
  notePids();
  t.deepEqual(report.kills.map((kill) => kill.kind), ['server', 'service', 'server', 'server']);
  t.true(report.kills.every((kill) => kill.recoveryMs !== undefined), 'an answer came after every kill');
  t.deepEqual(report.violations, []);
  assertConserved(t, report);
});

restate('negative control: without locks (--protocol none) concurrent transfers lose updates, and the checkers say so', async (t) => {
  const program = compile(bank, 'bank.ent').program!;
  // Real processes race as they please: a run without a lost update is possible, three in a row are not expected.
  const on = await sharedEngine(bank, 'none');
  const reports = await checkOnRestate(program, {
    on, engine: { programText: bank, protocol: 'none', stepLimit: 1_000_000 }, runs: 3, seed: '18', kills: 0, targets: ['server'],
    shape: { clients: 3, requestsPerClient: 5, keysPerEntity: accounts }, workload: transfers, until: (report) => report.violations.length > 0,
  });
  const caught = reports.filter((report) => report.violations.length > 0);
  t.true(caught.length > 0, 'no run without locks was caught');
  t.true(caught.some((report) => report.violations.some((violation) => violation.checker === 'dependency-graph' || violation.checker === 'replay')));
});

/**
 * Starts `ent run --engine restate` on a long loop, in a temporary folder of its own (TMPDIR), and waits
 * for its first line: then the server, the service process and the guardian run, and their command
 * lines name the run's folder. The two tests that use it run at the same time (ava runs the tests that
 * are not serial concurrently, after the serial ones): their runs keep apart by their folders.
 */
async function startLoop(name: string, stderr: 'pipe' | 'ignore'): Promise<{ child: ChildProcess; stdout: string; stderr: () => string; folder: string; pids: number[]; cleanup: () => void }> {
  const fs = await import('node:fs');
  const own = fs.mkdtempSync(`${tmpdir()}/ent-restate-test-${name}-`);
  const loop = 'entity C {\n  key id: int\n  n: int = 0\n  fn add(): int {\n    self.n = self.n + 1\n    return self.n\n  }\n}\nrun {\n  let c = new C(1)\n'
    + '  let i = 0\n  while i < 100000 {\n    print c.add()\n    i = i + 1\n  }\n}\n';
  const file = `${own}/loop.ent`;
  fs.writeFileSync(file, loop);
  const child = spawn(process.execPath, ['bin/ent.js', 'run', '--engine', 'restate', file], { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, TMPDIR: own } });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  const stdout = await new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  const folder = `${own}/${readdirSync(own).find((entry) => entry.startsWith('ent-restate-'))}`;
  const pids = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n')
    .filter((line) => line.includes(folder)).map((line) => Number(line.trim().split(/\s+/)[0]));
  return { child, stdout, stderr: () => errors, folder, pids, cleanup: () => fs.rmSync(own, { recursive: true, force: true }) };
}

restateConcurrent('ent run --engine restate prints as ent run does, and on Ctrl-C stops with R0104 and leaves nothing behind', async (t) => {
  // A long run interrupted after its first line: exit 1 with R0104, and no process or folder of it left.
  const run = await startLoop('interrupt', 'pipe');
  t.true(run.pids.length >= 2, 'the server and the service process ran');
  run.child.kill('SIGINT');
  const status = await new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
  t.is(status, 1);
  t.regex(run.stdout, /^1\n/, 'the run printed what ent run prints');
  t.regex(run.stderr(), /R0104/);
  for (const pid of run.pids) t.false(alive(pid), `process ${pid} still runs`);
  t.false(existsSync(run.folder), 'the run\'s folder is still there');
  run.cleanup();
});

restateConcurrent('ent run --engine restate killed with SIGKILL leaves nothing behind either: its guardian stops what it started', async (t) => {
  // Ent's own exit hooks cannot run after SIGKILL; the guardian process, which holds a channel to Ent,
  // sees it close and kills the server and the service process, and removes the run's folder.
  const run = await startLoop('kill', 'ignore');
  t.true(run.pids.length >= 3, 'the server, the service process and the guardian ran');
  run.child.kill('SIGKILL');
  await new Promise<void>((resolve) => run.child.once('exit', () => resolve()));
  for (let waited = 0; waited < 100 && (run.pids.some(alive) || existsSync(run.folder)); waited++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of run.pids) t.false(alive(pid), `process ${pid} still runs`);
  t.false(existsSync(run.folder), 'the run\'s folder is still there');
  run.cleanup();
});

restate('ent run --engine restate --history (on a server given by --restate-url) writes a history that ent check-history reads; the shared server leaves nothing behind', async (t) => {
  // The last user of the shared server: Ent registers its own service process with it, which replaces
  // the shared service's deployment.
  const engine = await sharedEngine(bank, 'history');
  const path = `${tmpdir()}/ent-restate-test-history-${process.pid}.json`;
  const result = await ent(['run', '--engine', 'restate', '--restate-url', engine.processes.ingressUrl, '--restate-admin-url', engine.processes.adminUrl,
    '--history', path, 'examples/transfer.ent']);
  const reference = await ent(['run', '--semantics', 'reference', 'examples/transfer.ent']);
  t.is(result.status, 0, result.stderr);
  t.is(result.stdout, reference.stdout);
  const checked = await ent(['check-history', path]);
  (await import('node:fs')).rmSync(path);
  t.is(checked.status, 0, checked.stdout);
  t.regex(checked.stdout, /no anomaly in \d+ transactions/);
  notePids();
  shared = undefined;
  await engine.stop();
  await assertNothingLeft(t, engine, [...sharedPids]);
});

test('a platform without the server binary gets U0130, naming the install step', (t) => {
  const result = spawnSync(process.execPath, ['bin/ent.js', 'run', '--engine', 'restate', 'examples/bank.ent'], {
    encoding: 'utf8', env: { ...process.env, ENT_RESTATE_PLATFORM: 'plan9-mips' },
  });
  t.is(result.status, 2);
  t.regex(result.stderr, /error\[U0130\]: the Restate engine is not installed for plan9-mips/);
  t.regex(result.stderr, /npm install/);
  t.is(result.stdout, '');
});

(sdkInstalled() ? test : test.skip)('a server that does not answer gets U0131, and nothing Ent started is left', async (t) => {
  const port = await freePort();
  const error = await RestateEngine.start({
    programText: bank, protocol: '2pl', stepLimit: 1000, ingressUrl: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${port}`, startTimeoutMs: 300,
  }).then(() => undefined, (caught: unknown) => caught);
  t.true(error instanceof EngineError);
  t.is((error as EngineError).code, 'U0131');
});

test('--engine restate refuses the simulation\'s options, and the engine options need it', async (t) => {
  for (const args of [
    ['run', '--engine', 'restate', '--faults', 'none', 'examples/bank.ent'],
    ['run', '--engine', 'restate', '--protocol', 'aria', 'examples/bank.ent'],
    ['run', '--engine', 'restate', '--restate-url', 'http://127.0.0.1:1', 'examples/bank.ent'],
    ['run', '--restate-url', 'http://127.0.0.1:1', 'examples/bank.ent'],
    ['check', '--kills', '2', 'examples/bank.ent'],
    ['check', '--engine', 'restate', '--bug', 'drop-requests', 'examples/bank.ent'],
  ]) {
    const result = await ent(args);
    t.is(result.status, 2, args.join(' '));
    t.regex(result.stderr, /error\[U0103\]/, args.join(' '));
  }
});

const long = process.env.ENT_RESTATE_LONG === '1' && unavailable === undefined ? test.serial : test.skip;

long('the corpus\'s distributed subset prints the reference model\'s output on Restate (ENT_RESTATE_LONG=1)', async (t) => {
  // calls/deep-recursion.ent included: its 1,000-hop recursion across two entities is 2,000 Restate calls
  // of the same size at every depth (the coordinator keeps the frame stack; docs/engines.md).
  const programs = loadCorpus().filter((program) => program.errors.length === 0 && !program.updates && !intendedDifferences.has(program.name));
  const engine = await RestateEngine.start({ programText: bank, protocol: '2pl', stepLimit: 1_000_000 });
  const pids = engine.processes.pids();
  try {
    await runPrograms(t, engine, programs.map((program) => fromFile(program.path)));
    pids.push(...engine.processes.pids());
  } finally {
    await engine.stop();
  }
  await assertNothingLeft(t, engine, pids);
});
