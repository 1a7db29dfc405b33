// Stage: runtime. Requests in words, for traces, stuck-request reports and counterexamples.

import type { Outcome, Request } from '../semantics/transactions.ts';
import { canonical, referenceValue } from '../semantics/values.ts';

export function describeRequest(request: Request): string {
  switch (request.kind) {
    case 'call':
      return `${canonical(request.target)}.${request.method}(${request.args.map(canonical).join(', ')})`;
    case 'read':
      return `${canonical(request.target)}.${request.field}`;
    case 'new':
      return `new ${canonical(referenceValue(request.entity, request.key))}${request.args.length > 0 ? ` with (${request.args.map(canonical).join(', ')})` : ''}`;
  }
}

/** An answer in words: the value a transaction committed with, or its abort. */
export function describeOutcome(outcome: Outcome): string {
  return outcome.kind === 'committed' ? canonical(outcome.value) : `abort: ${outcome.message}`;
}

/** A count with its noun, singular for 1: `1 request`, `2 requests`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
