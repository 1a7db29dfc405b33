// Properties of atomic streams in the reference model (semantics/reference; docs/language.md, section 14;
// Theorem 10 in proofs/semantics.md), over random sequences of atoms against an oracle written directly
// in TypeScript. The program moves money between accounts: each event of `moves` goes to its account,
// which aborts the atom if it would go below zero, and emits the amount to `ledger`, whose one consumer
// counts the entries. The oracle applies each atom whole or not at all, in order, and counts a ledger
// entry only for the events of atoms that committed. The run block reads the ledger after each `emit`,
// so the property also checks that an atom and the atoms it caused are processed before the run block
// goes on.
// Negative controls: a model that runs each event as a transaction of its own (an atom split across
// transactions), and one that publishes a transaction's atoms before it commits, each fail the property.
//
// Runs: 300 random atom sequences by default; ENT_RUNS multiplies the count.

import test from 'ava';
import fc from 'fast-check';
import { compile } from '../semantics/compile.ts';
import { Client } from '../semantics/reference/client.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { EventAtATimeModel } from '../tests/support/stream-models.ts';
import type { Atom, Outcome } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { referenceValue, type Value } from '../semantics/values.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));

type Move = readonly [account: number, amount: number];

const declarations = `
stream moves: list<int>
stream ledger: int

entity Account {
  key id: int
  balance: int = 3
  on moves(move: list<int>) by move[0] {
    if self.balance + move[1] < 0 {
      abort "overdrawn " + str(self.id)
    }
    self.balance = self.balance + move[1]
    emit ledger [move[1]]
  }
}

entity Ledger {
  key id: int
  entries: int = 0
  total: int = 0
  on ledger(amount: int) by 0 {
    self.entries = self.entries + 1
    self.total = self.total + amount
  }
}
`;

function programText(atoms: readonly (readonly Move[])[]): string {
  const lines = atoms.map((atom) => `  emit moves [${atom.map(([account, amount]) => `[${account}, ${amount}]`).join(', ')}]\n  print Ledger(0).entries`);
  return `${declarations}\nrun {\n${lines.join('\n')}\n}\n`;
}

interface Expected {
  readonly output: string[];
  readonly balances: Map<number, number>;
  readonly entries: number;
  readonly total: number;
}

/** Each atom whole or not at all, in order; a ledger entry per event of a committed atom. */
function oracle(atoms: readonly (readonly Move[])[]): Expected {
  const balances = new Map<number, number>();
  const output: string[] = [];
  let entries = 0;
  let total = 0;
  for (const atom of atoms) {
    const tentative = new Map(balances);
    let failed: number | undefined;
    for (const [account, amount] of atom) {
      const balance = tentative.get(account) ?? 3;
      if (balance + amount < 0) {
        failed = account;
        break;
      }
      tentative.set(account, balance + amount);
    }
    if (failed === undefined) {
      for (const [account, balance] of tentative) balances.set(account, balance);
      entries += atom.length;
      for (const [, amount] of atom) total += amount;
    } else {
      output.push(`abort: overdrawn ${failed}`);
    }
    output.push(entries === 0 ? 'abort: no such entity Ledger(0)' : String(entries));
  }
  return { output, balances, entries, total };
}

function run(model: (program: TypedProgram) => ReferenceModel, atoms: readonly (readonly Move[])[]): { output: string[]; model: ReferenceModel } {
  const compiled = compile(programText(atoms), 'streams.ent');
  if (compiled.program === undefined) throw new Error(compiled.diagnostics.map((entry) => entry.message).join('\n'));
  const instance = model(compiled.program);
  const output: string[] = [];
  const client = new Client(new ReferenceHost(instance), (line) => output.push(line));
  client.run(compiled.program.run!.body);
  client.finish();
  return { output, model: instance };
}

function field(model: ReferenceModel, entity: string, key: number, name: string): Value | undefined {
  return model.store.get(referenceValue(entity, key))?.fields.get(name);
}

const move: fc.Arbitrary<Move> = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -4, max: 3 }));
const atomsArbitrary = fc.array(fc.array(move, { maxLength: 5 }), { minLength: 1, maxLength: 12 });

function agrees(make: (program: TypedProgram) => ReferenceModel) {
  return fc.property(atomsArbitrary, (atoms) => {
    const expected = oracle(atoms);
    const actual = run(make, atoms);
    if (JSON.stringify(actual.output) !== JSON.stringify(expected.output)) return false;
    for (let account = 0; account <= 3; account++) {
      if (field(actual.model, 'Account', account, 'balance') !== expected.balances.get(account)) return false;
    }
    if (expected.entries > 0 && (field(actual.model, 'Ledger', 0, 'entries') !== expected.entries || field(actual.model, 'Ledger', 0, 'total') !== expected.total)) return false;
    return actual.model.streams.offset('moves') === atoms.length && actual.model.streams.offset('ledger') === actual.model.streams.length('ledger');
  });
}

test('each atom is processed whole or not at all, in order, before the run block goes on (oracle)', (t) => {
  const found = fc.check(agrees((program) => new ReferenceModel(program)), { numRuns: runs(300), seed: 15 });
  t.false(found.failed, found.counterexample === null ? '' : programText(found.counterexample[0]));
});


/** Negative control: a transaction's atoms published at once, before it commits. */
class EagerPublishingModel extends ReferenceModel {
  protected override emit(stream: string, events: readonly Value[]): void {
    this.streams.publish(stream, events);
  }
}

test('negative controls: an atom split into one transaction per event, or published before its commit, is caught', (t) => {
  for (const make of [(program: TypedProgram) => new EventAtATimeModel(program), (program: TypedProgram) => new EagerPublishingModel(program)]) {
    const found = fc.check(agrees(make), { numRuns: runs(300), seed: 15 });
    t.true(found.failed);
    if (found.counterexample !== null) t.log(`caught with ${JSON.stringify(found.counterexample[0])}`);
  }
});
