// Stage: runtime. The split program on one node with a perfect network: messages are delivered in the
// order they are sent, nothing is lost, and transactions run one at a time. It is the TransactionHost
// of `ent run --semantics split`, and the baseline that the distributed runtime must agree with.
// Each transaction keeps an undo log, so that an abort anywhere restores every entity it touched.

import type { Span } from '../grammar/span.ts';
import { newRuleCounts, runCompiledCall, runCompiledResume, type LocalRunState } from '../interpreter/compiled.ts';
import type { LocalEnd } from '../interpreter/fast-path.ts';
import {
  enterMethod, pushFrame, resumeFrame, step, type Activation, type FrameStack, type LocalStep, type Outgoing,
} from '../interpreter/machine.ts';
import { printTermHead } from '../semantics/print-core.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Outcome, Request, StreamHost, TransactionHost } from '../semantics/transactions.ts';
import { hasStreams, StreamDriver } from './streams.ts';
import { systemSeeds, throughGetters } from './updates.ts';
import {
  abort, canonical, referenceValue, TransactionAbort, type ReferenceValue, type Value,
} from '../semantics/values.ts';
import { EntityTable, type EntityRecord } from './entity-table.ts';

export const defaultStepLimit = 1_000_000;

/** One line of a trace: a step of the machine, with where it happened. */
export interface TraceEvent {
  readonly tick: number;
  readonly entity: string;
  readonly rule: string;
  readonly span: Span | undefined;
  readonly detail: string;
}

export interface SingleNodeOptions {
  readonly stepLimit?: number;
  readonly trace?: (event: TraceEvent) => void;
  /** Asked every few thousand steps (the REPL's Ctrl-C): true aborts the transaction with A0111. */
  readonly interrupted?: () => boolean;
}

/** Steps between two questions to `interrupted`. */
const interruptPollSteps = 4096;

/** A message on the perfect network. */
type Delivery =
  | Outgoing
  | { readonly kind: 'reply'; readonly value: Value; readonly stack: FrameStack };

export class SingleNodeHost implements TransactionHost {
  readonly entities = new EntityTable();
  private readonly outcomes: Outcome[] = [];
  private readonly stepLimit: number;
  private tick = 0;
  private steps = 0;
  private stepsSincePoll = 0;
  /**
   * The compiled runs' rule counts. Nobody reads them: they would only number the trace's lines (the
   * ticks), and a traced run goes step by step instead.
   */
  private readonly counts = newRuleCounts();
  /**
   * The entities this transaction has found, by the identity of the reference that named them: the
   * same reference objects travel from call to call, and finding one by its canonical form costs a
   * string built each time. Emptied when a transaction starts (the table may change between
   * transactions: the REPL restores it); within one, entities are only added, and a failed lookup
   * aborts the transaction.
   */
  private found = new Map<ReferenceValue, EntityRecord>();
  /** The entity the compiled run under way writes to. */
  private writing: EntityRecord | undefined;
  /** What a compiled run keeps (one for every run of this host: runs never nest). */
  private readonly local: LocalRunState;

  constructor(
    private readonly program: SplitProgram,
    private readonly options: SingleNodeOptions = {},
  ) {
    this.stepLimit = options.stepLimit ?? defaultStepLimit;
    this.local = {
      steps: 0,
      stepLimit: this.stepLimit,
      interrupted: options.interrupted,
      counts: this.counts,
      write: (field, value) => this.entities.write(this.writing!, field, value),
    };
    this.entities.restore(systemSeeds(program));
    if (hasStreams(program)) {
      this.streams = new StreamDriver(program, this, () => undefined);
    }
  }

  /** The streams, when the program has any (runtime/streams.ts); transactions here end where they start. */
  readonly streams: StreamHost | undefined;

  submit(request: Request): number {
    this.outcomes.push(this.execute(throughGetters(this.program, request)));
    return this.outcomes.length - 1;
  }

  outcome(ticket: number): Outcome {
    const outcome = this.outcomes[ticket];
    if (outcome === undefined) throw new Error(`assertion: unknown ticket ${ticket}`);
    return outcome;
  }

  /** Runs one transaction to its end: its reply to the client, or an abort that undoes all it did. */
  execute(request: Request): Outcome {
    this.steps = 0;
    this.entities.begin();
    if (this.found.size > 0) this.found = new Map();
    // The network is perfect and a transaction runs one activation at a time, so one message is in flight.
    let delivery: Delivery = firstMessage(request);
    try {
      for (;;) {
        if (delivery.kind === 'reply' && delivery.stack === undefined) {
          this.entities.commit();
          return { kind: 'committed', value: delivery.value };
        }
        const next = this.deliver(delivery);
        if (next.kind === 'aborted') {
          this.entities.rollback();
          return { kind: 'aborted', code: next.code, message: next.message, span: next.span };
        }
        delivery = next;
      }
    } catch (error) {
      if (!(error instanceof TransactionAbort)) throw error;
      this.entities.rollback();
      return { kind: 'aborted', code: error.code, message: error.message, span: undefined };
    }
  }

  /** The entity `reference` names, or the abort `no such entity …` (EntityTable.existing). */
  private existing(reference: ReferenceValue): EntityRecord {
    let record = this.found.get(reference);
    if (record === undefined) this.found.set(reference, (record = this.entities.existing(reference)));
    return record;
  }

