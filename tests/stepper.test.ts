// The REPL's stepper (`:step`, cli/repl-stepper.ts): its list of enabled transitions is the explorer's
// list of successors of that configuration (explorer/successors.ts against the explorer's own `branches`
// over `advance`, and `stepSuccessors` of a bare configuration against `successors` of the explorer's
// state); `:back` restores the configuration exactly; a number takes that transition, Enter the seeded
// one; bad input is refused with U0121 and the stepper stays where it was; leaving keeps the final state.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { memoryIo } from '../cli/io.ts';
import { ReplSession } from '../cli/repl-session.ts';
import { Stepper } from '../cli/repl-stepper.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { branches, noBudget, type FaultBudget } from '../explorer/branching.ts';
import { fingerprint } from '../explorer/fingerprint.ts';
import { advance, initialLoopState, submitsNothing, type LoopState } from '../explorer/loop.ts';
import { exploreRuntime, seededWorkload } from '../explorer/scope.ts';
import { stateKey, stepSuccessors, successors } from '../explorer/successors.ts';
import type { Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

const program = compile(readFileSync('examples/accounts.ent', 'utf8'), 'accounts.ent').program!;
const { split } = compileToSplit(program);
const budget: FaultBudget = { ...noBudget, drop: 1, duplicate: 1 };
const settings = { ...defaultRunSettings, nodes: 3, concurrency: '2pl' as const, delivery: 'exactly-once' as const, stepLimit: 100_000, bug: 'none' };
const runtime = exploreRuntime({ ...settings, budget, jitter: 0, downtime: 4 });
const { workload } = seededWorkload(program, { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, '1');

/** Breadth first over the explorer's successors: up to `limit` states, each with its budget. */
function states(limit: number): { state: LoopState; budget: FaultBudget }[] {
  const found: { state: LoopState; budget: FaultBudget }[] = [];
  const seen = new Set<string>();
  let frontier = [{ state: initialLoopState(runtime, workload), budget }];
  while (frontier.length > 0 && found.length < limit) {
    const next: typeof frontier = [];
    for (const item of frontier) {
      const key = stateKey(item.state, item.budget, false);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(item);
      for (const successor of successors(item.state, item.budget, workload, split)) {
        if (successor.result.kind === 'stepped') next.push({ state: successor.result.state, budget: successor.budget });
      }
    }
    frontier = next;
  }
  return found;
}

const explored = states(300);

test('successors are the explorer\'s branches of advance, branch for branch (the same numbers, the same next states)', (t) => {
  for (const { state, budget: left } of explored) {
    const listed = successors(state, left, workload, split);
    const explorers = branches(left, (choices) => advance(state, workload, split, choices));
    t.is(listed.length, explorers.length);
    listed.forEach((successor, index) => {
      t.deepEqual(successor.numbers, explorers[index].numbers);
      t.is(successor.result.kind, explorers[index].result.kind);
      if (successor.result.kind === 'stepped' && explorers[index].result.kind === 'stepped') {
        t.is(stateKey(successor.result.state, successor.budget, false), stateKey(explorers[index].result.state, successor.budget, false));
      }
    });
  }
});

test('the stepper\'s enabled list equals the explorer\'s successors of that configuration, wherever the driver submits nothing', (t) => {
  let compared = 0;
  for (const { state, budget: left } of explored) {
    // Where advance would submit a request first, or turn the faults off, its state is not a bare configuration's.
    const pending = state.config.clients.some((client) => client.pending.size > 0);
    if (!submitsNothing(state, workload) || (state.config.faultsActive && !pending)) continue;
    const explorers = successors(state, left, workload, split).filter((successor) => successor.result.kind === 'stepped');
    const stepper = stepSuccessors(state.config, left, split).filter((successor) => successor.result.kind === 'stepped');
    t.deepEqual(stepper.map((successor) => successor.label), explorers.map((successor) => successor.label));
    t.deepEqual(stepper.map((successor) => successor.numbers), explorers.map((successor) => successor.numbers));
    stepper.forEach((successor, index) => {
      const explorer = explorers[index].result;
      if (successor.result.kind === 'stepped' && explorer.kind === 'stepped') {
        t.is(fingerprint(successor.result.config, '', { renameMessages: false }), fingerprint(explorer.state.config, '', { renameMessages: false }));
      }
    });
    compared++;
  }
  t.true(compared > 50, `compared ${compared} states`);
});

const account = (key: number) => referenceValue('Account', key);
const transfer: Request = { kind: 'call', target: account(0), method: 'transfer', args: [account(1), 3] };
const accounts = [0, 1].map((key) => ({ entity: 'Account', key, fields: new Map([['id', key], ['balance', 10]]) }));

function stepper(left: FaultBudget = budget): Stepper {
  return new Stepper(split, settings, accounts, transfer, left, () => undefined);
}

test('a stepper without faults offers exactly the explorer\'s successors of its state, step after step', (t) => {
  const run = stepper(noBudget);
  const single: Workload = { setup: [], clients: [[transfer]] };
  for (let step = 0; step < 40 && run.input('').kind === 'stay'; step++) {
    const state: LoopState = { config: run.config, setupTaken: 0, taken: [1], setupDone: true, waitingSince: run.config.tick };
    const explorers = successors(state, noBudget, single, split);
    const enabled = run.enabled();
    t.deepEqual(enabled.map((successor) => successor.label), explorers.map((successor) => successor.label));
    t.deepEqual(enabled.map((successor) => successor.numbers), explorers.map((successor) => successor.numbers));
  }
});

test(':back restores the configuration exactly, and the list with it', (t) => {
  const run = stepper();
  const shown: string[] = [];
  const configs = [run.config];
  shown.push(run.show());
  for (const wanted of ['2', '', '2', '', '2']) {
    const choice = wanted === '2' && run.enabled().length < 2 ? '' : wanted;
    const reply = run.input(choice);
    t.true(reply.kind === 'stay' && reply.error === undefined, choice);
    configs.push(run.config);
    shown.push(run.show());
  }
  for (let back = configs.length - 2; back >= 0; back--) {
    t.is(run.input(':back').kind, 'stay');
    t.is(run.config, configs[back]);
    t.deepEqual(run.config, configs[back]);
    t.is(run.show(), shown[back]);
  }
  const refused = run.input(':back');
  t.is(refused.kind === 'stay' ? refused.error?.code : undefined, 'U0121');
  // :goto jumps back and forth along what was taken.
  t.is(run.input(':goto 0').kind, 'stay');
  t.is(run.input(':goto 3').kind, 'stay');
  t.is(run.step, 3);
});

test('a number takes that transition, Enter the seeded one', (t) => {
  const run = stepper();
  const list = run.enabled();
  t.true(list.length > 2);
  run.input('2');
  t.is(run.show().split('\n')[0].includes(`last: ${list[1].label}`), true);
  t.deepEqual(run.config, list[1].result.config);
  run.input(':back');
  const seeded = run.seededIndex();
  run.input('');
  t.deepEqual(run.config, list[seeded].result.config);
  // The seeded choice depends on the seed and the step only: another stepper takes the same one.
  const again = stepper();
  again.input('');
  t.deepEqual(again.config, run.config);
});

test('bad input is refused with U0121 and the stepper stays where it was', (t) => {
  const run = stepper();
  run.input('');
  const before = run.config;
  for (const input of ['0', '999', 'abc', ':goto x', ':goto -1', ':nonsense', '1.5']) {
    const reply = run.input(input);
    t.is(reply.kind, 'stay', input);
    t.is(reply.kind === 'stay' ? reply.error?.code : undefined, 'U0121', input);
    t.is(run.config, before, input);
  }
});

const transferSource = readFileSync('examples/transfer.ent', 'utf8');

test('the REPL: :step, picks, :where, :run keeps the final state; bad lines are refused and the REPL goes on', (t) => {
  const io = memoryIo({ 'transfer.ent': transferSource });
  const repl = new ReplSession(io, 'distributed', defaultRunSettings);
  t.is(repl.submit(':load transfer.ent'), 'ok');
  t.is(repl.submit(':step'), 'failed');
  t.is(repl.submit(':step --drops x alice.transfer(bob, 1)'), 'failed');
  t.is(repl.submit(':step let n = 1'), 'failed');
  t.regex(io.stderr.join('\n'), /U0121[\s\S]*U0121[\s\S]*makes no transaction/);
  io.stdout.length = 0;
  t.is(repl.submit(':step alice.transfer(bob, 30)'), 'ok');
  t.regex(io.stdout.join('\n'), /step 0 · Account\("alice"\)\.transfer\(Account\("bob"\), 30\)[\s\S]* 1 deliver m\d+ request client 0 → node \d \(G-Deliver\)\s+← Enter/);
  t.is(repl.submit(''), 'ok');
  t.is(repl.submit(''), 'ok');
  t.is(repl.submit('77'), 'failed');
  t.is(repl.submit('nonsense'), 'failed');
  io.stdout.length = 0;
  t.is(repl.submit(':where'), 'ok');
  t.regex(io.stdout.join('\n'), /L-Call at transfer\.ent:22[\s\S]*to\.deposit\(amount\)\n\s+\^+/);
  io.stdout.length = 0;
  t.is(repl.submit(':help'), 'ok');
  t.regex(io.stdout.join('\n'), /:back {7}undo the last step/);
  t.is(repl.submit(':run'), 'ok');
  io.stdout.length = 0;
  t.is(repl.submit('print(alice.balance)'), 'ok');
  t.is(repl.submit('print(bob.balance)'), 'ok');
  t.deepEqual(io.stdout, ['40', '60']);
});

test('the REPL: :leave keeps the state as it is; the statement\'s value is printed once the stepper has its answer', (t) => {
  const io = memoryIo({ 'transfer.ent': transferSource });
  const repl = new ReplSession(io, 'distributed', defaultRunSettings);
  repl.submit(':load transfer.ent');
  t.is(repl.submit(':step --crashes 0 --drops 0 --dups 0 --delays 0 alice.balance'), 'ok');
  io.stdout.length = 0;
  t.is(repl.submit(':run'), 'ok');
  t.deepEqual(io.stdout, ['70']);
  repl.submit(':step alice.transfer(bob, 10)');
  t.is(repl.submit(':leave'), 'ok');
  t.regex(io.stderr.join('\n'), /has no answer, so the rest of the statement does not run/);
  io.stdout.length = 0;
  repl.submit('print(alice.balance + bob.balance)');
  t.deepEqual(io.stdout, ['100']);
  repl.submit(':step alice.transfer(bob, 10)');
  t.is(repl.submit(':quit'), 'quit');
});

test(':step --local: Enter walks the local rules of a global step one by one, each underlined in its source, before the next global step', (t) => {
  const lookup = (file: string) => (file === 'transfer.ent' ? { name: file, text: transferSource, lineStarts: lineStarts(transferSource) } : undefined);
  const transferProgram = compile(transferSource, 'transfer.ent').program!;
  const transferSplit = compileToSplit(transferProgram).split;
  const people = ['alice', 'bob'].map((key) => ({ entity: 'Account', key, fields: new Map<string, string | number>([['id', key], ['balance', 50]]) }));
  const request: Request = { kind: 'call', target: referenceValue('Account', 'alice'), method: 'transfer', args: [referenceValue('Account', 'bob'), 5] };
  const local = new Stepper(transferSplit, { ...settings, nodes: 2 }, people, request, noBudget, lookup, true);
  const plain = new Stepper(transferSplit, { ...settings, nodes: 2 }, people, request, noBudget, lookup, false);
  let localRules = 0;
  let globalSteps = 0;
  for (let inputs = 0; inputs < 200; inputs++) {
    const before = local.step;
    const shown = local.show();
    if (shown.includes('the run has ended')) break;
    const match = /local step (\d+) of (\d+) of this global step: .* (L-[A-Za-z-]+)/.exec(shown);
    if (match !== null) {
      localRules++;
      t.regex(shown, /\n {4}\d+ \| .*\n {4}\s*\^+/);
    }
    local.input('');
    if (local.step > before) {
      globalSteps++;
      plain.input('');
      // Walking the local rules changes nothing of the global steps: the same configurations, step by step.
      t.deepEqual(local.config, plain.config);
    } else {
      t.truthy(match, 'Enter stayed on the global step only to show its next local rule');
    }
  }
  t.true(globalSteps > 5);
  t.true(localRules > globalSteps);
});

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === '\n') starts.push(index + 1);
  return starts;
}

test('piped REPL: a blank line is Enter in the stepper', (t) => {
  const result = spawnSync(process.execPath, ['bin/ent.js', 'repl', '--semantics', 'distributed'], {
    input: ':load examples/transfer.ent\n:step alice.transfer(bob, 5)\n\n\n:run\nprint(alice.balance)\n', encoding: 'utf8',
  });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /step 2 · /);
  t.regex(result.stdout, /\n65\n$/);
});
