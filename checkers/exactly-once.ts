// Stage: checkers. Exactly once, over a history: a request took effect at most once (at most one
// commit), every response the client received for it is the same answer (each is recorded; two that
// differ are a violation), and the answer agrees with what was decided: a request answered as committed
// committed, one answered `abort` was not committed. Whether a request was answered at all is the
// liveness checker's question (liveness.ts, which also says what at-most-once allows); whether its
// effect is the right one is the replay checker's.

import { valuesEqual } from '../semantics/values.ts';
import type { HistoryEvent } from '../runtime/history.ts';
import type { Outcome } from '../runtime/configuration.ts';
import { describeRequest } from '../runtime/describe.ts';
import type { Request } from '../semantics/transactions.ts';
import type { Violation } from './violation.ts';

export function checkExactlyOnce(events: readonly HistoryEvent[]): Violation[] {
  const requests = new Map<string, Request>();
  const answers = new Map<string, Outcome[]>();
  const commits = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'request') requests.set(event.requestId, event.request);
    if (event.type === 'response') {
      const known = answers.get(event.requestId) ?? [];
      if (!known.some((outcome) => outcomesEqual(outcome, event.outcome))) answers.set(event.requestId, [...known, event.outcome]);
    }
    if (event.type === 'commit') commits.set(event.requestId, (commits.get(event.requestId) ?? 0) + 1);
  }
  const violations: Violation[] = [];
  const report = (kind: string, requestId: string, message: string): void => {
    const request = requests.get(requestId);
    const what = request === undefined ? requestId : `${requestId} (${describeRequest(request)})`;
    violations.push({ checker: 'exactly-once', kind, message: `${what} ${message}`, requests: [requestId] });
  };
  for (const requestId of requests.keys()) {
    const outcomes = answers.get(requestId) ?? [];
    const committed = commits.get(requestId) ?? 0;
    if (committed > 1) report('duplicate-commit', requestId, `took effect ${committed} times`);
    if (outcomes.length === 0) continue;
    if (outcomes.length > 1) report('conflicting-answers', requestId, `got ${outcomes.length} different answers`);
    const answer = outcomes[0];
    if (answer.kind === 'committed' && committed === 0) report('answer-without-commit', requestId, 'was answered as committed but never committed');
    if (answer.kind === 'aborted' && committed > 0) report('abort-with-commit', requestId, `was answered \`abort: ${answer.message}\` but committed`);
  }
  return violations;
}

export function outcomesEqual(left: Outcome, right: Outcome): boolean {
  if (left.kind === 'committed' && right.kind === 'committed') return valuesEqual(left.value, right.value);
  return left.kind === 'aborted' && right.kind === 'aborted' && left.message === right.message;
}
