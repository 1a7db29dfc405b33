// Stage: cli. The one-line form of a trace event: tick, entity, rule, source location, and what the
// step did. Traces go to standard error, so that standard output stays the program's own.

import { lineColumn, type SourceText } from '../grammar/span.ts';
import type { TraceEvent } from '../runtime/single-node.ts';
import type { TraceEntry } from '../runtime/world.ts';

export function formatTraceEvent(event: TraceEvent, lookup: (file: string) => SourceText | undefined): string {
  let location = '';
  if (event.span !== undefined) {
    const source = lookup(event.span.file);
    location = source === undefined ? event.span.file : `${source.name}:${lineColumn(source, event.span.start).line}`;
  }
  return `${String(event.tick).padStart(6)}  ${event.entity.padEnd(18)} ${event.rule.padEnd(15)} ${location.padEnd(14)} ${event.detail}`;
}

/** A distributed trace entry: tick, place (a node, a client, an entity), rule, source location, detail. */
export function formatTraceEntry(entry: TraceEntry, lookup: (file: string) => SourceText | undefined): string {
  let location = '';
  if (entry.span !== undefined) {
    const source = lookup(entry.span.file);
    location = source === undefined ? entry.span.file : `${source.name}:${lineColumn(source, entry.span.start).line}`;
  }
  return `${String(entry.tick).padStart(6)}  ${entry.place.padEnd(18)} ${entry.rule.padEnd(15)} ${location.padEnd(14)} ${entry.detail}`;
}
