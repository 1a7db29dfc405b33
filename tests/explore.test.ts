// The exhaustive explorer (explorer/, `ent explore`): on scopes small enough to enumerate by hand it finds
// exactly the expected terminal outcomes; its transition is the driver's loop, choice for choice; each
// reduction keeps the set of terminal outcomes; zoo bugs are found with a fixed, shortest counterexample
// whose schedule `ent check --replay` runs to the same violation; the correct protocol holds completely in
// a small scope. ENT_EXPLORE_LONG=1 adds the larger scopes.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRun, runCase, type CheckSettings } from '../checkers/case.ts';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';
import { ReplSession } from '../cli/repl-session.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { explore, outcomeOf, reductionNames, type Counterexample, type ExploreResult, type ExploreScope, type Reduction } from '../explorer/explore.ts';
import { exploreRuntime, exploreScope, seededWorkload, type ScopeOptions } from '../explorer/scope.ts';
import { advance, initialLoopState, type LoopState } from '../explorer/loop.ts';
import { initialBlockState } from '../explorer/run-block.ts';
import { stateKey } from '../explorer/successors.ts';
import { encodeToken, programHash } from '../checkers/token.ts';
import { noBudget, type FaultBudget } from '../explorer/branching.ts';
import { ListChoices, SeededChoices } from '../runtime/choices.ts';
import { runWorkload } from '../runtime/driver.ts';
import { historyEvents, historyEventToJson } from '../runtime/history.ts';
import type { Workload } from '../runtime/workload.ts';
import { zoo } from '../runtime/zoo.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';

const long = process.env.ENT_EXPLORE_LONG === '1';

/** examples/accounts.ent: accounts that only transfer, deposit and withdraw; a random workload on it is a workload of transfers. */
const transferSource = readFileSync('examples/accounts.ent', 'utf8');

const compiled = ((): { program: TypedProgram; split: SplitProgram } => {
  const program = compile(transferSource, 'accounts.ent').program!;
  return { program, split: compileToSplit(program).split };
})();

const baseOptions: ScopeOptions = {
  nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
  shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
  reductions: new Set(reductionNames), maxStates: 2_000_000,
};

function scopeOf(options: Partial<ScopeOptions>, workload?: Workload): ExploreScope {
  const scope = exploreScope(compiled.program, compiled.split, { ...baseOptions, ...options });
  return workload === undefined ? scope : { ...scope, workload, workloadNumbers: [] };
}

const account = (key: number) => referenceValue('Account', key);
const create = (key: number): Request => ({ kind: 'new', entity: 'Account', key, args: [] });
const call = (key: number, method: string, ...args: (number | ReturnType<typeof account>)[]): Request => ({ kind: 'call', target: account(key), method, args });

/** The outcomes of a complete exploration, without the request ids' prefix noise. */
function outcomes(result: ExploreResult): string[] {
  return [...result.outcomes].sort();
}

test('two withdrawals racing on one account: exactly the two serial outcomes, and nothing else', (t) => {
  const workload: Workload = { setup: [create(0)], clients: [[call(0, 'withdraw', 8)], [call(0, 'withdraw', 5)]] };
  const result = explore(scopeOf({ shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 1 } }, workload));
  t.true(result.complete);
  t.deepEqual(outcomes(result), [
    '[Account(0).withdraw(5) → ()] [Account(0).withdraw(8) → abort: insufficient funds] [new Account(0) → Account(0)] | Account(0){id=0,balance=5}',
    '[Account(0).withdraw(5) → abort: insufficient funds] [Account(0).withdraw(8) → ()] [new Account(0) → Account(0)] | Account(0){id=0,balance=2}',
  ]);
});

/** Drives `advance` with one list of choices to the end, as the driver would. */
function runLoop(state: LoopState, workload: Workload, choices: ListChoices, split: SplitProgram = compiled.split): LoopState {
  for (let steps = 0; steps < 100_000; steps++) {
    const result = advance(state, workload, split, choices);
    if (result.kind !== 'stepped') return result.state;
    state = result.state;
  }
  throw new Error('the loop did not end');
}

test('the explorer\'s transition is the driver\'s loop: the same choices give the same history, under faults', (t) => {
  const settings = exploreRuntime({ ...baseOptions, budget: { crash: 1, drop: 1, duplicate: 1, delay: 1 }, jitter: 2 });
  for (let seed = 1; seed <= 12; seed++) {
    const { workload } = seededWorkload(compiled.program, { clients: 2, requestsPerClient: 3, keysPerEntity: 2 }, String(seed));
    const numbers = Array.from({ length: 3000 }, (_, index) => new SeededChoices(`${seed}/${index}`).pick(1_000_000));
    const driven = runWorkload(compiled.split, settings, new ListChoices(numbers), workload);
    const looped = runLoop(initialLoopState(settings, workload), workload, new ListChoices(numbers));
    const json = (events: ReturnType<typeof historyEvents>): string => JSON.stringify(events.map(historyEventToJson));
    t.is(json(historyEvents(looped.config.history)), json(driven.events as ReturnType<typeof historyEvents>), `seed ${seed}`);
    t.is(looped.config.tick, driven.config.tick, `seed ${seed}`);
  }
});

