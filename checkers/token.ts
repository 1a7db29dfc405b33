// Stage: checkers. Replay tokens: one string that holds everything a counterexample needs to run again
// exactly (the settings, the workload numbers and the schedule's choices), compressed, and bound to the
// program it was found in by a hash of its text. A checksum over the rest catches a token that was cut
// short or had something appended; `ent check FILE --replay TOKEN` refuses a token for another program,
// a damaged one, or one from another version of the format, each with its reason.

import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { defaultTimeouts } from '../runtime/configuration.ts';
import { zooNames } from '../runtime/zoo.ts';
import type { CheckCase, CheckSettings } from './case.ts';

// ent3: clients that submit in the same round do so in an order the schedule chooses (runtime/client.ts
// `submissionOrder`), so an ent2 schedule would run differently and is refused.
const version = 'ent3';

function digest(text: string, length: number): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/** The hash a token binds: of the program's source text, exactly. */
export function programHash(sourceText: string): string {
  return digest(sourceText, 16);
}

function trimZeros(numbers: readonly number[]): number[] {
  let end = numbers.length;
  while (end > 0 && numbers[end - 1] === 0) end--;
  return numbers.slice(0, end);
}

export function encodeToken(settings: CheckSettings, testCase: CheckCase, program: string): string {
  const json = JSON.stringify({ program, settings, workload: trimZeros(testCase.workload), schedule: trimZeros(testCase.schedule) });
  const payload = deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64url');
  return `${version}.${payload}.${digest(payload, 8)}`;
}

export type DecodedToken = { readonly settings: CheckSettings; readonly testCase: CheckCase; readonly program: string } | { readonly error: string };

export function decodeToken(token: string): DecodedToken {
  const parts = token.trim().split('.');
  if (parts[0] !== version) {
    return /^ent\d+$/.test(parts[0] ?? '')
      ? { error: `the token is of another version of ent check (${parts[0]}, this one reads ${version}): find the case again with ent check` }
      : { error: `not a replay token: a token starts with \`${version}.\`` };
  }
  const [, payload, checksum] = parts;
  if (parts.length !== 3 || payload === undefined || checksum !== digest(payload, 8)) {
    return { error: 'the token is damaged: part of it is missing or something was added (copy it whole, on one line)' };
  }
  let json: unknown;
  try {
    json = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8'));
  } catch {
    return { error: 'the token is damaged (copy it whole, on one line)' };
  }
  return validToken(json) ?? { error: 'the token does not hold a check case' };
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
}

function isWhole(value: unknown, minimum: number, maximum: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= minimum && (value as number) <= maximum;
}

/** The token's contents, when every part of them has the form a case needs (a token is input, too). */
function validToken(json: unknown): DecodedToken | undefined {
  const record = json as { program?: unknown; settings?: CheckSettings; workload?: unknown; schedule?: unknown } | null;
  const settings = record?.settings;
  const runtime = settings?.runtime;
  const shape = settings?.shape;
  if (typeof record?.program !== 'string' || !isNumbers(record.workload) || !isNumbers(record.schedule)) return undefined;
  if (runtime === undefined || shape === undefined || (settings!.workload !== 'random' && settings!.workload !== 'run')) return undefined;
  const probabilities = [runtime.faults?.drop, runtime.faults?.duplicate, runtime.faults?.delay, runtime.faults?.crash];
  const timeouts = Object.values(runtime.timeouts ?? {});
  const downtime = runtime.faults?.downtime;
  const wellFormed = isWhole(runtime.nodes, 1, 64) && isWhole(runtime.stepLimit, 1, Number.MAX_SAFE_INTEGER)
    && probabilities.every((probability) => typeof probability === 'number' && probability >= 0 && probability <= 1)
    && (downtime === undefined || isWhole(downtime, 1, 999_999))
    && timeouts.length === Object.keys(defaultTimeouts).length && timeouts.every((ticks) => isWhole(ticks, 1, 1_000_000))
    && isWhole(runtime.latencyJitter, 0, 1000) && isWhole(runtime.batchWindow, 1, 1000) && (runtime.bug === 'none' || zooNames.includes(runtime.bug))
    && ['at-most-once', 'at-least-once', 'exactly-once'].includes(runtime.delivery) && ['none', '2pl', 'aria'].includes(runtime.concurrency)
    && isWhole(shape.clients, 1, 100) && isWhole(shape.requestsPerClient, 1, 1000) && isWhole(shape.keysPerEntity, 1, 100);
  if (!wellFormed) return undefined;
  return { program: record.program, settings: settings!, testCase: { workload: record.workload, schedule: record.schedule } };
}
