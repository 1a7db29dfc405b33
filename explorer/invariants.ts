// Stage: explorer. Invariants held at every state of an exploration, not only at its ends: properties of
// the history so far that no later step can repair (a history only grows), so that a violation at a state
// is a violation at every end reachable from it. Each is reported as the terminal checker that sees the
// same thing at the end reports it (the same checker and kind), so a zoo bug's declared reason matches:
//  - `at-most-one-commit`        exactly-once:duplicate-commit       a request committed twice so far;
//  - `one-answer`                exactly-once:conflicting-answers    a client was answered two different
//                                                                    things for one request;
//  - `installs-within-commits`   dependency-graph:committed-twice    a request installed one entity more
//                                                                    times than it has committed (each
//                                                                    commit installs each write once);
//  - `one-installer-per-version` dependency-graph:duplicate-version  two requests installed the same
//                                                                    version of one entity (versions only
//                                                                    go forwards: each install is new).
// They are checked incrementally: only the events a step appended, each against the history before it.

import { outcomesEqual } from '../checkers/exactly-once.ts';
import type { Violation } from '../checkers/violation.ts';
import type { History, HistoryEvent } from '../runtime/history.ts';
import { describeOutcome, describeRequest } from '../runtime/describe.ts';

export const invariantNames = ['at-most-one-commit', 'one-answer', 'installs-within-commits', 'one-installer-per-version'] as const;

/** The violations of the invariants by the events `after` appended to `before` (`before` a tail of `after`). */
export function invariantViolations(before: History, after: History): Violation[] {
  if (after === before) return [];
  const fresh: NonNullable<History>[] = [];
  for (let cell = after; cell !== before; cell = cell.previous) {
    if (cell === undefined) throw new Error('assertion: a step only appends to the history');
    fresh.push(cell);
  }
  const violations: Violation[] = [];
  for (let index = fresh.length - 1; index >= 0; index--) {
    const cell = fresh[index];
    violations.push(...eventViolations(cell.event, cell.previous));
  }
  return violations;
}

function events(history: History): Iterable<HistoryEvent> {
  return {
    *[Symbol.iterator]() {
      for (let cell = history; cell !== undefined; cell = cell.previous) yield cell.event;
    },
  };
}

const atState = '(an invariant, broken at this state)';

/** A request as the terminal checkers name it: its id and what it asked. */
function named(requestId: string, history: History): string {
  for (const event of events(history)) if (event.type === 'request' && event.requestId === requestId) return `${requestId} (${describeRequest(event.request)})`;
  return requestId;
}

function eventViolations(event: HistoryEvent, before: History): Violation[] {
  const violation = (checker: string, kind: string, message: string, requests: readonly string[]): Violation[] => [{ checker, kind, message: `${message} ${atState}`, requests }];
  switch (event.type) {
    case 'commit': {
      for (const earlier of events(before)) {
        if (earlier.type === 'commit' && earlier.requestId === event.requestId) {
          return violation('exactly-once', 'duplicate-commit', `${named(event.requestId, before)} took effect 2 times`, [event.requestId]);
        }
      }
      return [];
    }
    case 'response': {
      for (const earlier of events(before)) {
        if (earlier.type === 'response' && earlier.requestId === event.requestId && !outcomesEqual(earlier.outcome, event.outcome)) {
          return violation('exactly-once', 'conflicting-answers',
            `${named(event.requestId, before)} got 2 different answers: ${describeOutcome(earlier.outcome)} and ${describeOutcome(event.outcome)}`, [event.requestId]);
        }
      }
      return [];
    }
    case 'install': {
      let commits = 0;
      let installs = 1;
      let otherInstaller: string | undefined;
      for (const earlier of events(before)) {
        if (earlier.type === 'commit' && earlier.requestId === event.requestId) commits++;
        if (earlier.type !== 'install' || earlier.entity !== event.entity) continue;
        if (earlier.requestId === event.requestId) installs++;
        else if (earlier.version === event.version) otherInstaller = earlier.requestId;
      }
      const found: Violation[] = [];
      if (installs > commits) {
        found.push(...violation('dependency-graph', 'committed-twice',
          `request ${event.requestId} took effect ${installs} times on ${event.entity} (installed ${installs} times, committed ${commits})`, [event.requestId]));
      }
      if (otherInstaller !== undefined) {
        found.push(...violation('dependency-graph', 'duplicate-version',
          `${otherInstaller} and ${event.requestId} both wrote version ${event.version} of ${event.entity}`, [otherInstaller, event.requestId]));
      }
      return found;
    }
    default:
      return [];
  }
}