test('at-most-once with one lost message: the request is answered, or given up before or after it took effect', (t) => {
  // One client deposits 1 then 2 into one account; one message, of either deposit, may be lost (faults
  // strike until the system is quiet, so the last request meets them too). A deposit runs at one node,
  // so only the request and its response cross the network: losing the first's request leaves the balance
  // 12, losing its response 13, and it is never answered; losing the second's request leaves 11, its
  // response 13, and it is never answered.
  const workload: Workload = { setup: [create(0)], clients: [[call(0, 'deposit', 1), call(0, 'deposit', 2)]] };
  const result = explore({ ...scopeOf({ delivery: 'at-most-once', budget: { ...noBudget, drop: 1 }, shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 1 } }, workload), keepGoing: true });
  t.true(result.complete);
  t.deepEqual(outcomes(result), [
    '[Account(0).deposit(1) → (); Account(0).deposit(2) → ()] [new Account(0) → Account(0)] | Account(0){id=0,balance=13}',
    '[Account(0).deposit(1) → (); Account(0).deposit(2) → unanswered] [new Account(0) → Account(0)] | Account(0){id=0,balance=11}',
    '[Account(0).deposit(1) → (); Account(0).deposit(2) → unanswered] [new Account(0) → Account(0)] | Account(0){id=0,balance=13}',
    '[Account(0).deposit(1) → unanswered; Account(0).deposit(2) → ()] [new Account(0) → Account(0)] | Account(0){id=0,balance=12}',
    '[Account(0).deposit(1) → unanswered; Account(0).deposit(2) → ()] [new Account(0) → Account(0)] | Account(0){id=0,balance=13}',
  ]);
});

/** Every reduction switched on and off: the terminal outcomes stay the same. */
function reductionSets(): ReadonlySet<Reduction>[] {
  return [new Set(), new Set(['message-ids']), new Set(['por']), new Set(reductionNames), new Set(['symmetry']), new Set(['late-faults']), new Set(['por', 'late-faults'])];
}

const reductionScopes: readonly { readonly name: string; readonly options: Partial<ScopeOptions>; readonly workload?: Workload }[] = [
  { name: '2 clients × 2 transfers, no faults (seed 3)', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } } },
  { name: '1 client × 2 transfers, one drop', options: { budget: { ...noBudget, drop: 1 } } },
  {
    name: 'two deposits, one duplicate, at-least-once', options: { delivery: 'at-least-once', budget: { ...noBudget, duplicate: 1 } },
    workload: { setup: [create(0)], clients: [[call(0, 'deposit', 1), call(0, 'deposit', 2)]] },
  },
  {
    name: 'two withdrawals racing, at-most-once, one drop', options: { delivery: 'at-most-once', budget: { ...noBudget, drop: 1 } },
    workload: { setup: [create(0), create(1)], clients: [[call(0, 'withdraw', 8), call(1, 'transfer', account(0), 3)], [call(0, 'withdraw', 5)]] },
  },
  { name: 'no-dedup-table, one drop (outcomes with violations)', options: { bug: 'no-dedup-table', budget: { ...noBudget, drop: 1 } } },
  { name: 'aria, 2 clients × 2 requests, no faults (seed 2)', options: { concurrency: 'aria', seed: '2', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } } },
  // Interchangeable clients, for `symmetry`: the same requests, with and without faults, 2PL and Aria.
  { name: 'two identical transfers, 2PL, no faults', options: {}, workload: { setup: [create(0), create(1)], clients: [[call(0, 'transfer', account(1), 3)], [call(0, 'transfer', account(1), 3)]] } },
  {
    name: 'two identical withdrawals, 2PL, one drop', options: { budget: { ...noBudget, drop: 1 } },
    workload: { setup: [create(0)], clients: [[call(0, 'withdraw', 8)], [call(0, 'withdraw', 8)]] },
  },
  {
    name: 'three identical withdrawals, Aria, no faults', options: { concurrency: 'aria' },
    workload: { setup: [create(0)], clients: [[call(0, 'withdraw', 4)], [call(0, 'withdraw', 4)], [call(0, 'withdraw', 4)]] },
  },
  {
    name: 'two identical transfers, Aria, one crash', options: { concurrency: 'aria', budget: { ...noBudget, crash: 1 } },
    workload: { setup: [create(0), create(1)], clients: [[call(0, 'transfer', account(1), 3)], [call(0, 'transfer', account(1), 3)]] },
  },
];

for (const { name, options, workload } of reductionScopes) {
  test(`each reduction keeps the terminal outcomes: ${name}`, (t) => {
    const results = reductionSets().map((reductions) => explore({ ...scopeOf({ ...options, reductions }, workload), keepGoing: true }));
    const [plain] = results;
    t.true(plain.complete);
    for (const [index, result] of results.entries()) {
      t.true(result.complete);
      t.deepEqual(outcomes(result), outcomes(plain), `reductions ${[...reductionSets()[index]].join(',') || 'none'}`);
    }
    t.log(`distinct states: ${results.map((result, index) => `${[...reductionSets()[index]].join('+') || 'none'} ${result.stats.distinct}`).join(', ')}; ${plain.outcomes.size} outcomes`);
    t.true(results[3].stats.distinct <= plain.stats.distinct);
  });
}

