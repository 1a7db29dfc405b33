// Atomic streams on the distributed runtime (docs/language.md §14; proofs/semantics.md, Theorem 11),
// over generated stream programs under faults, for 2PL and Aria: the output of `ent run` equals the
// reference model's, and every checker of `ent check` holds on the run's history (the streams checker:
// each atom processed once, whole, with its offset, in stream order; the replay through the reference
// model, `$Streams(0)`'s final queue, offsets and seals included; exactly-once, the dependency graph,
// installation, liveness). A program is generated from a few choices: the atoms of `moves` (each event
// moves an amount on an account, aborting the atom below zero), whether Account emits each move to
// `ledger`, whether a second consumer type (Branch, keyed by account parity) consumes `moves` too and
// calls a Bank entity, whether the run block seals `moves` before its last emit (R0105), and the seed
// and protocol of the run.
// Negative controls: the zoo's broken stream drivers (offset-before-effects, atom-split) fail the property.
//
// Runs: 40 generated programs per protocol by default (12 per negative control); ENT_RUNS multiplies the count.

import test from 'ava';
import fc from 'fast-check';
import type { ConcurrencyMode } from '../runtime/configuration.ts';
import { problemAgainstReference } from './support/against-reference.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));

type Move = readonly [account: number, amount: number];

interface Shape {
  readonly atoms: readonly (readonly Move[])[];
  readonly ledger: boolean;
  readonly branches: boolean;
  readonly sealEarly: boolean;
  readonly seed: number;
}

function programText(shape: Shape): string {
  const branch = shape.branches ? `
entity Branch {
  key parity: int
  seen: int = 0
  on moves(move: list<int>) by move[0] % 2 {
    self.seen = self.seen + 1
    Bank(0).note(move[1])
  }
}

entity Bank {
  key id: int
  total: int = 0
  fn note(amount: int) {
    self.total = self.total + amount
  }
}
` : '';
  const lines = shape.atoms.map((atom, index) => {
    const seal = shape.sealEarly && index === shape.atoms.length - 1 ? '  seal moves\n' : '';
    return `${seal}  emit moves [${atom.map(([account, amount]) => `[${account}, ${amount}]`).join(', ')}]\n  print [Ledger(0).entries]`;
  });
  const setup = shape.branches ? '  new Bank(0)\n  new Ledger(0)\n' : '  new Ledger(0)\n';
  const finals = shape.branches ? '  print [Bank(0).total, Account(0).balance]\n' : '  print [Account(1).balance]\n';
  return `stream moves: list<int>
stream ledger: int

entity Account {
  key id: int
  balance: int = 3
  on moves(move: list<int>) by move[0] {
    if self.balance + move[1] < 0 {
      abort "overdrawn " + str(self.id)
    }
    self.balance = self.balance + move[1]
    ${shape.ledger ? 'emit ledger [move[1]]' : ''}
  }
}

entity Ledger {
  key id: int
  entries: int = 0
  on ledger(amount: int) by 0 {
    self.entries = self.entries + 1
  }
}
${branch}
run {
${setup}${lines.join('\n')}
${finals}}
`;
}

/** Runs the program on the reference model and on 3 faulty nodes; what differs or what a checker finds, or undefined. */
function problem(shape: Shape, concurrency: ConcurrencyMode, bug: string): string | undefined {
  return problemAgainstReference(programText(shape), concurrency, bug, shape.seed);
}

const move: fc.Arbitrary<Move> = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -4, max: 3 }));
const shapes: fc.Arbitrary<Shape> = fc.record({
  atoms: fc.array(fc.array(move, { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
  ledger: fc.boolean(),
  branches: fc.boolean(),
  sealEarly: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`generated stream programs under faults (${concurrency}): the reference model's output, and every checker holds`, (t) => {
    const found = fc.check(fc.property(shapes, (shape) => problem(shape, concurrency, 'none') === undefined), { numRuns: runs(40), seed: 15 });
    if (found.failed && found.counterexample !== null) {
      const [shape] = found.counterexample;
      t.fail(`${programText(shape)}\nseed ${shape.seed}:\n${problem(shape, concurrency, 'none')}`);
      return;
    }
    t.false(found.failed);
  });
}

test('negative controls: the zoo\'s broken stream drivers fail the property, caught by the streams checker', (t) => {
  for (const bug of ['offset-before-effects', 'atom-split']) {
    const found = fc.check(fc.property(shapes, (shape) => problem(shape, '2pl', bug) === undefined), { numRuns: runs(12), seed: 15 });
    t.true(found.failed, bug);
    if (found.counterexample !== null) t.regex(problem(found.counterexample[0], '2pl', bug) ?? '', /streams:/, bug);
    // On a program whose atoms have several events, each for its own reason.
    const several: Shape = { atoms: [[[0, 1], [1, 1]], [[0, -9], [2, 1]]], ledger: true, branches: false, sealEarly: false, seed: 1 };
    t.regex(problem(several, '2pl', bug) ?? '', new RegExp(`streams:${bug}`), bug);
  }
});
