// The views: the space-time diagram's model holds every trace entry and every message of a run, with
// drops, duplicates, delays, crashes and decisions marked (and a damaged model is caught); the SVG of a
// small run is a snapshot; the HTML page is self-contained and its script parses; `--viz` of `ent run`
// and `ent check` write it, a counterexample's page opening at its violation with its witness highlighted.
// Update the SVG snapshot after reading its diff: `npm run snapshots:update`.

import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCase } from '../checkers/case.ts';
import { search } from '../checkers/search.ts';
import { defaultCheckSettings } from '../cli/check.ts';
import { memoryIo } from '../cli/io.ts';
import { ReplSession } from '../cli/repl-session.ts';
import { main } from '../cli/main.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { sourceText } from '../grammar/span.ts';
import { parseFaultPlan, type FaultPlan } from '../runtime/faults.ts';
import { DistributedHost } from '../runtime/host.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { runWorkload } from '../runtime/driver.ts';
import { generateWorkload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { Client } from '../semantics/reference/client.ts';
import { renderHtml } from '../views/html.ts';
import { buildModel, modelProblems, VizRecorder, type VizModel } from '../views/model.ts';
import { fullView, layout, renderWindow } from '../views/render.ts';

const transfer = 'examples/transfer.ent';
const faults = 'drop=0.05,dup=0.05,delay=0.05,crash=0.01';

/** Runs a program's run block on the distributed runtime, recording its diagram. */
function recordRun(path: string, seed: string, nodes = 2): { model: VizModel; recorder: VizRecorder; messagesSent: number } {
  const text = readFileSync(path, 'utf8');
  const program = compile(text, path).program!;
  const source = sourceText(path, text);
  const settings = runtimeSettings({ ...defaultRunSettings, nodes, seed, faults: parseFaultPlan(faults) as FaultPlan });
  const recorder = new VizRecorder();
  const host = new DistributedHost(compileToSplit(program).split, { settings, seed, trace: recorder.record });
  const client = new Client(host, () => undefined);
  client.run(program.run!.body);
  host.heal();
  client.finish();
  host.settle();
  const model = buildModel(recorder.entries, {
    title: path, settings: `seed ${seed}`, nodes, clients: 1, states: recorder.states, lookup: (file) => (file === path ? source : undefined),
  });
  return { model, recorder, messagesSent: host.config.nextMessageId - 1 };
}

test('every trace entry and every message of a faulty run is in the diagram, each fault marked', (t) => {
  const seen = { drops: 0, duplicates: 0, delays: 0, crashes: 0, commits: 0, aborts: 0 };
  for (const seed of ['3', '5', '7', '8', '10']) {
    const { model, recorder, messagesSent } = recordRun(transfer, seed);
    t.deepEqual(modelProblems(recorder.entries, model), [], `seed ${seed}`);
    t.is(model.messages.length, messagesSent, `seed ${seed}: every message id the run gave out is drawn`);
    for (const message of model.messages) {
      for (const copy of message.copies) t.true(copy.startRow >= 0, `#${message.id} has its send`);
    }
    for (const event of model.events) {
      if (event.rule === 'G-Drop') seen.drops++;
      if (event.rule === 'G-Duplicate') seen.duplicates++;
      if (event.rule === 'G-Delay') seen.delays++;
      if (event.rule === 'G-Crash') seen.crashes++;
    }
    for (const txn of model.transactions) {
      seen.commits += txn.commits.length;
      seen.aborts += txn.aborts.length;
    }
    // The configuration: the committed state of every entity at the end is the last state recorded for it.
    const last = new Map<string, string>();
    for (const state of model.states) if (state.kind === 'entity') last.set(state.entity, state.fields);
    t.regex(last.get('Account("alice")') ?? '', /balance: 70/);
    t.regex(last.get('Account("bob")') ?? '', /balance: 30/);
  }
  // The runs exercise every mark (the seeds were chosen for it).
  for (const [what, count] of Object.entries(seen)) t.true(count > 0, `${what} seen`);
});

test('a damaged model is caught: a lost message, an unmarked drop, duplicate or delay, a missing event', (t) => {
  const { model, recorder } = recordRun(transfer, '5');
  const damaged = (damage: (copy: VizModel) => void): string[] => {
    const copy = structuredClone(model) as VizModel;
    damage(copy);
    return modelProblems(recorder.entries, copy);
  };
  t.regex(damaged((copy) => (copy.messages as unknown[]).splice(3, 1)).join('\n'), /message #\d+ .*missing/);
  t.regex(damaged((copy) => {
    for (const message of copy.messages) for (const item of message.copies) if (item.fate === 'dropped') item.fate = 'delivered';
  }).join('\n'), /drop of #\d+ .* not marked/);
  t.regex(damaged((copy) => {
    for (const message of copy.messages) message.copies.splice(1);
  }).join('\n'), /duplicate of #\d+ .* not marked/);
  t.regex(damaged((copy) => {
    for (const message of copy.messages) for (const item of message.copies) item.delays.length = 0;
  }).join('\n'), /delay of #\d+ .* not marked/);
  t.regex(damaged((copy) => (copy.events as unknown[]).pop()).join('\n'), /trace entries but/);
});

function snapshot(name: string, actual: string): string | undefined {
  const path = join('tests', 'snapshots', name);
  if (process.env.ENT_UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return undefined;
  }
  return readFileSync(path, 'utf8');
}

test('the SVG of a small run with a crash, drops, a duplicate and a delay (snapshot)', (t) => {
  const { model } = recordRun(transfer, '7');
  const svg = `${renderWindow(model, fullView(model), layout)}\n`;
  const expected = snapshot('viz/transfer-seed-7.svg', svg);
  t.is(svg, expected ?? svg);
  for (const mark of ['class="ev crash"', 'class="ev recover"', 'class="msg dropped"', 'dup"', 'class="ev commit"', 'class="ev abort"']) t.true(svg.includes(mark), mark);
});

test('the SVG of a window draws only its rows, and the arrows that cross it', (t) => {
  const { model } = recordRun(transfer, '7');
  const svg = renderWindow(model, fullView(model, 40, 60), layout);
  const rows = [...svg.matchAll(/class="ev [a-z]+" data-row="(\d+)"/g)].map((match) => Number(match[1]));
  t.deepEqual(rows, Array.from({ length: 20 }, (_, index) => 40 + index));
  const crossing = model.messages.flatMap((message) => message.copies).filter((copy) => copy.startRow < 40 && (copy.endRow >= 60 || copy.endRow < 0));
  t.is([...svg.matchAll(/<g class="msg /g)].length >= crossing.length, true);
});

test('the HTML page is self-contained: no network, its data inline, its script parses', (t) => {
  const { model } = recordRun(transfer, '7');
  const html = renderHtml(model);
  t.notRegex(html, /<link|\bsrc=|@import|url\(http/);
  t.deepEqual([...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((match) => match[0]).filter((url) => url !== 'http://www.w3.org/2000/svg'), []);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]);
  t.is(scripts.length, 1);
  t.notThrows(() => new Function(scripts[0]));
  const data = /<script type="application\/json" id="ent-data">([\s\S]*?)<\/script>/.exec(html)![1];
  const parsed = JSON.parse(data) as { packed: unknown[]; messages: unknown[] };
  t.is(parsed.packed.length, model.events.length);
  t.is(parsed.messages.length, model.messages.length);
});

test('a detail with </script> in it cannot end the page\'s data early', (t) => {
  const model: VizModel = {
    title: 't', settings: 's', lanes: ['node 0'], messages: [], transactions: [], states: [], focus: undefined,
    events: [{ row: 0, tick: 0, lane: 0, place: 'node 0', rule: 'G-Deliver', line: '', detail: '</script><script>alert(1)</script>', txn: -1, mark: 'none' }],
  };
  const html = renderHtml(model);
  t.is(html.split('</script>').length - 1, 2);
});

async function ent(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

test('ent run --viz writes the page; it needs the distributed runtime and a writable file', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'ent-viz-'));
  const page = join(folder, 'run.html');
  const plain = await ent(['run', transfer, '--nodes', '2']);
  const drawn = await ent(['run', transfer, '--nodes', '2', '--viz', page]);
  t.is(drawn.status, 0);
  t.is(drawn.stdout, plain.stdout, 'drawing changes nothing of the run');
  t.regex(readFileSync(page, 'utf8'), /<svg|renderWindow/);
  const reference = await ent(['run', transfer, '--semantics', 'reference', '--viz', page]);
  t.is(reference.status, 2);
  t.regex(reference.stderr, /error\[U0103\]: --viz needs --semantics distributed/);
  const nowhere = await ent(['run', transfer, '--viz', join(folder, 'no-such-folder', 'run.html')]);
  t.is(nowhere.status, 2);
  t.regex(nowhere.stderr, /error\[U0104\]/);
});

test('a counterexample\'s page opens at its violation with the witness\'s transactions highlighted', async (t) => {
  const path = 'examples/bank.ent';
  const program = compile(readFileSync(path, 'utf8'), path).program!;
  const split = compileToSplit(program).split;
  const settings = defaultCheckSettings({ bug: 'no-dedup-table' });
  const result = search(program, split, settings, { runs: 200, seed: '1', shrinkSeconds: 0 });
  if (result.held) return t.fail('no-dedup-table was not caught');
  const recorder = new VizRecorder();
  const outcome = runCase(program, split, settings, result.found, recorder.record);
  const requests = [...new Set(outcome.violations.flatMap((violation) => violation.requests))];
  t.true(requests.length > 0);
  const model = buildModel(recorder.entries, {
    title: 'cx', settings: '', nodes: 3, clients: 3, states: recorder.states, violation: { title: 'v', lines: [], requests },
  });
  t.deepEqual(model.transactions.filter((txn) => txn.highlighted).map((txn) => txn.requestId).sort(), [...requests].sort());
  const focus = model.focus!;
  const atFocus = model.events[focus.row];
  t.true(atFocus.txn >= 0 && model.transactions[atFocus.txn].highlighted);
  t.true(atFocus.rule === 'C-Commit' || atFocus.rule === 'C-Abort', 'it opens at a decision');
  t.false(model.events.slice(focus.row + 1).some((event) => (event.rule === 'C-Commit' || event.rule === 'C-Abort') && model.transactions[event.txn].highlighted),
    'the last decision of the witness');
  // A request's runs and attempts (`r3/26#1`) are its one transaction, in one colour.
  t.deepEqual(model.transactions.filter((txn) => !/^r\d+$/.test(txn.requestId)).map((txn) => txn.requestId), []);
  // The exactly-once violation: its request was decided twice (committed twice, or committed and
  // aborted), and both decisions are marked.
  t.true(model.transactions.some((txn) => txn.highlighted && txn.commits.length + txn.aborts.length === 2 && txn.commits.length > 0));
  // The same through the command line: the page carries the focus.
  const folder = mkdtempSync(join(tmpdir(), 'ent-viz-'));
  const page = join(folder, 'cx.html');
  const checked = await ent(['check', path, '--bug', 'no-dedup-table', '--runs', '200', '--shrink-seconds', '0', '--viz', page]);
  t.is(checked.status, 1);
  const token = /--replay (\S+)/.exec(checked.stdout)![1];
  const replayPage = join(folder, 'replay.html');
  const replayed = await ent(['check', path, '--replay', token, '--viz', replayPage]);
  t.is(replayed.status, 1);
  for (const written of [page, replayPage]) {
    const html = readFileSync(written, 'utf8');
    t.regex(html, /"focus":\{"row":\d+/);
    t.regex(html, /"highlighted":true/);
  }
});

test(':viz FILE in the REPL writes the diagram of the steps since the runtime last changed', (t) => {
  const io = memoryIo();
  const repl = new ReplSession(io, 'distributed', defaultRunSettings);
  const counter = 'entity Counter {\n  key id: int\n  n: int = 0\n  fn add(k: int): int {\n    self.n = self.n + k\n    return self.n\n  }\n}';
  for (const input of [counter, 'let c = new Counter(1)', 'c.add(2)']) repl.submit(input);
  const page = join(mkdtempSync(join(tmpdir(), 'ent-viz-')), 'repl.html');
  t.is(repl.submit(`:viz ${page}`), 'ok');
  const html = readFileSync(page, 'utf8');
  t.regex(html, /G-Submit/);
  t.regex(html, /Counter\(1\)/);
  t.is(repl.submit(':viz'), 'failed');
  // :viz off stops recording (a long session runs faster), :viz on records again from then on.
  t.is(repl.submit(':viz off'), 'ok');
  repl.submit('c.add(3)');
  t.is(repl.submit(`:viz ${page}`), 'failed');
  t.true(io.stderr.some((line) => /:viz off stopped recording/.test(line)));
  t.is(repl.submit(':viz on'), 'ok');
  repl.submit('c.add(4)');
  t.is(repl.submit(`:viz ${page}`), 'ok');
  t.regex(readFileSync(page, 'utf8'), /add\(4\)/);
  t.notRegex(readFileSync(page, 'utf8'), /add\(3\)/);
  repl.submit(':semantics reference');
  t.is(repl.submit(`:viz ${page}`), 'failed');
  t.true(io.stderr.some((line) => /:viz needs the distributed semantics/.test(line)));
});

test('a message woken from a lock is drawn on the node that woke it, after its P-Wake', (t) => {
  const path = 'examples/bank.ent';
  const program = compile(readFileSync(path, 'utf8'), path).program!;
  const split = compileToSplit(program).split;
  let state = 2;
  const pick = (count: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % count;
  };
  const workload = generateWorkload(program, { clients: 3, requestsPerClient: 6, keysPerEntity: 1 }, pick);
  const recorder = new VizRecorder();
  runWorkload(split, defaultCheckSettings().runtime, new SeededChoices('2'), workload, { trace: recorder.record });
  const model = buildModel(recorder.entries, { title: '', settings: '', nodes: 3, clients: 3 });
  t.deepEqual(modelProblems(recorder.entries, model), []);
  const wakes = model.events.filter((event) => event.rule === 'P-Wake');
  const woken = model.messages.filter((message) => message.woken);
  t.true(wakes.length > 0, 'the run has a lock handed on (the seed was chosen for it)');
  t.true(woken.length >= wakes.length);
  for (const message of woken) {
    const start = message.copies[0].startRow;
    t.true(wakes.some((wake) => wake.row <= start && wake.tick === model.events[start].tick && wake.lane === message.to), `#${message.id}`);
  }
  const svg = renderWindow(model, fullView(model), layout);
  t.true(svg.includes('(woken: it waited for a lock)'));
});

test('the configuration panel shows a long field cut short', (t) => {
  const text = 'entity L {\n  key id: int\n  items: list<int> = []\n  fn fill(n: int) {\n    let i = 0\n    while i < n {\n      self.items.push(i)\n      i = i + 1\n    }\n  }\n}\nrun {\n  let l = new L(1)\n  l.fill(500)\n}\n';
  const program = compile(text, 'long.ent').program!;
  const settings = runtimeSettings({ ...defaultRunSettings, faults: parseFaultPlan('none') as FaultPlan });
  const recorder = new VizRecorder();
  const host = new DistributedHost(compileToSplit(program).split, { settings, seed: '1', trace: recorder.record });
  const client = new Client(host, () => undefined);
  client.run(program.run!.body);
  host.settle();
  const filled = recorder.states.filter((state) => state.kind === 'entity' && state.version === 2);
  t.is(filled.length, 1);
  const fields = (filled[0] as { fields: string }).fields;
  t.true(fields.length < 200, fields);
  t.regex(fields, /items: \[0, 1, 2, .*…/);
});