/**
 * Two clients that are interchangeable only until they are answered: the same withdrawal (the first to
 * take it is paid, the other aborts for want of funds), then different deposits. Who was paid is told
 * by the deposit that follows in its session: swapping the clients there loses an outcome.
 */
const unequalClients: Workload = { setup: [create(0)], clients: [[call(0, 'withdraw', 6), call(0, 'deposit', 1)], [call(0, 'withdraw', 6), call(0, 'deposit', 2)]] };

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`negative control (${concurrency}): a symmetry that also swaps clients with different requests left loses outcomes`, (t) => {
    // Swapping any two clients merges a state with one whose clients have different futures: the outcome
    // set comparison must catch it, and must not catch the sound one.
    const scope = scopeOf({ concurrency, reductions: new Set(['message-ids', 'por']) }, unequalClients);
    const plain = explore({ ...scope, keepGoing: true });
    const sound = explore({ ...scope, reductions: new Set(reductionNames), keepGoing: true });
    const unsound = explore({ ...scope, reductions: new Set(reductionNames), keepGoing: true, interchangeable: () => true });
    t.true(plain.complete && sound.complete && unsound.complete);
    t.deepEqual(outcomes(sound), outcomes(plain));
    t.notDeepEqual(outcomes(unsound), outcomes(plain));
    t.true(outcomes(unsound).every((outcome) => outcomes(plain).includes(outcome)));
    t.log(`outcomes: ${plain.outcomes.size} without symmetry, ${sound.outcomes.size} with, ${unsound.outcomes.size} with the unsound one`);
  });
}

/**
 * A counterexample's schedule run again: through `runCase` from the workload's numbers, as `ent check
 * --replay` runs a token, or (for a workload written out, which a token cannot hold) through the driver.
 */
function replay(scope: ExploreScope, schedule: readonly number[], written: boolean): { violations: readonly { checker: string; kind: string }[] } {
  if (!written) return runCase(compiled.program, compiled.split, scope.settings, { workload: scope.workloadNumbers, schedule });
  const run = runWorkload(compiled.split, scope.settings.runtime, new ListChoices(schedule), scope.workload);
  return { violations: checkRun(compiled.program, scope.settings.runtime, run) };
}

interface ZooScope {
  readonly bug: string;
  readonly options: Partial<ScopeOptions>;
  readonly workload?: Workload;
  /** The length of the shortest counterexample, in global steps (breadth first, with every reduction and the invariants). */
  readonly depth: number;
  /** Without the invariants (only the checkers at the ends of runs), when the invariants find it sooner. */
  readonly terminalDepth?: number;
  /** Only with ENT_EXPLORE_LONG=1: the scope takes a minute or more. */
  readonly long?: boolean;
  /** Its replay runs the driver until it gives up on the livelock (millions of steps): only in the long run. */
  readonly replayLong?: boolean;
}

const oneDrop: Partial<ScopeOptions> = { budget: { ...noBudget, drop: 1 } };
const oneCrash: Partial<ScopeOptions> = { budget: { ...noBudget, crash: 1 } };
/** Two transfers between the same two accounts, one per client, at once. */
const crossing: Workload = { setup: [create(0), create(1)], clients: [[call(0, 'transfer', account(1), 3)], [call(1, 'transfer', account(0), 2)]] };

const zooScopes: readonly ZooScope[] = [
  { bug: 'no-dedup-table', options: oneDrop, depth: 44, terminalDepth: 60 },
  { bug: 'ack-before-persist', options: oneCrash, depth: 48 },
  { bug: 'commit-without-all-participants', options: oneDrop, depth: 45 },
  { bug: 'replay-without-idempotence', options: oneDrop, depth: 47, terminalDepth: 49 },
  { bug: 'dedup-forgets-before-ack', options: oneDrop, depth: 44, terminalDepth: 60 },
  { bug: 'reply-before-durable', options: oneCrash, depth: 48 },
  { bug: 'drop-requests', options: {}, depth: 0, replayLong: true },
  { bug: 'reentrant-across-transactions', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } }, depth: 72 },
  { bug: 'early-lock-release', options: { jitter: 1, shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 2 } }, workload: crossing, depth: 50, long: true },
  { bug: 'dedup-table-volatile', options: { budget: { ...noBudget, crash: 1, drop: 1 } }, depth: 46, terminalDepth: 62 },
];

type Caught = (violations: readonly { checker: string; kind: string }[]) => boolean;

/** Whether a run shows one of a zoo bug's declared violations. */
function caughtAs(kinds: readonly string[]): Caught {
  return (violations) => violations.some((violation) => kinds.includes(`${violation.checker}:${violation.kind}`));
}

