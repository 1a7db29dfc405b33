// Stage: checkers. Ent's history as the checkers that need no program read it: its `commit` and
// `install` events. Input: the history events of a run (runtime/history.ts), or the JSON document of
// docs/history.md read back from a file; output: the commits and installs, or one error naming the
// event at fault. The JSON is validated here, once, for the dependency graph and the installation check.

import type { HistoryEvent } from '../runtime/history.ts';

export type CommitOrInstall =
  | {
      readonly type: 'commit';
      readonly requestId: string;
      readonly reads: Iterable<readonly [string, number]>;
      /** The entities the transaction writes; undefined when the history does not say (a hand-written one). */
      readonly writes: readonly string[] | undefined;
    }
  | { readonly type: 'install'; readonly requestId: string; readonly entity: string; readonly version: number };

/** The versions of the history format this Ent reads (docs/history.md). */
export const entHistoryVersions: readonly number[] = [1];

export function commitsAndInstalls(events: readonly HistoryEvent[]): CommitOrInstall[] {
  const kept: CommitOrInstall[] = [];
  for (const event of events) {
    if (event.type === 'commit') kept.push({ type: 'commit', requestId: event.requestId, reads: event.reads, writes: event.writes });
    else if (event.type === 'install') kept.push(event);
  }
  return kept;
}

/** Whether a parsed JSON document says it is Ent's history (of any version). */
export function isEntHistoryDocument(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && (json as { format?: unknown }).format === 'ent-history';
}

/** Ent's history JSON (docs/history.md) as its commits and installs, or why it is not one Ent reads. */
export function commitsAndInstallsFromJson(json: unknown): CommitOrInstall[] | { readonly error: string } {
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
  const events: CommitOrInstall[] = [];
  for (const [position, raw] of (document!.events as unknown[]).entries()) {
    const read = eventFromJson(raw, `event ${position}`);
    if (read === undefined) continue;
    if ('error' in read) return read;
    events.push(read);
  }
  return events;
}

function eventFromJson(raw: unknown, where: string): CommitOrInstall | { readonly error: string } | undefined {
  const event = raw as Record<string, unknown> | null;
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
    return { error: `${where} is not an event object with a "type"` };
  }
  if (event.type !== 'commit' && event.type !== 'install') return undefined;
  if (typeof event.id !== 'string') return { error: `${where} (${event.type}) has no string "id"` };
  if (event.type === 'install') {
    if (typeof event.entity !== 'string' || !Number.isSafeInteger(event.version)) {
      return { error: `${where} (install ${event.id}) needs a string "entity" and an integer "version"` };
    }
    return { type: 'install', requestId: event.id, entity: event.entity, version: event.version as number };
  }
  const reads = event.reads as Record<string, unknown> | null;
  if (typeof reads !== 'object' || reads === null || Array.isArray(reads)) {
    return { error: `${where} (commit ${event.id}) has no "reads" object` };
  }
  const entries = Object.entries(reads);
  const bad = entries.find(([, version]) => !Number.isSafeInteger(version));
  if (bad !== undefined) {
    return { error: `${where} (commit ${event.id}) reads ${bad[0]} at version ${JSON.stringify(bad[1])}, not an integer` };
  }
  const writes = event.writes as Record<string, unknown> | null | undefined;
  if (writes !== undefined && (typeof writes !== 'object' || writes === null || Array.isArray(writes))) {
    return { error: `${where} (commit ${event.id}) has a "writes" that is not an object of entities` };
  }
  const badWrite = Object.entries(writes ?? {}).find(([, version]) => version !== null && !Number.isSafeInteger(version));
  if (badWrite !== undefined) {
    const version = JSON.stringify(badWrite[1]);
    return { error: `${where} (commit ${event.id}) writes ${badWrite[0]} as version ${version}, not an integer or null` };
  }
  const written = writes === undefined ? undefined : Object.keys(writes);
  return { type: 'commit', requestId: event.id, reads: entries as [string, number][], writes: written };
}
