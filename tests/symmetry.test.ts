// The explorer's `symmetry` reduction (explorer/symmetry.ts) may merge two states only when some renaming
// of interchangeable clients maps one onto the other. A renaming never changes what each client has left
// to do: it maps a client only to one with the same requests left. So two states merged under symmetry
// must have, client by client, the same requests left. This holds the fingerprint to that, over every
// state of a scope where clients' workloads differ at their start but end alike (so that clients become
// interchangeable after different numbers of requests): every state is enumerated without symmetry, then
// grouped by its fingerprint under symmetry. Until this test, the renamed fingerprint also renamed how
// many requests each client had taken, which describes a state whose clients have different requests
// left (one with two left, one with none, where the state had one each), and merged such states.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { noBudget } from '../explorer/branching.ts';
import { initialLoopState, type LoopState } from '../explorer/loop.ts';
import { exploreScope } from '../explorer/scope.ts';
import { stateFingerprintOf, transitions } from '../explorer/successors.ts';
import { ClientSymmetry } from '../explorer/symmetry.ts';
import { fingerprintText } from '../explorer/fingerprint.ts';
import { describeRequest } from '../runtime/describe.ts';
import type { Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

const program = compile(readFileSync('examples/accounts.ent', 'utf8'), 'accounts.ent').program!;
const { split } = compileToSplit(program);
const account = (key: number) => referenceValue('Account', key);
const create = (key: number): Request => ({ kind: 'new', entity: 'Account', key, args: [] });
const call = (key: number, method: string, ...args: number[]): Request => ({ kind: 'call', target: account(key), method, args });

/**
 * Client 0 has three withdrawals, client 1 two: they have the same requests left once each has one left,
 * but no renaming maps such a state onto a reachable one (the client that took two requests would hold
 * the history of one), so nothing may be merged here. On the old fingerprint, 2PL and Aria both merged a
 * state where each had `withdraw(4)` left with one where client 0 had two left and client 1 none.
 */
const endingAlike: Workload = {
  setup: [create(0)],
  clients: [[call(0, 'withdraw', 1), call(0, 'withdraw', 4), call(0, 'withdraw', 4)], [call(0, 'withdraw', 1), call(0, 'withdraw', 4)]],
};

/** Two identical clients: symmetry must merge here (each state with its mirror image), or the check sees nothing. */
const identical: Workload = {
  setup: [create(0)],
  clients: [[call(0, 'withdraw', 1), call(0, 'withdraw', 4)], [call(0, 'withdraw', 1), call(0, 'withdraw', 4)]],
};

for (const [name, workload, mergesAtLeast] of [['clients whose workloads end alike', endingAlike, 0], ['identical clients', identical, 50]] as const) {
  for (const concurrency of ['2pl', 'aria'] as const) {
    test(`symmetry merges only states whose clients have the same requests left: ${name} (${concurrency})`, (t) => {
      const scope = exploreScope(program, split, {
        nodes: 3, concurrency, delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
        shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 1 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
        reductions: new Set(), maxStates: 100_000,
      });
      const symmetry = new ClientSymmetry(workload);
      const left = (state: LoopState): string => workload.clients.map((requests, client) => requests.slice(state.taken[client]).map(describeRequest).join('; ')).join(' | ');
      // Every state, without symmetry (by the plain fingerprint), breadth first.
      const seen = new Set<string>();
      const byClass = new Map<string, string>();
      let frontier: LoopState[] = [initialLoopState(scope.settings.runtime, workload)];
      let merged = 0;
      while (frontier.length > 0) {
        const next: LoopState[] = [];
        for (const state of frontier) {
          const key = fingerprintText(stateFingerprintOf(state, noBudget, true));
          if (seen.has(key)) continue;
          seen.add(key);
          const symmetric = fingerprintText(stateFingerprintOf(state, noBudget, true, symmetry));
          const before = byClass.get(symmetric);
          if (before === undefined) byClass.set(symmetric, left(state));
          else {
            merged++;
            t.is(left(state), before, 'two states merged by symmetry have different requests left');
          }
          for (const transition of transitions(state, noBudget, workload, split)) {
            if (transition.result.kind === 'stepped') next.push(transition.result.state);
          }
        }
        frontier = next;
      }
      t.true(merged >= mergesAtLeast, `${merged} states merged of ${seen.size}`);
      t.log(`${seen.size} states, ${byClass.size} under symmetry`);
    });
  }
}

test('only clients with the same workload, at the same request, are renamed: a renaming of clients whose workloads only end alike merges nothing', (t) => {
  const scope = exploreScope(program, split, {
    nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
    shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 1 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
    reductions: new Set(), maxStates: 100_000,
  });
  const at = (workload: Workload, taken: number[]): LoopState => ({ ...initialLoopState(scope.settings.runtime, workload), taken });
  // Each has `withdraw(4)` left, after different requests: no renaming is taken (the state with the
  // clients swapped is never reached; the test above counts no merge for them).
  t.is(new ClientSymmetry(endingAlike).renamings(at(endingAlike, [2, 1])), undefined);
  // Identical clients at the same request: the identity and the swap.
  t.deepEqual(new ClientSymmetry(identical).renamings(at(identical, [1, 1]))?.map((renaming) => renaming.slice(0, 2)), [[0, 1], [1, 0]]);
  // Identical clients at different requests have different requests left.
  t.is(new ClientSymmetry(identical).renamings(at(identical, [2, 1])), undefined);
});