/** The shortest counterexample of the scope that `caught` recognizes, held to be `depth` steps long (undefined, and the test failed, if none). */
function findShortest(t: ExecutionContext, scope: ExploreScope, caught: Caught, depth: number): Counterexample | undefined {
  const result = explore({ ...scope, target: caught });
  const found = result.counterexample;
  if (found === undefined) {
    t.fail(`not found (${result.complete ? 'complete' : `stopped by ${result.stoppedBy}`}, ${result.stats.distinct} states)`);
    return undefined;
  }
  t.log(`${result.stats.distinct} distinct states; depth ${found.depth}; ${[...new Set(found.violations.map((violation) => `${violation.checker}:${violation.kind}`))].join(', ')}`);
  t.is(found.depth, depth);
  t.true(caught(found.violations));
  return found;
}

for (const zooScope of zooScopes) {
  const variant = zoo.find((candidate) => candidate.name === zooScope.bug)!;
  const run = zooScope.long === true && !long ? test.skip : test;
  run(`the zoo's ${variant.name} is found exhaustively as ${variant.caughtAs.join(' or ')}, shortest in ${zooScope.depth} steps`, (t) => {
    const scope = scopeOf({ ...zooScope.options, bug: variant.name }, zooScope.workload);
    const caught = caughtAs(variant.caughtAs);
    const found = findShortest(t, scope, caught, zooScope.depth);
    if (found === undefined) return;
    // Its schedule is a replay token's: `ent check --replay` runs it to the same violation.
    if (zooScope.replayLong === true && !long) return;
    const replayed = replay(scope, found.schedule, zooScope.workload !== undefined);
    t.true(caught(replayed.violations), `replayed: ${replayed.violations.map((violation) => `${violation.checker}:${violation.kind}`).join(', ')}`);
    // Without the invariants, only the end of a run shows the bug: later, or (for the rest) as soon.
    const terminal = explore({ ...scope, invariants: false, target: caught }).counterexample;
    t.is(terminal?.depth, zooScope.terminalDepth ?? zooScope.depth);
    if (zooScope.terminalDepth !== undefined) {
      t.is(found.at, 'invariant');
      t.true(found.depth < zooScope.terminalDepth);
    }
  });
}

test('the invariants hold at every state of the correct protocols, and each reduction keeps what they find on a broken one', (t) => {
  // The invariants' negative controls are the zoo above (no-dedup-table, replay-without-idempotence, …,
  // found by an invariant before any run ends); here they must not fire on the correct protocols, with
  // or without each reduction, and on no-dedup-table they find the same first violation kinds.
  for (const options of [{ budget: { ...noBudget, drop: 1, duplicate: 1 } }, { delivery: 'at-most-once' as const, budget: { ...noBudget, drop: 1 } }]) {
    const result = explore(scopeOf(options));
    t.true(result.complete);
    t.is(result.counterexample, undefined);
  }
  const kinds = reductionSets().map((reductions) => {
    const found = explore(scopeOf({ bug: 'no-dedup-table', budget: { ...noBudget, drop: 1 }, reductions })).counterexample;
    return found === undefined ? 'none' : `${found.at} ${[...new Set(found.violations.map((violation) => `${violation.checker}:${violation.kind}`))].join(',')}`;
  });
  t.deepEqual(new Set(kinds), new Set(['invariant exactly-once:duplicate-commit']));
});

/** The correct protocols hold in every state of these scopes (the count of states is logged). */
/** Two clients, each making two transfers between the same two accounts, in opposite directions. */
const crossingPairs: Workload = {
  setup: [create(0), create(1)],
  clients: [[call(0, 'transfer', account(1), 3), call(1, 'transfer', account(0), 2)], [call(1, 'transfer', account(0), 2), call(0, 'transfer', account(1), 3)]],
};
const safeScopes: readonly { readonly name: string; readonly options: Partial<ScopeOptions>; readonly workload?: Workload; readonly long?: boolean }[] = [
  { name: '2pl, 1 client × 2 transfers over 2 accounts, 1 crash', options: oneCrash },
  { name: '2pl, 1 client × 2 transfers over 2 accounts, 1 drop, 1 duplicate', options: { budget: { ...noBudget, drop: 1, duplicate: 1 } } },
  { name: 'aria, 1 client × 2 transfers over 2 accounts, 1 drop', options: { concurrency: 'aria', budget: { ...noBudget, drop: 1 } } },
  { name: '2pl, 2 clients × 2 requests over 2 accounts (seed 3), no faults', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } } },
  { name: '2pl, 2 clients × 2 requests over 2 accounts (seed 3), 1 drop', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } } },
  { name: '2pl, 2 clients × 2 requests over 2 accounts (seed 3), 1 crash', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1 } } },
  { name: '2pl, 2 clients × 2 requests over 2 accounts (seed 3), 1 crash, 1 drop', options: { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1, drop: 1 }, maxStates: 3_000_000 }, long: true },
  { name: '2pl, 2 clients × 2 transfers each between the same 2 accounts, 1 crash', options: { shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1 } }, workload: crossingPairs, long: true },
  { name: '2pl, 2 clients × 2 transfers each between the same 2 accounts, 1 drop', options: { shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } }, workload: crossingPairs, long: true },
  { name: 'aria, 2 clients × 2 transfers each between the same 2 accounts, 1 drop', options: { concurrency: 'aria', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } }, workload: crossingPairs },
  { name: 'aria, 2 clients × 2 transfers each between the same 2 accounts, 1 crash', options: { concurrency: 'aria', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1 } }, workload: crossingPairs, long: true },
  // Every kind of fault at once: a crash, a drop and a duplicate.
  { name: '2pl, 1 client × 2 transfers over 2 accounts, 1 crash, 1 drop, 1 duplicate', options: { budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } }, long: true },
  { name: '2pl, 2 clients × 1 request over 2 accounts (seed 1), 1 crash, 1 drop, 1 duplicate', options: { seed: '1', shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } }, long: true },
  { name: 'aria, 2 clients × 1 request over 2 accounts (seed 1), 1 crash, 1 drop, 1 duplicate', options: { concurrency: 'aria', seed: '1', shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } }, long: true },
  { name: 'aria, 2 clients × 2 requests over 2 accounts (seed 3), 1 crash, 1 drop, 1 duplicate', options: { concurrency: 'aria', seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, crash: 1, drop: 1, duplicate: 1 } }, long: true },
];

