// Stage: cli. The semantics a program can run under, by name: each gives a host that the one client
// drives. New semantics slot in here and nowhere else.

import { defaultTimeouts, type ConcurrencyMode, type Configuration, type DeliveryMode, type RuntimeSettings } from '../runtime/configuration.ts';
import type { FaultPlan } from '../runtime/faults.ts';
import { DistributedHost, type DistributedOptions } from '../runtime/host.ts';
import { SingleNodeHost, type TraceEvent } from '../runtime/single-node.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { Client } from '../semantics/reference/client.ts';
import type { TransactionHost } from '../semantics/transactions.ts';
import { abort } from '../semantics/values.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { EntityState } from '../semantics/migrate.ts';

export interface RunSettings {
  readonly stepLimit: number;
  readonly nodes: number;
  readonly seed: string;
  readonly faults: FaultPlan;
  readonly concurrency: ConcurrencyMode;
  readonly delivery: DeliveryMode;
  readonly bug: string;
}

/** What a run needs from a semantics: a host for the client, and what to do when the run block ends. */
export interface RunHost {
  readonly host: TransactionHost;
  /** Called after the run block's last statement, before waiting for what it left running. */
  readonly healing: () => void;
  /** Called at the very end: let the system finish its work (commits still being installed). */
  readonly settling: () => void;
  readonly distributed: DistributedHost | undefined;
  /** Every committed entity, as the host holds it now. */
  readonly entities: () => EntityState[];
}

export type Tracer =
  | { readonly kind: 'single'; readonly trace: (event: TraceEvent) => void }
  | { readonly kind: 'distributed'; readonly trace: (entry: TraceEntry, config: Configuration) => void };

interface SemanticsEntry {
  readonly name: string;
  readonly description: string;
  readonly traces: boolean;
  readonly create: (
    program: TypedProgram, settings: RunSettings, tracer: Tracer | undefined, initial?: readonly EntityState[], interrupted?: () => boolean,
    /** Where the distributed runtime's history goes (kept in memory unless told otherwise). */
    history?: DistributedOptions['history'],
  ) => RunHost;
}

/** The REPL's Ctrl-C, raised out of the client's own computation (run-block statements). */
export class Interrupted {}

/** A client whose every statement and loop round first asks whether Ctrl-C was pressed. */
export class InterruptibleClient extends Client {
  constructor(host: TransactionHost, output: (line: string) => void, private readonly interrupted: () => boolean) {
    super(host, output);
  }

  protected override tick(): void {
    if (this.interrupted()) throw new Interrupted();
  }
}

/** The reference model, with its step counter asking every few thousand steps whether Ctrl-C was pressed. */
class InterruptibleReferenceModel extends ReferenceModel {
  private stepsSincePoll = 0;

  constructor(program: TypedProgram, stepLimit: number, private readonly interrupted: () => boolean) {
    super(program, { stepLimit });
  }

  protected override tick(weight = 1): void {
    super.tick(weight);
    if (++this.stepsSincePoll < 4096) return;
    this.stepsSincePoll = 0;
    if (this.interrupted()) abort('A0111', 'interrupted');
  }
}

const nothing = (): void => undefined;

export function runtimeSettings(settings: RunSettings): RuntimeSettings {
  return {
    nodes: settings.nodes, delivery: settings.delivery, concurrency: settings.concurrency, faults: settings.faults,
    stepLimit: settings.stepLimit, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: settings.bug,
  };
}

export const semanticsTable: readonly SemanticsEntry[] = [
  {
    name: 'distributed',
    description: 'the split program on simulated nodes over a faulty network, under the chosen protocols',
    traces: true,
    create: (program, settings, tracer, initial, interrupted, history) => {
      const host = new DistributedHost(compileToSplit(program).split, {
        settings: { ...runtimeSettings(settings), interrupted }, seed: settings.seed, initialEntities: initial,
        trace: tracer?.kind === 'distributed' ? tracer.trace : undefined, history,
      });
      return { host, healing: () => host.heal(), settling: () => host.settle(), distributed: host, entities: () => host.entities() };
    },
  },
  {
    name: 'split',
    description: 'the split program on the small-step machine, one node, a perfect network',
    traces: true,
    create: (program, settings, tracer, initial, interrupted) => {
      const host = new SingleNodeHost(compileToSplit(program).split, {
        stepLimit: settings.stepLimit, trace: tracer?.kind === 'single' ? tracer.trace : undefined, interrupted,
      });
      if (initial !== undefined) host.entities.restore(initial);
      return { host, healing: nothing, settling: nothing, distributed: undefined, entities: () => [...host.entities.all()] };
    },
  },
  {
    name: 'reference',
    description: 'the sequential reference model: one transaction at a time over one global store',
    traces: false,
    create: (program, settings, _tracer, initial, interrupted) => {
      const model = interrupted === undefined
        ? new ReferenceModel(program, { stepLimit: settings.stepLimit })
        : new InterruptibleReferenceModel(program, settings.stepLimit, interrupted);
      model.store.restore(initial ?? []);
      return { host: new ReferenceHost(model), healing: nothing, settling: nothing, distributed: undefined, entities: () => [...model.store.all()] };
    },
  },
];

export const semanticsNames: readonly string[] = semanticsTable.map((entry) => entry.name);
export const defaultSemantics = 'distributed';

export function semanticsEntry(name: string): SemanticsEntry {
  const entry = semanticsTable.find((candidate) => candidate.name === name);
  if (entry === undefined) throw new Error(`assertion: unknown semantics ${name}`);
  return entry;
}
