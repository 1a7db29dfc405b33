// P-Supersede (runtime/participant.ts `supersede`, reached from runtime/execution.ts `admit`): a later
// attempt of a run that meets a lock its earlier attempt holds frees that attempt's locks at the node and
// passes each to its oldest waiter (P-Wake). When the waiter is older than the later attempt, the later
// attempt then dies (P-Lock-Die). The trace has always said so; until this test's fix the state did not:
// the die path sent its failure from the configuration *before* the supersede, so the given-up attempt
// kept its locks and the woken waiter stayed parked, behind an attempt nobody would ever finish. On that
// code every one of the ~600 supersede-then-die steps below leaves the lock with the earlier attempt.

import test from 'ava';
import { checkExactlyOnce } from '../checkers/exactly-once.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { defaultTimeouts, type RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload } from '../runtime/driver.ts';
import type { Workload } from '../runtime/workload.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { referenceValue } from '../semantics/values.ts';

const source = `entity Account {
  key id: int
  balance: int = 10
  fn deposit(amount: int) { self.balance = self.balance + amount }
  fn transfer(to: Account, amount: int) {
    self.balance = self.balance - amount
    to.deposit(amount)
  }
}
`;
const { split } = compileToSplit(compile(source, 'supersede.ent').program!);
const account = (key: number) => referenceValue('Account', key);

const settings: RuntimeSettings = {
  nodes: 3, delivery: 'exactly-once', concurrency: '2pl',
  faults: { drop: 0.2, duplicate: 0.2, delay: 0.1, crash: 0.05, downtime: 8 },
  stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 2, batchWindow: 4, bug: 'none',
};

/** Six clients transferring back and forth between two accounts: attempts retried under faults meet waiters. */
const workload: Workload = {
  setup: [0, 1].map((key) => ({ kind: 'new' as const, entity: 'Account', key, args: [] })),
  clients: [0, 1, 2, 3, 4, 5].map((client) => [0, 1, 2, 3].map((index) => ({
    kind: 'call' as const, target: account((client + index) % 2), method: 'transfer', args: [account((client + index + 1) % 2), 1],
  }))),
};

test('P-Supersede frees the earlier attempt\'s locks and hands them to the waiter, even when the later attempt then dies', (t) => {
  let supersededThenDied = 0;
  for (let seed = 0; seed < 40; seed++) {
    const entries: TraceEntry[] = [];
    const run = runWorkload(split, settings, new SeededChoices(`supersede-${seed}`), workload, {
      trace: (entry, config) => {
        entries.push(entry);
        const count = entries.length;
        if (count < 3 || entries[count - 3].rule !== 'P-Supersede' || entries[count - 2].rule !== 'P-Wake') return;
        const earlier = /replaces ([^:\s]+)/.exec(entries[count - 3].detail)![1];
        const handed = /(\S+\(\S+\)) passes to (\S+)$/.exec(entries[count - 2].detail);
        const node = Number(entries[count - 3].place.replace('node ', ''));
        const locks = config.nodes[node].volatile.locks;
        for (const [id, lock] of locks) t.not(lock.holder, earlier, `seed ${seed}: ${earlier} still holds ${id} after it was superseded`);
        if (handed !== null) t.is(locks.get(handed[1])?.holder, handed[2], `seed ${seed}: ${handed[1]} was passed to ${handed[2]}`);
        if (entry.rule === 'P-Lock-Die') supersededThenDied++;
      },
    });
    t.deepEqual(run.stuck, [], `seed ${seed}`);
    t.deepEqual(checkExactlyOnce(run.events), [], `seed ${seed}`);
  }
  // The case the fix is about must occur, or the test shows nothing.
  t.true(supersededThenDied >= 10, `only ${supersededThenDied} supersede-then-die steps`);
});