  private emit(entity: ReferenceValue | undefined, rule: string, span: Span | undefined, detail: () => string): void {
    this.tick++;
    // The detail is printed only for a trace: a run without one never formats a line.
    if (this.options.trace === undefined) return;
    this.options.trace({ tick: this.tick, entity: entity === undefined ? 'client' : canonical(entity), rule, span, detail: detail() });
  }

  /** Delivers one message; gives the next message, or the abort that ends the transaction. */
  private deliver(delivery: Delivery): Delivery | Extract<LocalStep, { kind: 'aborted' }> {
    const traced = this.options.trace !== undefined;
    switch (delivery.kind) {
      case 'invoke': {
        if (traced) this.emit(delivery.target, 'G-Deliver', undefined, () => `call ${delivery.method}(${delivery.args.map(canonical).join(', ')})`);
        else this.tick++;
        const state = this.existing(delivery.target);
        if (!traced) {
          // Not traced: the compiled blocks take the same steps without building an activation or a step record.
          return this.runCompiled(state, () => runCompiledCall(this.program, delivery.target, delivery.method, delivery.args, delivery.stack, state.fields, this.local));
        }
        return this.run(enterMethod(this.program, delivery.target, delivery.method, delivery.args, delivery.stack), state);
      }
      case 'read': {
        this.emit(delivery.target, 'G-Deliver', undefined, () => `read ${delivery.field}`);
        const value = this.existing(delivery.target).fields.get(delivery.field);
        if (value === undefined) abort('A0109', `uninitialized field ${canonical(delivery.target)}.${delivery.field}`);
        return { kind: 'reply', value, stack: delivery.stack };
      }
      case 'create': {
        const reference = referenceValue(delivery.entity, delivery.key);
        if (delivery.ifAbsent === true && this.entities.get(reference) !== undefined) {
          // S-Ensure: a stream's delivery finds the entity there and goes on with its reference.
          this.emit(reference, 'S-Ensure', undefined, () => `${canonical(reference)} exists`);
          return { kind: 'reply', value: reference, stack: delivery.stack };
        }
        this.emit(reference, 'G-Deliver', undefined, () => `new ${canonical(reference)}`);
        const entity = this.program.entities.get(delivery.entity)!;
        const state = this.entities.create(entity, delivery.key);
        if (!entity.methods.has('init')) return { kind: 'reply', value: reference, stack: delivery.stack };
        const stack = pushFrame(delivery.stack, { kind: 'created', reference });
        if (!traced) return this.runCompiled(state, () => runCompiledCall(this.program, reference, 'init', delivery.args, stack, state.fields, this.local));
        return this.run(enterMethod(this.program, reference, 'init', delivery.args, stack), state);
      }
      case 'reply': {
        const { top: frame, below: rest } = delivery.stack!;
        if (frame.kind === 'created') return { kind: 'reply', value: frame.reference, stack: rest };
        if (traced) this.emit(frame.self, 'G-Deliver', undefined, () => `reply ${canonical(delivery.value)} to ${frame.block}`);
        else this.tick++;
        const state = this.existing(frame.self);
        if (!traced) return this.runCompiled(state, () => runCompiledResume(this.program, frame, delivery.value, rest, state.fields, this.local));
        return this.run(resumeFrame(this.program, frame, delivery.value, rest), state);
      }
    }
  }

  /** Runs a compiled activation on `state` (`start` runs it) until it suspends, returns or aborts. */
  private runCompiled(state: EntityRecord, start: () => LocalEnd): Delivery | Extract<LocalStep, { kind: 'aborted' }> {
    this.local.steps = this.steps;
    this.writing = state;
    let end: LocalEnd;
    try {
      end = start();
    } finally {
      this.steps = this.local.steps;
    }
    switch (end.kind) {
      case 'suspended': return end.outgoing;
      case 'returned': return { kind: 'reply', value: end.value, stack: end.stack };
      case 'aborted': return end;
      case 'stopped': return abort(end.code, end.message);
    }
  }

  /** Runs a traced activation on `state` step by step until it suspends, returns or aborts, applying its writes as it goes. */
  private run(start: Activation, state: EntityRecord): Delivery | Extract<LocalStep, { kind: 'aborted' }> {
    let activation = start;
    for (;;) {
      if (++this.steps > this.stepLimit) abort('A0108', 'step limit exceeded');
      if (++this.stepsSincePoll >= interruptPollSteps && this.options.interrupted !== undefined) {
        this.stepsSincePoll = 0;
        if (this.options.interrupted()) abort('A0111', 'interrupted');
      }
      const result = step(this.program, activation, state.fields);
      if (result.kind === 'stepped') this.steps += result.cost - 1;
      this.emit(activation.self, result.rule, result.span, () => printTermHead(activation.term));
      switch (result.kind) {
        case 'stepped':
          if (result.write !== undefined) this.entities.write(state, result.write.field, result.write.value);
          activation = result.next;
          continue;
        case 'suspended':
          return result.outgoing;
        case 'returned':
          return { kind: 'reply', value: result.value, stack: result.stack };
        case 'aborted':
          return result;
      }
    }
  }
}

function firstMessage(request: Request): Delivery {
  switch (request.kind) {
    case 'call':
      return { kind: 'invoke', target: request.target, method: request.method, args: request.args, stack: undefined };
    case 'read':
      return { kind: 'read', target: request.target, field: request.field, stack: undefined };
    case 'new':
      return { kind: 'create', entity: request.entity, key: request.key, args: request.args, stack: undefined };
  }
}
