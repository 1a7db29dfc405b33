// Stage: checkers. Liveness: once faults stop, every request is answered. Input: the requests a run left
// unanswered, why (the system fell quiet, or it went on without answering them: livelocked) and the delivery
// mode; output: violations. At-most-once is defined here once, for this check and the exactly-once
// checker: a request is sent once, so one whose message was lost may end with no answer at all, and a
// system that falls quiet leaving it unanswered is live. A system that goes on without answering (the
// driver's judgement, runtime/driver.ts `Progress`: no answer in the steps every unanswered request could
// take, attempts starting again and again, or waits on resends alone again and again) is livelocked
// under every delivery mode.

import type { DeliveryMode } from '../runtime/configuration.ts';
import type { Violation } from './violation.ts';

/** Under at-most-once delivery a request may end without an answer. */
export function answersOptional(delivery: DeliveryMode): boolean {
  return delivery === 'at-most-once';
}

export function checkLiveness(stuck: readonly string[], stuckBecause: 'quiet' | 'steps' | undefined, delivery: DeliveryMode): Violation[] {
  if (stuckBecause === 'quiet' && answersOptional(delivery)) return [];
  return stuck.map((request) => {
    const submitted = !request.startsWith('(not submitted)');
    const why = stuckBecause === 'steps' ? 'the system went on without answering it (livelocked)' : 'even after the faults stopped';
    return {
      checker: 'liveness', kind: 'stuck',
      message: submitted ? `${request} was never answered, ${why}` : `${request}: its client was still waiting for an earlier answer`,
      requests: submitted ? [request.split(' ')[0]] : [],
    };
  });
}
