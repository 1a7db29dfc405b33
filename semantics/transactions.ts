// Stage: semantics. What every semantics agrees on at its boundary with the client: a request (one
// transaction, as a client submits it) and its outcome.

import type { Span } from '../grammar/span.ts';
import type { DiagnosticCode } from '../diagnostics/catalog.ts';
import type { MapKey, ReferenceValue, Value } from './values.ts';

export type Request =
  | { readonly kind: 'call'; readonly target: ReferenceValue; readonly method: string; readonly args: readonly Value[] }
  | { readonly kind: 'read'; readonly target: ReferenceValue; readonly field: string }
  | { readonly kind: 'new'; readonly entity: string; readonly key: MapKey; readonly args: readonly Value[] };

export type Outcome =
  | { readonly kind: 'committed'; readonly value: Value }
  | {
      readonly kind: 'aborted';
      readonly code: DiagnosticCode;
      readonly message: string;
      /** Where the abort was raised, when the semantics knows. */
      readonly span: Span | undefined;
    };

/**
 * Who chose an abort: the program (`abort e`, or a runtime error of its own: overflow, a missing key, no
 * such entity, …) or the system that runs it (its step budget, the size limit of values, Ctrl-C at the
 * REPL). A program abort follows from what the transaction read, and every semantics gives it at the
 * same place; a system abort follows from each semantics' own costs (they count steps differently) or
 * from the user. Both are outcomes the client sees; reports tell them apart.
 */
export type AbortCause = 'program' | 'system';

const systemAbortCodes: ReadonlySet<string> = new Set(['A0108', 'A0111', 'A0112']);

export function abortCause(code: DiagnosticCode): AbortCause {
  return systemAbortCodes.has(code) ? 'system' : 'program';
}

/** What a client needs from a semantics: submit transactions and wait for their outcomes. */
export interface TransactionHost {
  /** Submits a transaction and returns its ticket at once. */
  submit(request: Request): number;
  /** Waits for the transaction's outcome (the same outcome every time it is asked). */
  outcome(ticket: number): Outcome;
  /** Present when the semantics runs atomic streams. */
  readonly streams?: StreamHost;
}

/** One atom of a stream: its events in order, and its place (offset) in the stream, from 0. */
export interface Atom {
  readonly stream: string;
  readonly offset: number;
  readonly events: readonly Value[];
}

/** An atom processed: one transaction across every entity its events reached, committed or aborted whole. */
export interface AtomReport {
  readonly atom: Atom;
  readonly outcome: Outcome;
}

/**
 * What a client needs from a semantics that runs streams (docs/language.md, "Atomic streams"): append
 * the client's atoms, seal streams, and process what has been published. The reference model runs them
 * itself; the split and distributed semantics through requests on `$Streams(0)` (runtime/streams.ts).
 */
export interface StreamHost {
  /** Publishes an atom of the client's at the end of its stream, or says that the stream is sealed. */
  append(stream: string, events: readonly Value[]): 'appended' | 'sealed';
  seal(stream: string): void;
  /**
   * Processes every published atom not yet processed, in the order of publication, together with the
   * atoms that their transactions publish, until none is left; reports each atom as it is processed.
   */
  drain(report: (processed: AtomReport) => void): void;
}