for (const { name, options, workload, long: isLong } of safeScopes) {
  (isLong === true && !long ? test.skip : test)(`the correct protocol holds completely: ${name}`, (t) => {
    const result = explore(scopeOf(options, workload));
    t.is(result.counterexample, undefined, result.counterexample?.violations.map((violation) => violation.message).join('\n'));
    t.true(result.complete);
    t.log(`complete: ${result.stats.distinct} distinct states, greatest depth ${result.stats.maxDepth}, ${result.outcomes.size} outcome(s)`);
  });
}

async function ent(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

test('ent explore reports a complete exploration, and a counterexample with a token that ent check --replay runs', async (t) => {
  const files = { 'accounts.ent': transferSource };
  const held = await ent(['explore', 'accounts.ent', '--clients', '1', '--crashes', '0', '--dups', '0', '--delays', '0'], files);
  t.is(held.status, 0, held.stderr);
  t.regex(held.stdout, /complete: every state of the scope was explored/);
  t.regex(held.stdout, /\d+ states generated, \d+ distinct, greatest depth \d+, \d+ terminal; [\d.]+ s, \d+ distinct states\/s/);
  t.regex(held.stdout, /reductions: message-ids, por/);
  const found = await ent(['explore', 'accounts.ent', '--clients', '1', '--crashes', '0', '--dups', '0', '--delays', '0', '--bug', 'no-dedup-table'], files);
  t.is(found.status, 1);
  t.regex(found.stdout, /a shortest counterexample: 44 global steps \(breadth first, in the graph the partial-order reduction leaves, an invariant broken at a state before the run ended\)/);
  t.regex(held.stdout, /fingerprints: 64-bit; the chance that two distinct states shared one is below \de-\d+/);
  const late = await ent(['explore', 'accounts.ent', '--clients', '1', '--crashes', '0', '--dups', '0', '--delays', '0', '--bug', 'no-dedup-table', '--invariants', 'off'], files);
  t.regex(late.stdout, /a shortest counterexample: 60 global steps/);
  const token = /--replay (ent3\.\S+)/.exec(found.stdout)?.[1];
  t.truthy(token);
  const replayed = await ent(['check', 'accounts.ent', '--replay', token!], files);
  t.is(replayed.status, 1);
  t.regex(replayed.stdout, /dependency-graph: committed-twice: request r\d took effect 2 times/);
});

test('ent explore --viz draws its counterexample, opened at the violation', async (t) => {
  const page = join(mkdtempSync(join(tmpdir(), 'ent-explore-')), 'found.html');
  const args = ['explore', 'accounts.ent', '--clients', '1', '--crashes', '0', '--dups', '0', '--delays', '0', '--bug', 'no-dedup-table', '--viz', page];
  const found = await ent(args, { 'accounts.ent': transferSource });
  t.is(found.status, 1);
  const html = readFileSync(page, 'utf8');
  t.regex(html, /^<!DOCTYPE html>/i);
  t.regex(html, /G-Deliver/);
});

test('ent explore refuses what it cannot explore, each with its code', async (t) => {
  const files = { 'accounts.ent': transferSource, 'empty.ent': 'run {\n  print 1\n}\n' };
  const cases: readonly { args: string[]; code: string }[] = [
    // accounts.ent has no run block to explore.
    { args: ['explore', 'accounts.ent', '--workload', 'run'], code: 'U0103' },
    { args: ['explore', 'accounts.ent', '--reductions', 'por,sleep-sets'], code: 'U0103' },
    { args: ['explore', 'accounts.ent', '--drops', '-1'], code: 'U0103' },
    { args: ['explore', 'accounts.ent', '--jitter', '9'], code: 'U0103' },
    { args: ['explore', 'accounts.ent', '--max-states', '0'], code: 'U0103' },
    { args: ['explore', 'accounts.ent', '--invariants', 'maybe'], code: 'U0103' },
    { args: ['explore', 'empty.ent'], code: 'U0107' },
    { args: ['explore'], code: 'U0101' },
  ];
  for (const { args, code } of cases) {
    const result = await ent(args, files);
    t.is(result.status, 2, args.join(' '));
    t.regex(result.stderr, new RegExp(`error\\[${code}\\]`), args.join(' '));
    t.regex(result.stderr, /hint:/, args.join(' '));
  }
});

test('the REPL\'s :explore explores the declared entities with ent explore\'s options', (t) => {
  const io = memoryIo();
  const repl = new ReplSession(io, 'distributed', defaultRunSettings);
  t.is(repl.submit(':explore --clients 1'), 'failed');
  t.regex(io.stderr.join('\n'), /error\[U0107\]/);
  t.is(repl.submit(transferSource), 'ok');
  t.is(repl.submit(':explore --clients 1 --crashes 0 --dups 0 --delays 0'), 'ok');
  t.regex(io.stdout.join('\n'), /complete: every state of the scope was explored/);
  t.is(repl.submit(':explore --clients 1 --crashes 0 --dups 0 --delays 0 --bug no-dedup-table'), 'failed');
  t.regex(io.stdout.join('\n'), /a shortest counterexample: 44 global steps/);
  t.regex(io.stdout.join('\n'), /exactly-once: r\d \(.*\) took effect 2 times/);
  t.is(repl.submit(':explore --workload run'), 'failed');
  t.regex(io.stderr.join('\n'), /error\[U0109\]/);
});

// ---------------------------------------------------------------------------------------------------
// The run block as the explored client (`ent explore FILE --workload run`, explorer/run-block.ts).

/** A corpus/explore program (or another file), compiled. */
function programAt(path: string): { program: TypedProgram; split: SplitProgram; text: string } {
  const text = readFileSync(path, 'utf8');
  const program = compile(text, path).program!;
  return { program, split: compileToSplit(program).split, text };
}

const oneAtom = programAt('corpus/explore/one-atom.ent');
const updateThenAtom = programAt('corpus/explore/update-then-atom.ent');
const moveAndAudit = programAt('corpus/explore/move-and-audit.ent');
const crossingTransfers = programAt('corpus/explore/crossing-transfers.ent');

function blockScope(compiledProgram: { program: TypedProgram; split: SplitProgram }, options: Partial<ScopeOptions>): ExploreScope {
  return exploreScope(compiledProgram.program, compiledProgram.split, { ...baseOptions, ...options, workload: 'run' });
}

test('the explorer\'s run-block transition is ent check\'s run block: the same choices give the same history, under faults and zoo bugs', (t) => {
  const json = (events: ReturnType<typeof historyEvents>): string => JSON.stringify(events.map(historyEventToJson));
  const programs = [
    { compiled: oneAtom, bugs: ['none', 'offset-before-effects', 'atom-split', 'output-again-on-recovery'] },
    { compiled: updateThenAtom, bugs: ['none', 'update-mid-atom'] },
    { compiled: moveAndAudit, bugs: ['none', 'abort-without-validation'] },
    { compiled: programAt('examples/orders.ent'), bugs: ['none', 'atom-split'] },
  ];
  let departing = 0;
  for (const { compiled: { program, split }, bugs } of programs) {
    for (const bug of bugs) {
      const settings: CheckSettings = {
        runtime: exploreRuntime({ ...baseOptions, bug, budget: { crash: 1, drop: 1, duplicate: 1, delay: 1 }, jitter: 2 }), shape: baseOptions.shape, workload: 'run',
      };
      for (let seed = 1; seed <= 4; seed++) {
        const numbers = Array.from({ length: 4000 }, (_, index) => new SeededChoices(`${seed}/${index}`).pick(1_000_000));
        const checked = runCase(program, split, settings, { workload: [], schedule: numbers });
        departing += checked.choicesDeparting;
        const looped = runLoop(initialBlockState(settings.runtime, program, split), { setup: [], clients: [] }, new ListChoices(numbers), split);
        t.is(json(historyEvents(looped.config.history)), json(checked.events as ReturnType<typeof historyEvents>), `${bug}, seed ${seed}`);
      }
    }
  }
  // The schedules were not all 0s: faults and orders were taken.
  t.true(departing > 100);
});

interface BlockZooScope {
  readonly bug: string;
  readonly compiled: { program: TypedProgram; split: SplitProgram; text: string };
  readonly file: string;
  readonly options: Partial<ScopeOptions>;
  /** The length of the shortest counterexample, in global steps (breadth first, with every reduction and the invariants). */
  readonly depth: number;
}

/** Each run-block bug of the zoo in a run block small enough to explore in about a second (exported in spirit to scripts/explore-scopes.ts, which records the same). */
const blockZooScopes: readonly BlockZooScope[] = [
  { bug: 'offset-before-effects', compiled: oneAtom, file: 'corpus/explore/one-atom.ent', options: {}, depth: 57 },
  { bug: 'atom-split', compiled: oneAtom, file: 'corpus/explore/one-atom.ent', options: {}, depth: 73 },
  { bug: 'output-again-on-recovery', compiled: oneAtom, file: 'corpus/explore/one-atom.ent', options: oneCrash, depth: 75 },
  { bug: 'update-mid-atom', compiled: updateThenAtom, file: 'corpus/explore/update-then-atom.ent', options: {}, depth: 96 },
  { bug: 'abort-without-validation', compiled: moveAndAudit, file: 'corpus/explore/move-and-audit.ent', options: {}, depth: 65 },
  { bug: 'early-lock-release', compiled: crossingTransfers, file: 'corpus/explore/crossing-transfers.ent', options: {}, depth: 73 },
];

for (const zooScope of blockZooScopes) {
  const variant = zoo.find((candidate) => candidate.name === zooScope.bug)!;
  test(`the zoo's ${variant.name} is found exhaustively in the run block of ${zooScope.file} as ${variant.caughtAs.join(' or ')}, shortest in ${zooScope.depth} steps, and its token replays`, async (t) => {
    const scope = blockScope(zooScope.compiled, { ...zooScope.options, bug: variant.name });
    const caught = caughtAs(variant.caughtAs);
    const found = findShortest(t, scope, caught, zooScope.depth);
    if (found === undefined) return;
    // Its schedule is a replay token's (which holds `--workload run`): `ent check --replay` runs it to the same violation.
    const replayed = runCase(zooScope.compiled.program, zooScope.compiled.split, scope.settings, { workload: [], schedule: found.schedule });
    t.true(caught(replayed.violations), `replayed: ${replayed.violations.map((violation) => `${violation.checker}:${violation.kind}`).join(', ')}`);
    const token = encodeToken(scope.settings, { workload: [], schedule: found.schedule }, programHash(zooScope.compiled.text));
    const checked = await ent(['check', zooScope.file, '--replay', token], { [zooScope.file]: zooScope.compiled.text });
    t.is(checked.status, 1, checked.stderr);
    t.regex(checked.stdout, /the run block\)/);
    const listed = checked.stdout.slice(checked.stdout.indexOf('the violations, checker by checker:'));
    t.true(variant.caughtAs.some((key) => listed.includes(`\n  ${key.split(':')[0]}: `)), listed);
  });
}

