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

/** What a client needs from a semantics: submit transactions and wait for their outcomes. */
export interface TransactionHost {
  /** Submits a transaction and returns its ticket at once. */
  submit(request: Request): number;
  /** Waits for the transaction's outcome (the same outcome every time it is asked). */
  outcome(ticket: number): Outcome;
}
