// Stage: checkers. What a checker reports: one violation of a guarantee, in words, with the requests it
// concerns, so that a counterexample can point at them; what the violations of a run come to (its
// findings); and how many requests a run committed and aborted.

import type { HistoryEvent } from '../runtime/history.ts';
import { abortCause } from '../semantics/transactions.ts';

export interface Violation {
  /** The checker that found it: `exactly-once`, `replay`, `dependency-graph`,
   * `installation` or `liveness`. */
  readonly checker: string;
  /** A short name of what went wrong, for grouping (`duplicate-commit`, `lost-update`, …). */
  readonly kind: string;
  readonly message: string;
  readonly requests: readonly string[];
}

/** How many requests a run's clients saw committed, aborted by their program, aborted by the system, or never answered. */
export interface OutcomeCounts {
  committed: number;
  abortedByProgram: number;
  abortedBySystem: number;
  unanswered: number;
}

export function emptyCounts(): OutcomeCounts {
  return { committed: 0, abortedByProgram: 0, abortedBySystem: 0, unanswered: 0 };
}

/** Adds a history's outcomes (each request's first answer) to `counts`. */
export function countOutcomes(events: readonly HistoryEvent[], counts: OutcomeCounts): OutcomeCounts {
  const answered = new Set<string>();
  let requests = 0;
  for (const event of events) {
    if (event.type === 'request') requests++;
    if (event.type !== 'response' || answered.has(event.requestId)) continue;
    answered.add(event.requestId);
    if (event.outcome.kind === 'committed') counts.committed++;
    else if (abortCause(event.outcome.code) === 'program') counts.abortedByProgram++;
    else counts.abortedBySystem++;
  }
  counts.unanswered += requests - answered.size;
  return counts;
}

export function describeCounts(counts: OutcomeCounts): string {
  const parts = [`${counts.committed} committed`, `${counts.abortedByProgram} aborted by their program`, `${counts.abortedBySystem} aborted by the system`];
  if (counts.unanswered > 0) parts.push(`${counts.unanswered} never answered`);
  return parts.join(', ');
}

const cycleKinds: ReadonlySet<string> = new Set(['G0', 'G1c', 'G-single', 'G2', 'lost-update']);

/**
 * The findings of a failed run, each a sentence that a reader who has not read the checkers can follow.
 * Two of them are easy to blur and are told apart here: a dependency cycle means no serial order gives
 * the run (not serializable); a replay that fails while the graph has no cycle means the order the
 * protocol claims is not a serial order, though another order may be.
 */
export function findingsOf(violations: readonly Violation[]): string[] {
  const findings: string[] = [];
  const has = (checker: string): boolean => violations.some((violation) => violation.checker === checker);
  const cycles = [...new Set(violations.filter((violation) => violation.checker === 'dependency-graph' && cycleKinds.has(violation.kind)).map((violation) => violation.kind))];
  if (cycles.length > 0) findings.push(`not serializable: a dependency cycle (${cycles.join(', ')}), so no serial order gives this run`);
  else if (has('replay')) {
    findings.push('the serial order the protocol claims is not a serial order: replayed in that order the outcomes differ '
      + '(the dependency graph has no cycle, so another order may be)');
  }
  if (has('exactly-once')) findings.push('not exactly once: a request took effect twice, or its answers disagree with what was decided');
  if (has('installation')) findings.push('not installed: a commit is missing at some participant, or a read saw a write that was never committed');
  if (violations.some((violation) => violation.checker === 'dependency-graph' && !cycleKinds.has(violation.kind))) {
    findings.push('the dependency graph found a read or a commit that no correct run has (see below)');
  }
  if (has('liveness')) findings.push('not live: a request was never answered');
  if (has('updates')) findings.push('an update in the middle of a transaction: part of it ran on the old code and part on the new');
  return findings;
}