/**
 * The correct protocols hold completely on the same run blocks, with at least one fault: the negative
 * controls of the zoo scopes above (each bug is found where the protocol without it holds).
 */
const blockSafeScopes: readonly { readonly name: string; readonly compiled: { program: TypedProgram; split: SplitProgram }; readonly options: Partial<ScopeOptions>; readonly long?: boolean }[] = [
  { name: 'one-atom.ent, 2pl, 1 crash', compiled: oneAtom, options: oneCrash },
  { name: 'one-atom.ent, aria, 1 crash', compiled: oneAtom, options: { ...oneCrash, concurrency: 'aria' } },
  { name: 'one-atom.ent, 2pl, 1 drop, 1 duplicate', compiled: oneAtom, options: { budget: { ...noBudget, drop: 1, duplicate: 1 } } },
  { name: 'update-then-atom.ent, 2pl, 1 crash', compiled: updateThenAtom, options: oneCrash },
  { name: 'update-then-atom.ent, aria, 1 drop', compiled: updateThenAtom, options: { ...oneDrop, concurrency: 'aria' } },
  { name: 'move-and-audit.ent, 2pl, 1 crash', compiled: moveAndAudit, options: oneCrash },
  { name: 'crossing-transfers.ent, 2pl, no faults (early-lock-release\'s scope)', compiled: crossingTransfers, options: {} },
  { name: 'crossing-transfers.ent, 2pl, 1 drop', compiled: crossingTransfers, options: oneDrop, long: true },
  { name: 'crossing-transfers.ent, aria, 1 drop', compiled: crossingTransfers, options: { ...oneDrop, concurrency: 'aria' } },
];

