// Stage: cli. The one-line form of a trace event: tick, entity, rule, source location, and what the
// step did, and the levels of detail `--trace` chooses among. Traces go to standard error, so that
// standard output stays the program's own.

import { lineColumn, type SourceText } from '../grammar/span.ts';
import type { TraceEvent } from '../runtime/single-node.ts';
import type { TraceEntry } from '../runtime/world.ts';
import type { OptionSpec, ParsedArguments } from './arguments.ts';
import type { Tracer } from './semantics.ts';

/**
 * How much a trace shows: `calls`, the requests, the calls between entities and the answers; `rules`,
 * every step but the administrative ones (binding a continuation, L-LetCont, which does no work of the
 * program); `all`, every step.
 */
export type TraceLevel = 'calls' | 'rules' | 'all';

export const traceLevels: readonly TraceLevel[] = ['calls', 'rules', 'all'];

export const traceOption: OptionSpec = {
  name: 'trace', value: { placeholder: 'LEVEL', choices: traceLevels, optional: true },
  description: 'print the steps to standard error, after the settings: --trace is --trace=rules',
};

export const traceDetail = 'Trace levels: --trace=calls shows the requests, the calls between entities and the answers;\n'
  + '--trace (or --trace=rules) every step except binding a continuation (L-LetCont); --trace=all every step.';

/** The level `--trace` asks for, or undefined without it. */
export function parseTraceLevel(parsed: ParsedArguments): TraceLevel | undefined {
  const raw = parsed.options.get('trace');
  if (raw === undefined) return undefined;
  return raw === true ? 'rules' : (raw as TraceLevel);
}

const callRules = new Set(['G-Submit', 'G-Invoke', 'G-Read', 'G-Create', 'G-Resume']);
const administrativeRules = new Set(['L-LetCont']);

/** Whether a step belongs in a trace of this level. */
export function traceShows(level: TraceLevel, rule: string, place: string, detail: string): boolean {
  switch (level) {
    case 'all':
      return true;
    case 'rules':
      return !administrativeRules.has(rule);
    case 'calls':
      // The split semantics delivers calls, reads and replies as `G-Deliver`; the distributed runtime
      // names them, and its client's deliveries are the answers.
      return callRules.has(rule) || (rule === 'G-Deliver' && (place.startsWith('client') || !place.startsWith('node ')));
  }
}

function locationOf(span: TraceEvent['span'], lookup: (file: string) => SourceText | undefined): string {
  if (span === undefined) return '';
  const source = lookup(span.file);
  return source === undefined ? span.file : `${source.name}:${lineColumn(source, span.start).line}`;
}

export function formatTraceEvent(event: TraceEvent, lookup: (file: string) => SourceText | undefined): string {
  const location = locationOf(event.span, lookup);
  return `${String(event.tick).padStart(6)}  ${event.entity.padEnd(18)} ${event.rule.padEnd(15)} ${location.padEnd(14)} ${event.detail}`;
}

/** A distributed trace entry: tick, place (a node, a client, an entity), rule, source location, detail. */
export function formatTraceEntry(entry: TraceEntry, lookup: (file: string) => SourceText | undefined): string {
  const location = locationOf(entry.span, lookup);
  return `${String(entry.tick).padStart(6)}  ${entry.place.padEnd(18)} ${entry.rule.padEnd(15)} ${location.padEnd(14)} ${entry.detail}`;
}

/** A tracer for the semantics that writes the steps of `level` with `write` (standard error). */
export function makeTracer(semantics: string, level: TraceLevel, write: (line: string) => void, lookup: (file: string) => SourceText | undefined): Tracer {
  if (semantics === 'distributed') {
    return { kind: 'distributed', trace: (entry) => {
      if (traceShows(level, entry.rule, entry.place, entry.detail)) write(formatTraceEntry(entry, lookup));
    } };
  }
  return { kind: 'single', trace: (event) => {
    if (traceShows(level, event.rule, event.entity, event.detail)) write(formatTraceEvent(event, lookup));
  } };
}

/**
 * The first `head` and the last `tail` of the entries offered to it, and how many fell between: a trace
 * of any length kept in bounded memory (a livelocked run can take millions of global steps before its
 * report is printed).
 */
export class TraceWindow<Entry> {
  private readonly first: Entry[] = [];
  private readonly last: Entry[] = [];
  /** Where the oldest of `last` sits once it is full (it is a ring). */
  private oldest = 0;
  private between = 0;

  constructor(private readonly head: number, private readonly tail: number) {}

  add(entry: Entry): void {
    if (this.first.length < this.head) {
      this.first.push(entry);
    } else if (this.last.length < this.tail) {
      this.last.push(entry);
    } else {
      this.between++;
      if (this.tail === 0) return;
      this.last[this.oldest] = entry;
      this.oldest = (this.oldest + 1) % this.tail;
    }
  }

  /** The first entries, how many were left out after them, and the last entries, in order. */
  contents(): { readonly first: readonly Entry[]; readonly omitted: number; readonly last: readonly Entry[] } {
    return { first: this.first, omitted: this.between, last: [...this.last.slice(this.oldest), ...this.last.slice(0, this.oldest)] };
  }
}
