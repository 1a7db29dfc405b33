// The explorer's fingerprint (explorer/fingerprint.ts) remembers hashes on the configuration's objects:
// a record's as the sum of its fields that hold no tick and no renamed message id (those fields hashed
// again each time), a set of seen ids as the sum of its ids as they are, a part that holds a client id
// apart for each renaming of the clients. A remembered hash must be what hashing afresh gives, or the
// explorer merges states that differ only in what the memory ignored (a tick that moved, an id renamed
// otherwise, another renaming of the clients). This holds the remembered fingerprint to the fresh one
// (`fresh: true`) on every state of explorations where time moves (a crash, a drop, a delay), message
// ids are renamed and three identical clients are renamed, the objects shared between a state and its
// successors as the explorer shares them. Negative controls: three deliberately wrong ways of
// remembering (`fault`) are each caught, and the one that ignores ticks merges distinct states.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { noBudget, type FaultBudget } from '../explorer/branching.ts';
import { fingerprintText, stateFingerprint, type FingerprintOptions } from '../explorer/fingerprint.ts';
import { initialLoopState, type LoopState } from '../explorer/loop.ts';
import { exploreScope } from '../explorer/scope.ts';
import { transitions } from '../explorer/successors.ts';
import { ClientSymmetry } from '../explorer/symmetry.ts';
import type { Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

const program = compile(readFileSync('examples/accounts.ent', 'utf8'), 'accounts.ent').program!;
const { split } = compileToSplit(program);
const account = (key: number) => referenceValue('Account', key);
const create = (key: number): Request => ({ kind: 'new', entity: 'Account', key, args: [] });

const transfer: Request = { kind: 'call', target: account(1), method: 'transfer', args: [account(0), 3] };
const withdraw: Request = { kind: 'call', target: account(0), method: 'withdraw', args: [1] };
/** Two identical clients, each a transfer then a withdrawal, over two accounts. */
const two: Workload = { setup: [create(0), create(1)], clients: [[transfer, withdraw], [transfer, withdraw]] };
/** Three identical clients, one transfer each: several renamings of the clients besides the identity. */
const three: Workload = { setup: [create(0), create(1)], clients: [[transfer], [transfer], [transfer]] };

interface Checked {
  readonly states: number;
  readonly prints: number;
  /** Fingerprints that differ from the fresh one. */
  readonly wrong: number;
  /** Fingerprints shared by states whose fresh fingerprints differ. */
  readonly merged: number;
}

/**
 * Breadth first over at most `limit` distinct states of the workload (distinct by `key`, a fresh
 * fingerprint), no reductions: `visit` sees each state once, with its extra numbers and the budget left.
 */
function eachState(
  workload: Workload, concurrency: '2pl' | 'aria', budget: FaultBudget, limit: number,
  extraOf: (state: LoopState, left: FaultBudget) => number[], visit: (state: LoopState, extra: number[]) => void,
): number {
  const scope = exploreScope(program, split, {
    nodes: 3, concurrency, delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
    shape: { clients: workload.clients.length, requestsPerClient: 2, keysPerEntity: 2 }, seed: '1', budget, jitter: 0, downtime: 4,
    reductions: new Set(), maxStates: limit,
  });
  const seen = new Set<string>();
  let frontier: { state: LoopState; budget: FaultBudget }[] = [{ state: initialLoopState(scope.settings.runtime, workload), budget }];
  while (frontier.length > 0 && seen.size < limit) {
    const next: typeof frontier = [];
    for (const { state, budget: left } of frontier) {
      if (seen.size >= limit) break;
      const extra = extraOf(state, left);
      const key = fingerprintText(stateFingerprint(state.config, extra, { renameMessages: false, fresh: true }));
      if (seen.has(key)) continue;
      seen.add(key);
      visit(state, extra);
      for (const transition of transitions(state, left, workload, split)) {
        if (transition.result.kind === 'stepped') next.push({ state: transition.result.state, budget: transition.budget });
      }
    }
    frontier = next;
  }
  return seen.size;
}

/** Over `limit` states, every state's fingerprints (plain, renamed, under every renaming of the clients) against the fresh ones. */
function check(workload: Workload, concurrency: '2pl' | 'aria', budget: FaultBudget, fault: FingerprintOptions['fault'], limit: number): Checked {
  const symmetry = new ClientSymmetry(workload);
  const freshOf = new Map<string, string>();
  let prints = 0;
  let wrong = 0;
  let merged = 0;
  const states = eachState(workload, concurrency, budget, limit, (state, left) => [...state.taken, left.crash, left.drop, left.delay], (state, extra) => {
    const modes: FingerprintOptions[] = [{ renameMessages: false }, { renameMessages: true }];
    for (const clients of symmetry.renamings(state) ?? []) {
      if (clients.every((name, client) => name === client)) continue;
      modes.push({ renameMessages: false, clients }, { renameMessages: true, clients });
    }
    for (const mode of modes) {
      const remembered = fingerprintText(stateFingerprint(state.config, extra, { ...mode, fault }));
      const fresh = fingerprintText(stateFingerprint(state.config, extra, { ...mode, fresh: true }));
      prints++;
      if (remembered !== fresh) wrong++;
      const tagged = `${mode.renameMessages} ${mode.clients ?? ''} ${remembered}`;
      const before = freshOf.get(tagged);
      if (before === undefined) freshOf.set(tagged, fresh);
      else if (before !== fresh) merged++;
    }
  });
  return { states, prints, wrong, merged };
}

/**
 * Time moves (a crash's downtime, a delay), and a duplicate puts in flight an id a node has seen.
 * States with no message in flight, each fingerprinted, then the same state a tick later (the same
 * objects, the configuration's tick moved): every tick the state holds (a lock's age, a lease, a
 * client's resend) is then one tick nearer, so the two are distinct states. `candidates`: those where
 * the fresh fingerprints differ; `merged`: those where the remembered ones do not.
 */
function shifted(fault: FingerprintOptions['fault'], limit: number): { candidates: number; merged: number } {
  let candidates = 0;
  let merged = 0;
  eachState(two, '2pl', faulty, limit, (state) => [...state.taken], (state, taken) => {
    if (state.config.network.length !== 0) return;
    const later = { ...state.config, tick: state.config.tick + 1 };
    const now = fingerprintText(stateFingerprint(state.config, taken, { renameMessages: true, fault }));
    const then = fingerprintText(stateFingerprint(later, taken, { renameMessages: true, fault }));
    const freshNow = fingerprintText(stateFingerprint(state.config, taken, { renameMessages: true, fresh: true }));
    const freshThen = fingerprintText(stateFingerprint(later, taken, { renameMessages: true, fresh: true }));
    if (freshNow !== freshThen) {
      candidates++;
      if (now === then) merged++;
    }
  });
  return { candidates, merged };
}

const LIMIT = Number(process.env.LIMIT ?? 3000);
const faulty: FaultBudget = { ...noBudget, crash: 1, drop: 1, duplicate: 1, delay: 1 };

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`a remembered fingerprint is the fresh one, at every tick, message renaming and client renaming (${concurrency})`, (t) => {
    const checked = check(two, concurrency, faulty, undefined, LIMIT);
    t.is(checked.wrong, 0, `${checked.wrong} of ${checked.prints} fingerprints differ from the fresh ones`);
    t.is(checked.merged, 0);
    t.true(checked.states >= LIMIT, `only ${checked.states} states`);
    t.log(`${checked.states} states, ${checked.prints} fingerprints`);
  });
}

