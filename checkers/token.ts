// Stage: checkers. Replay tokens: one string that holds everything a counterexample needs to run again
// exactly (the settings, the workload numbers and the schedule's choices), compressed. `ent check FILE
// --replay TOKEN` decodes it; a token from another version of the format is refused with a reason.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CheckCase, CheckSettings } from './case.ts';

const prefix = 'ent1.';

function trimZeros(numbers: readonly number[]): number[] {
  let end = numbers.length;
  while (end > 0 && numbers[end - 1] === 0) end--;
  return numbers.slice(0, end);
}

export function encodeToken(settings: CheckSettings, testCase: CheckCase): string {
  const json = JSON.stringify({ settings, workload: trimZeros(testCase.workload), schedule: trimZeros(testCase.schedule) });
  return prefix + deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64url');
}

export function decodeToken(token: string): { settings: CheckSettings; testCase: CheckCase } | { error: string } {
  if (!token.startsWith(prefix)) return { error: `a replay token starts with \`${prefix}\`` };
  try {
    const json = JSON.parse(inflateRawSync(Buffer.from(token.slice(prefix.length), 'base64url')).toString('utf8'));
    const numbers = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => Number.isSafeInteger(item));
    if (typeof json?.settings?.runtime?.nodes !== 'number' || !numbers(json.workload) || !numbers(json.schedule)) {
      return { error: 'the token does not hold a check case' };
    }
    return { settings: json.settings as CheckSettings, testCase: { workload: json.workload, schedule: json.schedule } };
  } catch {
    return { error: 'the token is damaged (copy it whole, on one line)' };
  }
}
