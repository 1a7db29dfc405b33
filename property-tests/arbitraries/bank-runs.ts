// Property-test support: whole runs of the bank example on the distributed runtime, each drawn as a case
// of a seed, a workload (three clients of six requests over two keys, from a list of numbers), a
// protocol, a delivery mode and a fault plan. property-tests/next-event.test.ts and runs-end.test.ts
// draw the same cases, so that a case one of them finds is a case of the other.

import fc from 'fast-check';
import { ListChoices } from '../../runtime/choices.ts';
import {
  defaultTimeouts, type ConcurrencyMode, type DeliveryMode, type RuntimeSettings,
} from '../../runtime/configuration.ts';
import type { FaultPlan } from '../../runtime/faults.ts';
import { generateWorkload, type Workload } from '../../runtime/workload.ts';
import { compile } from '../../semantics/compile.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import { bankSource } from './bank.ts';

const compiled = compile(bankSource, 'bank.ent');
if (compiled.program === undefined) throw new Error(compiled.diagnostics.map((entry) => entry.message).join('\n'));
const bank = compiled.program;
export const bankSplit = compileToSplit(bank).split;

export interface BankRunCase {
  readonly seed: string;
  readonly workload: readonly number[];
  readonly concurrency: ConcurrencyMode;
  readonly delivery: DeliveryMode;
  readonly faults: FaultPlan;
}

export const bankRunCases: fc.Arbitrary<BankRunCase> = fc.record({
  seed: fc.string({ maxLength: 8 }),
  workload: fc.array(fc.nat({ max: 9_999 }), { minLength: 1, maxLength: 60 }),
  concurrency: fc.constantFrom<ConcurrencyMode>('none', '2pl', 'aria'),
  delivery: fc.constantFrom<DeliveryMode>('exactly-once', 'at-least-once', 'at-most-once'),
  faults: fc.record({
    drop: fc.constantFrom(0, 0.05, 0.15),
    duplicate: fc.constantFrom(0, 0.05, 0.15),
    delay: fc.constantFrom(0, 0.1, 0.2),
    crash: fc.constantFrom(0, 0.01, 0.03),
    downtime: fc.constantFrom(10, 40),
  }),
});

/** A case's settings: 3 nodes, a step limit of 100,000, the default timeouts. */
export function bankRunSettings(sample: BankRunCase): RuntimeSettings {
  return {
    nodes: 3, delivery: sample.delivery, concurrency: sample.concurrency, faults: sample.faults, stepLimit: 100_000,
    timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none',
  };
}

/** A case's workload, generated from its numbers. */
export function bankRunWorkload(sample: BankRunCase): Workload {
  const pick = new ListChoices(sample.workload);
  return generateWorkload(bank, { clients: 3, requestsPerClient: 6, keysPerEntity: 2 }, (count) => pick.pick(count));
}
