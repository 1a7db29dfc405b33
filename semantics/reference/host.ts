// Stage: semantics/reference. The reference model as a TransactionHost: each submitted transaction runs
// at once, to completion, so the one-at-a-time order is the order of submission. Its streams: an atom
// the client appends is published at once (`S-Append`), `seal` is `S-Seal`, and `drain` (`S-Drain`)
// processes the published atoms one at a time, in the order of publication, until none is left.

import type { AtomReport, Outcome, Request, StreamHost, TransactionHost } from '../transactions.ts';
import type { Value } from '../values.ts';
import type { ReferenceModel } from './model.ts';

export class ReferenceHost implements TransactionHost {
  private readonly outcomes: Outcome[] = [];
  readonly streams: StreamHost;

  constructor(readonly model: ReferenceModel) {
    this.streams = {
      append: (stream: string, events: readonly Value[]) => {
        if (model.streams.isSealed(stream)) return 'sealed';
        model.streams.publish(stream, events);
        return 'appended';
      },
      seal: (stream: string) => model.streams.seal(stream),
      drain: (report: (processed: AtomReport) => void) => {
        for (let atom = model.streams.next(); atom !== undefined; atom = model.streams.next()) {
          report({ atom, outcome: model.processAtom(atom) });
        }
      },
    };
  }

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