for (const { name, compiled: compiledProgram, options, long: isLong } of blockSafeScopes) {
  (isLong === true && !long ? test.skip : test)(`the correct protocol holds completely on a run block: ${name}`, (t) => {
    const result = explore(blockScope(compiledProgram, options));
    t.is(result.counterexample, undefined, result.counterexample?.violations.map((violation) => violation.message).join('\n'));
    t.true(result.complete);
    t.log(`complete: ${result.stats.distinct} distinct states, greatest depth ${result.stats.maxDepth}, ${result.outcomes.size} outcome(s)`);
  });
}

const blockReductionScopes: readonly { readonly name: string; readonly compiled: { program: TypedProgram; split: SplitProgram }; readonly options: Partial<ScopeOptions> }[] = [
  { name: 'a stream (one-atom.ent), 2pl, 1 drop', compiled: oneAtom, options: oneDrop },
  { name: 'a stream (one-atom.ent), aria, 1 crash', compiled: oneAtom, options: { ...oneCrash, concurrency: 'aria' } },
  { name: 'a live update (update-then-atom.ent), 2pl, 1 drop', compiled: updateThenAtom, options: oneDrop },
  { name: 'a live update (update-then-atom.ent), update-mid-atom, no faults (outcomes with violations)', compiled: updateThenAtom, options: { bug: 'update-mid-atom' } },
  { name: 'two transfers in flight (crossing-transfers.ent), aria, no faults', compiled: crossingTransfers, options: { concurrency: 'aria' } },
];

