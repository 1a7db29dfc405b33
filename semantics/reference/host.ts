// Stage: semantics/reference. The reference model as a TransactionHost: each submitted transaction runs
// at once, to completion, so the one-at-a-time order is the order of submission.

import type { Outcome, Request, TransactionHost } from '../transactions.ts';
import type { ReferenceModel } from './model.ts';

export class ReferenceHost implements TransactionHost {
  private readonly outcomes: Outcome[] = [];

  constructor(readonly model: ReferenceModel) {}

  submit(request: Request): number {
    this.outcomes.push(this.model.execute(request));
    return this.outcomes.length - 1;
  }

  outcome(ticket: number): Outcome {
    const outcome = this.outcomes[ticket];
    if (outcome === undefined) throw new Error(`assertion: unknown ticket ${ticket}`);
    return outcome;
  }
}