test('a state and the same state a tick later are not merged', (t) => {
  const { candidates, merged } = shifted(undefined, 1500);
  t.true(candidates >= 10, `only ${candidates} states to shift`);
  t.is(merged, 0);
  t.log(`${candidates} states shifted by a tick`);
});

test('negative control: a memory that ignores ticks is caught, and merges a state with itself a tick later', (t) => {
  const checked = check(two, '2pl', faulty, 'ignore-ticks', LIMIT);
  t.true(checked.wrong > 0, 'the fingerprint remembered at one tick and taken at another went unnoticed');
  const { candidates, merged } = shifted('ignore-ticks', 1500);
  t.true(merged > 0, 'no state was merged with itself a tick later');
  t.log(`${checked.wrong} of ${checked.prints} wrong; ${merged} of ${candidates} states merged with themselves a tick later`);
});

test('negative control: a set of seen ids hashed without renaming the ids in flight is caught', (t) => {
  const checked = check(two, '2pl', faulty, 'ignore-renaming', LIMIT);
  t.true(checked.wrong > 0, 'seen ids not renamed went unnoticed');
  t.log(`${checked.wrong} of ${checked.prints} wrong, ${checked.merged} merged`);
});

test('negative control: one table for every renaming of the clients is caught', (t) => {
  const checked = check(three, '2pl', noBudget, 'one-client-renaming', 600);
  t.true(checked.wrong > 0, 'hashes of one renaming of the clients taken for another went unnoticed');
  t.log(`${checked.wrong} of ${checked.prints} wrong, ${checked.merged} merged`);
});
