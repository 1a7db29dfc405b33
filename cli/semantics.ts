// Stage: cli. The semantics a program can run under, by name: each gives a TransactionHost that the one
// client drives. New semantics slot in here and nowhere else.

import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TransactionHost } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';

export interface RunSettings {
  readonly stepLimit: number;
}

interface SemanticsEntry {
  readonly name: string;
  readonly description: string;
  readonly create: (program: TypedProgram, settings: RunSettings) => TransactionHost;
}

export const semanticsTable: readonly SemanticsEntry[] = [
  {
    name: 'reference',
    description: 'the sequential reference model: one transaction at a time over one global store',
    create: (program, settings) => new ReferenceHost(new ReferenceModel(program, { stepLimit: settings.stepLimit })),
  },
];

export const semanticsNames: readonly string[] = semanticsTable.map((entry) => entry.name);
export const defaultSemantics = 'reference';

export function createHost(name: string, program: TypedProgram, settings: RunSettings): TransactionHost {
  const entry = semanticsTable.find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`assertion: unknown semantics ${name}`);
  return entry.create(program, settings);
}
