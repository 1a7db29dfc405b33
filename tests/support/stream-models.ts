// Test support: deliberately broken reference models of atomic streams, the negative controls of
// tests/streams.test.ts and property-tests/streams-reference.test.ts.

import { ReferenceModel } from '../../semantics/reference/model.ts';
import type { Atom, Outcome } from '../../semantics/transactions.ts';

/** Negative control: one transaction per event instead of one per atom. */
export class EventAtATimeModel extends ReferenceModel {
  override processAtom(atom: Atom): Outcome {
    let last: Outcome = { kind: 'committed', value: { kind: 'void' } };
    for (const event of atom.events) {
      const outcome = super.processAtom({ ...atom, events: [event] });
      if (outcome.kind === 'aborted') last = outcome;
    }
    return last;
  }
}