for (const { name, compiled: compiledProgram, options } of blockReductionScopes) {
  test(`each reduction keeps the terminal outcomes of a run block: ${name}`, (t) => {
    const results = reductionSets().map((reductions) => explore({ ...blockScope(compiledProgram, { ...options, reductions }), keepGoing: true }));
    const [plain] = results;
    for (const [index, result] of results.entries()) {
      t.true(result.complete);
      t.deepEqual(outcomes(result), outcomes(plain), `reductions ${[...reductionSets()[index]].join(',') || 'none'}`);
    }
    t.log(`distinct states: ${results.map((result, index) => `${[...reductionSets()[index]].join('+') || 'none'} ${result.stats.distinct}`).join(', ')}; ${plain.outcomes.size} outcomes`);
    t.true(results[3].stats.distinct <= plain.stats.distinct);
  });
}

test('the run block is one client of its own: symmetry renames nothing there, even when told every client is interchangeable', (t) => {
  // With a random workload, an `interchangeable` that swaps every client loses outcomes (the negative
  // control above); the run block's client is never renamed, so it changes nothing here.
  const scope = blockScope(crossingTransfers, { budget: oneDrop.budget });
  const without = explore({ ...scope, reductions: new Set(reductionNames.filter((name) => name !== 'symmetry')), keepGoing: true });
  const told = explore({ ...scope, reductions: new Set(reductionNames), keepGoing: true, interchangeable: () => true });
  t.true(without.complete && told.complete);
  t.is(told.stats.distinct, without.stats.distinct);
  t.deepEqual(outcomes(told), outcomes(without));
});

test('the fingerprint tells apart run-block states that differ only in an outcome the client received', (t) => {
  const state = initialBlockState(exploreRuntime(baseOptions), crossingTransfers.program, crossingTransfers.split);
  const block = state.block!;
  const tickets = [{ requestId: 'r0', request: create(0) }];
  const committed = { ...state, block: { ...block, tickets, answers: new Map([['r0', { kind: 'committed' as const, value: account(0) }]]) } };
  const aborted = { ...state, block: { ...block, tickets, answers: new Map([['r0', { kind: 'aborted' as const, code: 'A0101', message: 'Account(0) already exists', span: undefined }]]) } };
  const unanswered = { ...state, block: { ...block, tickets, answers: new Map() } };
  const keys = [committed, aborted, unanswered].map((each) => stateKey(each, noBudget, true));
  t.is(new Set(keys).size, 3);
  // The same outcome again: the same key (printing and the stored wait are not state).
  t.is(stateKey({ ...committed, block: { ...committed.block, wait: { kind: 'settle' } } }, noBudget, true), keys[0]);
});

test('ent explore --workload run: a stream program\'s run block, complete, and a zoo bug with a token ent check --replay runs (the token holds --workload run)', async (t) => {
  const file = 'corpus/explore/one-atom.ent';
  const files = { [file]: oneAtom.text };
  const held = await ent(['explore', file, '--workload', 'run', '--crashes', '1', '--drops', '0', '--dups', '0', '--delays', '0'], files);
  t.is(held.status, 0, held.stderr);
  t.regex(held.stdout, /the run block/);
  t.regex(held.stdout, /complete: every state of the scope was explored/);
  const found = await ent(['explore', file, '--workload', 'run', '--crashes', '0', '--drops', '0', '--dups', '0', '--delays', '0', '--bug', 'atom-split'], files);
  t.is(found.status, 1);
  t.regex(found.stdout, /a shortest counterexample: 73 global steps/);
  const token = /--replay (ent3\.\S+)/.exec(found.stdout)?.[1];
  t.truthy(token);
  const replayed = await ent(['check', file, '--replay', token!], files);
  t.is(replayed.status, 1);
  t.regex(replayed.stdout, /bug atom-split; the run block\)/);
  t.regex(replayed.stdout, /streams: moves#0: its events took effect in 2 transactions \(r\d+, r\d+\), not one/);
});

test('ent explore refuses streams and live updates with a random workload, pointing at --workload run', async (t) => {
  const files = { 'one-atom.ent': oneAtom.text, 'update.ent': readFileSync('corpus/updates/live-update.ent', 'utf8') };
  for (const [name, code] of [['one-atom.ent', 'U0110'], ['update.ent', 'U0140']] as const) {
    const refused = await ent(['explore', name], files);
    t.is(refused.status, 2);
    t.regex(refused.stderr, new RegExp(`error\\[${code}\\]`));
    t.regex(refused.stderr, /hint: explore its run block: ent explore FILE --workload run/);
  }
});
