// Stage: checkers. Ent's history as the checkers that need no program read it: its `commit`, `abort`
// and `install` events. Input: the history events of a run (runtime/history.ts), or the JSON document
// of docs/history.md read back from a file; output: the decisions and installs, or one error naming the
// event at fault. The JSON is validated here, once, for the dependency graph and the installation check.

import type { HistoryEvent } from '../runtime/history.ts';
import { abortCause, type AbortCause } from '../semantics/transactions.ts';

export type DecisionOrInstall =
  | {
      readonly type: 'commit';
      readonly requestId: string;
      readonly reads: Iterable<readonly [string, number]>;
      /** The entities the transaction writes; undefined when the history does not say (a hand-written one). */
      readonly writes: readonly string[] | undefined;
    }
  /** The transaction aborted (its reads are what explain the abort; it wrote nothing). */
  | { readonly type: 'abort'; readonly requestId: string; readonly reads: Iterable<readonly [string, number]>; readonly cause: AbortCause }
  | { readonly type: 'install'; readonly requestId: string; readonly entity: string; readonly version: number };

/**
 * The versions of the history format this Ent reads (docs/history.md): 2, which it writes, and 1, whose
 * commits gave `writes` as an object of entity → installed version (or null) instead of a list.
 */
export const entHistoryVersions: readonly number[] = [1, 2];

export function decisionsAndInstalls(events: readonly HistoryEvent[]): DecisionOrInstall[] {
  const kept: DecisionOrInstall[] = [];
  for (const event of events) {
    if (event.type === 'commit') kept.push({ type: 'commit', requestId: event.requestId, reads: event.reads, writes: event.writes });
    else if (event.type === 'abort') kept.push({ type: 'abort', requestId: event.requestId, reads: event.reads, cause: abortCause(event.code) });
    else if (event.type === 'install') kept.push(event);
  }
  return kept;
}

/** Whether a parsed JSON document says it is Ent's history (of any version). */
export function isEntHistoryDocument(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && (json as { format?: unknown }).format === 'ent-history';
}

/** Ent's history JSON (docs/history.md) as its commits and installs, or why it is not one Ent reads. */
export function decisionsAndInstallsFromJson(json: unknown): DecisionOrInstall[] | { readonly error: string } {
  const document = json as { format?: unknown; version?: unknown; events?: unknown } | null;
  if (!isEntHistoryDocument(json) || !Array.isArray(document!.events)) {
    return { error: 'not an Ent history: expected an object with "format": "ent-history" and an "events" array' };
  }
  if (!entHistoryVersions.includes(document!.version as number)) {
    return {
      error: `"version": ${JSON.stringify(document!.version) ?? 'missing'} is not a version of the Ent history format `
        + `that this ent reads (it reads ${entHistoryVersions.join(', ')})`,
    };
  }
  const events: DecisionOrInstall[] = [];
  for (const [position, raw] of (document!.events as unknown[]).entries()) {
    const read = eventFromJson(raw, `event ${position}`);
    if (read === undefined) continue;
    if ('error' in read) return read;
    events.push(read);
  }
  return events;
}

function eventFromJson(raw: unknown, where: string): DecisionOrInstall | { readonly error: string } | undefined {
  const event = raw as Record<string, unknown> | null;
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
    return { error: `${where} is not an event object with a "type"` };
  }
  if (event.type !== 'commit' && event.type !== 'abort' && event.type !== 'install') return undefined;
  if (typeof event.id !== 'string') return { error: `${where} (${event.type}) has no string "id"` };
  if (event.type === 'install') {
    if (typeof event.entity !== 'string' || !Number.isSafeInteger(event.version)) {
      return { error: `${where} (install ${event.id}) needs a string "entity" and an integer "version"` };
    }
    return { type: 'install', requestId: event.id, entity: event.entity, version: event.version as number };
  }
  const reads = event.reads as Record<string, unknown> | null;
  if (typeof reads !== 'object' || reads === null || Array.isArray(reads)) {
    return { error: `${where} (${event.type} ${event.id}) has no "reads" object` };
  }
  const entries = Object.entries(reads);
  const bad = entries.find(([, version]) => !Number.isSafeInteger(version));
  if (bad !== undefined) {
    return { error: `${where} (${event.type} ${event.id}) reads ${bad[0]} at version ${JSON.stringify(bad[1])}, not an integer` };
  }
  if (event.type === 'abort') {
    const cause = event.cause ?? 'program';
    if (cause !== 'program' && cause !== 'system') return { error: `${where} (abort ${event.id}) has a "cause" that is not "program" or "system"` };
    return { type: 'abort', requestId: event.id, reads: entries as [string, number][], cause };
  }
  const written = writtenEntities(event.writes);
  if (typeof written === 'string') return { error: `${where} (commit ${event.id}) ${written}` };
  return { type: 'commit', requestId: event.id, reads: entries as [string, number][], writes: written };
}

/**
 * A commit's `writes`: a list of entity ids (version 2), or an object of entity → installed version or
 * null (version 1), or absent (a hand-written history that does not say). A string explains what is wrong.
 */
function writtenEntities(writes: unknown): readonly string[] | undefined | string {
  if (writes === undefined) return undefined;
  if (Array.isArray(writes)) {
    return writes.every((entity) => typeof entity === 'string') ? writes as string[] : 'has a "writes" list with an entry that is not an entity';
  }
  if (typeof writes !== 'object' || writes === null) return 'has a "writes" that is neither a list nor an object of entities';
  const bad = Object.entries(writes).find(([, version]) => version !== null && !Number.isSafeInteger(version));
  if (bad !== undefined) return `writes ${bad[0]} as version ${JSON.stringify(bad[1])}, not an integer or null`;
  return Object.keys(writes);
}
