// Stage: semantics/reference. The client: it runs run-block statements (and REPL lines), submitting every
// call, remote field read and `new` as one transaction to a TransactionHost (the reference model, or a
// later semantics) and waiting for it in order; `async` submits without waiting. An aborted transaction
// prints `abort: <message>` and abandons the innermost statement that needed its result. The client is
// the same for every semantics: what differs between them is how transactions run. With streams, the
// client waits for atoms too: after each of its requests, and after each atom it emits, every atom
// published since is processed (with the atoms those publish) before its next statement; an aborted
// atom prints `abort: <message>` like an aborted transaction.

import type { Span } from '../../grammar/span.ts';
import type { DiagnosticCode } from '../../diagnostics/catalog.ts';
import type * as T from '../typed.ts';
import type { Outcome, Request, TransactionHost } from '../transactions.ts';
import {
  printedForm, TransactionAbort, voidValue, type MapKey, type ReferenceValue, type Value,
} from '../values.ts';
import { Evaluator, normal, type Completion, type Frame } from './evaluator.ts';
import { codeReference, installArguments } from '../updates.ts';

/** An error of the client's own computation: the run stops with exit status 1. */
export class ClientError {
  constructor(
    readonly code: Extract<DiagnosticCode, 'R0101' | 'R0102' | 'R0105'>,
    readonly message: string,
    readonly span: Span,
  ) {}
}

/** The statement being executed needed the result of a transaction that aborted. */
class Abandoned {}

/** A transaction the client started: on which host, under which ticket, and its outcome once known. */
interface Started {
  readonly host: TransactionHost;
  readonly ticket: number;
  outcome: Outcome | undefined;
}

export class Client extends Evaluator {
  private readonly frame: Frame = { self: undefined, slots: [], result: voidValue };
  /** Futures by the client's own number, so that they outlive a change of host (the REPL's). */
  private readonly started: Started[] = [];
  private readonly pending = new Set<number>();

  constructor(
    private host: TransactionHost,
    private readonly output: (line: string) => void,
  ) {
    super();
  }

  /**
   * Goes on with another host (the REPL changed the program or the runtime): every transaction still
   * running on the old one is waited for first, and its outcome is kept for `await`.
   */
  useHost(host: TransactionHost): void {
    this.finish();
    this.host = host;
  }

  /** Runs statements in the client's one frame; throws a ClientError when the client's own computation fails. */
  run(block: T.Block): void {
    for (const statement of block) this.statement(statement, this.frame);
  }

  /** Waits for every transaction started and never awaited, printing the aborts among them. */
  finish(): void {
    for (const future of [...this.pending].sort((a, b) => a - b)) {
      this.pending.delete(future);
      const outcome = this.outcomeOf(future);
      if (outcome.kind === 'aborted') this.output(`abort: ${outcome.message}`);
    }
  }

  private outcomeOf(future: number): Outcome {
    const started = this.started[future];
    started.outcome ??= started.host.outcome(started.ticket);
    return started.outcome;
  }

  private start(request: Request): number {
    this.started.push({ host: this.host, ticket: this.host.submit(request), outcome: undefined });
    this.settle();
    return this.started.length - 1;
  }

  /** Processes every atom published and not yet processed (none on a semantics without streams). */
  private settle(): void {
    this.host.streams?.drain((report) => {
      if (report.outcome.kind === 'aborted') this.output(`abort: ${report.outcome.message}`);
    });
  }

  protected override emit(stream: string, events: readonly Value[], span: Span): void {
    const streams = this.host.streams;
    if (streams === undefined) throw new Error('assertion: a stream program runs on a semantics without streams');
    if (streams.append(stream, events) === 'sealed') {
      throw new ClientError('R0105', `stream \`${stream}\` is sealed: the run block sealed it before this \`emit\``, span);
    }
    this.settle();
  }

  protected override seal(stream: string): void {
    const streams = this.host.streams;
    if (streams === undefined) throw new Error('assertion: a stream program runs on a semantics without streams');
    streams.seal(stream);
  }

  /**
   * `update T { … }` (U-Update): the client's requests still running are waited for first (their
   * outcomes kept for \`await\`, unprinted), so that the update follows them in the serial order as it
   * does in the run block; then the update is one request on \`$Code(0)\`, after which the streams drain.
   */
  protected override liveUpdate(entity: string, version: number): void {
    for (const future of this.pending) this.outcomeOf(future);
    this.transact({ kind: 'call', target: codeReference, method: '$install', args: installArguments(entity, version) });
  }

  /** The value of a client variable (for the REPL's completion and `:state`). */
  variableValue(variable: T.Variable): Value | undefined {
    return this.frame.slots[variable.slot];
  }

  protected override statement(statement: T.Statement, frame: Frame): Completion {
    // A `let` binds a new variable each time it runs (in a loop, too): until its initializer gives a
    // value the variable is unset, so an aborted initializer leaves nothing behind from a previous round.
    if (statement.kind === 'Let') frame.slots[statement.variable.slot] = undefined;
    try {
      return super.statement(statement, frame);
    } catch (error) {
      if (error instanceof Abandoned) return normal;
      if (error instanceof TransactionAbort) throw new ClientError('R0101', error.message, statement.span);
      throw error;
    }
  }

  private wait(future: number): Value {
    this.pending.delete(future);
    const outcome = this.outcomeOf(future);
    if (outcome.kind === 'committed') return outcome.value;
    this.output(`abort: ${outcome.message}`);
    throw new Abandoned();
  }

  private transact(request: Request): Value {
    return this.wait(this.start(request));
  }

  protected override tick(): void {}

  protected override call(target: ReferenceValue, method: string, args: readonly Value[]): Value {
    return this.transact({ kind: 'call', target, method, args });
  }

  protected override readRemote(target: ReferenceValue, field: string): Value {
    return this.transact({ kind: 'read', target, field });
  }

  protected override create(entity: string, key: MapKey, args: readonly Value[]): Value {
    return this.transact({ kind: 'new', entity, key, args });
  }

  protected override startAsync(call: T.CallExpression, frame: Frame): Value {
    const target = this.expression(call.receiver, frame) as ReferenceValue;
    const args = call.args.map((argument) => this.expression(argument, frame));
    const future = this.start({ kind: 'call', target, method: call.method, args });
    this.pending.add(future);
    return { kind: 'future', id: future };
  }

  protected override awaitFuture(future: Value): Value {
    return this.wait((future as { id: number }).id);
  }

  protected override readLocal(frame: Frame, variable: T.Variable, span: Span): Value {
    const value = frame.slots[variable.slot];
    if (value === undefined) {
      throw new ClientError('R0102', `variable \`${variable.name}\` is unset: the transaction that was to give its value aborted`, span);
    }
    return value;
  }

  protected override print(value: Value): void {
    this.output(printedForm(value));
  }

  protected override readSelf(): Value {
    throw new Error('assertion: self in the client passed the checker');
  }

  protected override writeSelf(): void {
    throw new Error('assertion: self in the client passed the checker');
  }

  protected override abortStatement(): Completion {
    throw new Error('assertion: abort in the client passed the checker');
  }
}
