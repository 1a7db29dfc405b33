// Stage: cli. The semantics a program can run under, by name: each gives a TransactionHost that the one
// client drives. New semantics slot in here and nowhere else.

import { SingleNodeHost, type TraceEvent } from '../runtime/single-node.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { TransactionHost } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';

export interface RunSettings {
  readonly stepLimit: number;
  /** Receives one event per step of the machine, when tracing. */
  readonly trace: ((event: TraceEvent) => void) | undefined;
}

interface SemanticsEntry {
  readonly name: string;
  readonly description: string;
  readonly traces: boolean;
  readonly create: (program: TypedProgram, settings: RunSettings) => TransactionHost;
}

export const semanticsTable: readonly SemanticsEntry[] = [
  {
    name: 'reference',
    description: 'the sequential reference model: one transaction at a time over one global store',
    traces: false,
    create: (program, settings) => new ReferenceHost(new ReferenceModel(program, { stepLimit: settings.stepLimit })),
  },
  {
    name: 'split',
    description: 'the split program on the small-step machine, one node, a perfect network',
    traces: true,
    create: (program, settings) => new SingleNodeHost(compileToSplit(program).split, {
      stepLimit: settings.stepLimit,
      trace: settings.trace,
    }),
  },
];

export const semanticsNames: readonly string[] = semanticsTable.map((entry) => entry.name);
export const defaultSemantics = 'reference';

export function semanticsEntry(name: string): SemanticsEntry {
  const entry = semanticsTable.find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`assertion: unknown semantics ${name}`);
  return entry;
}

export function createHost(name: string, program: TypedProgram, settings: RunSettings): TransactionHost {
  return semanticsEntry(name).create(program, settings);
}
