// Synthetic transaction histories for the dependency-graph checker: a serial history of random reads and
// writes, from a fixed seed, and the same history with one cycle through every transaction. Used by
// bench/check.ts (timing) and tests/dependency-graph.test.ts (what the checker finds in them).

import type { TransactionRecord, VersionAccess } from '../checkers/dependency-graph.ts';

/** `count` transactions run serially over count / 10 objects, each reading or writing one to four of them. */
export function randomSerialHistory(count: number): TransactionRecord[] {
  let state = 12345;
  const random = (limit: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % limit;
  };
  const objects = Math.max(1, count / 10);
  const versions = new Array<number>(objects).fill(0);
  const transactions: TransactionRecord[] = [];
  for (let index = 0; index < count; index++) {
    const reads: VersionAccess[] = [];
    const writes: VersionAccess[] = [];
    for (let step = 1 + random(4); step > 0; step--) {
      const object = random(objects);
      if (writes.some((write) => write.object === `k${object}`)) continue;
      if (random(2) === 0) reads.push({ object: `k${object}`, version: versions[object] });
      else writes.push({ object: `k${object}`, version: ++versions[object] });
    }
    transactions.push({ id: `T${index}`, committed: true, reads, writes });
  }
  return transactions;
}

/**
 * The history with every transaction also writing `spine`, in turn, and the first reading the last
 * version of it: one strongly connected component of every transaction, whose only way back to the
 * first is that read (a G1c cycle as long as the history).
 */
export function withSpineCycle(transactions: readonly TransactionRecord[]): TransactionRecord[] {
  return transactions.map((transaction, index): TransactionRecord => ({
    ...transaction,
    reads: index === 0 ? [...transaction.reads, { object: 'spine', version: transactions.length }] : transaction.reads,
    writes: [...transaction.writes, { object: 'spine', version: index + 1 }],
  }));
}
