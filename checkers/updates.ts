// Stage: checkers. Live updates, over a history (docs/language.md §15; proofs/semantics.md §8, Theorem
// 12): every transaction that runs code of an updated type reads the type's version from the code
// entity (U-Version), so the history records, in each decided transaction's reads, the version of the
// code entity it ran on. The checker requires that no transaction (an atom's included) read the code
// versions at two different points: one transaction, one version of the code. It reports
//   mixed-versions   a transaction read two copies of the code versions that had taken different
//                    updates: part of it ran on the old code and part on the new (an update applied
//                    in the middle of it).
// Whether the updates took effect at their places in the serial order, migrations included, is the
// replay checker's question: the `$Code(0).$install` requests replay through the reference model with
// the rest, and the final states (`$Code(0)` included) must agree.

import type { HistoryEvent } from '../runtime/history.ts';
import { codeEntity } from '../semantics/updates.ts';
import type { Violation } from './violation.ts';

export function checkUpdates(events: readonly HistoryEvent[]): Violation[] {
  const violations: Violation[] = [];
  const prefix = `${codeEntity}(`;
  const seen = new Set<string>();
  for (const event of events) {
    if ((event.type !== 'commit' && event.type !== 'abort') || seen.has(event.requestId)) continue;
    seen.add(event.requestId);
    const copies = [...event.reads].filter(([id]) => id.startsWith(prefix));
    if (new Set(copies.map(([, version]) => version)).size <= 1) continue;
    const shown = copies.map(([id, version]) => `${id} after ${version} update${version === 1 ? '' : 's'}`).join(', ');
    violations.push({
      checker: 'updates', kind: 'mixed-versions',
      message: `transaction ${event.requestId} ran on two versions of the code: it read ${shown}`,
      requests: [event.requestId],
    });
  }
  return violations;
}
